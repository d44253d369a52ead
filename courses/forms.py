from django import forms
from django.utils.translation import gettext_lazy as _

from people import permissions as people_permissions
from people.models import Committee, DisputeCategory, Region, User
from people.person_picker import PersonPickerField
from people.roles import StaffRole
from people.widgets import (
    FilterableCheckboxSelectMultiple,
    FilterableRadioSelect,
    IsoDateInput,
    IsoDateTimeInput,
)

from .choices import Audience, Outcome, WorkingMethod
from .models import CourseModulePage, ModuleCategory


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ModuleCategory.objects.all(), required=False,
                                      empty_label=_("All categories"))
    audience = forms.ChoiceField(label=_("For"), required=False,
                                 choices=[("", _("Everyone"))] + Audience.choices[1:])
    specialty = forms.ChoiceField(label=_("Specialty"), required=False,
                                  choices=[("", _("Any specialty"))] + Committee.Specialty.choices)
    hours = forms.ChoiceField(label=_("Hours"), required=False, choices=[
        ("", _("Any length")), ("short", _("Up to 2 hours")), ("medium", _("2 to 4 hours")),
        ("long", _("4 hours or more"))])


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    category = forms.ModelChoiceField(label=_("Dispute category"), queryset=DisputeCategory.objects.all(),
                                      required=False, empty_label=_("All categories"))
    working_method = forms.ChoiceField(label=_("Working method"), required=False,
                                       choices=[("", _("Any method"))] + WorkingMethod.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("Any outcome"))] + Outcome.choices)


class AssignModuleForm(forms.Form):
    module = forms.ModelChoiceField(label=_("Module"), queryset=CourseModulePage.objects.live().order_by("path"),
                                    widget=FilterableRadioSelect, empty_label=None)
    due_on = forms.DateField(label=_("Due on"), widget=IsoDateInput())
    townships = forms.ModelMultipleChoiceField(label=_("Townships"), required=False, queryset=Region.objects.none(),
                                               widget=FilterableCheckboxSelectMultiple)
    committees = forms.ModelMultipleChoiceField(label=_("Committees"), required=False,
                                                queryset=Committee.objects.none(),
                                                 widget=FilterableCheckboxSelectMultiple)
    people = PersonPickerField(label=_("People"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["townships"].queryset = people_permissions.regions_visible_to(user).filter(
            level=Region.Level.TOWNSHIP).order_by("path")
        self.fields["committees"].queryset = people_permissions.committees_visible_to(user).select_related("region")
        self.fields["people"].limit_to(user)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("townships") or cleaned.get("committees") or cleaned.get("people")):
            raise forms.ValidationError(_("Choose townships, committees or people."))
        return cleaned


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    township = forms.ModelChoiceField(label=_("Township"), queryset=Region.objects.none())
    venue = forms.CharField(label=_("Venue"), max_length=150)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=IsoDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=IsoDateTimeInput())
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=2000, initial=50)
    modules = forms.ModelMultipleChoiceField(label=_("Modules"), widget=FilterableCheckboxSelectMultiple,
                                             queryset=CourseModulePage.objects.live().order_by("path"))
    lecturers = forms.ModelMultipleChoiceField(label=_("Lecturers"), required=False,
                                               widget=FilterableCheckboxSelectMultiple,
                                               queryset=User.objects.filter(
                                                   groups__name=StaffRole.LECTURER).order_by("name"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = people_permissions.regions_visible_to(user).filter(
            level=Region.Level.TOWNSHIP).order_by("path")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("A session must end after it starts."))
        return cleaned


class SessionAssignForm(forms.Form):
    people = PersonPickerField(label=_("Sign up people"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].limit_to(user)


class ReportPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=IsoDateInput())
    end = forms.DateField(label=_("To"), widget=IsoDateInput())

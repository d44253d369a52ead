from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Program
from courses.models import ModuleCategory
from people.models import Region
from people.permissions import regions_visible_to
from people.person_picker import PersonPickerField
from people.widgets import IsoDateInput

DOCUMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png")
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class ReviewStartForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    program = forms.ModelChoiceField(label=_("Work card (program)"), queryset=Program.objects.all())
    year = forms.IntegerField(label=_("Year reviewed"), min_value=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_visible_to(user).exclude(level=Region.Level.VILLAGE).order_by(
            "path")
        self.fields["year"].max_value = timezone.localdate().year
        self.fields["year"].initial = timezone.localdate().year


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Give a reason.")})


class ExternalTrainingForm(forms.Form):
    people = PersonPickerField(label=_("People"))
    title = forms.CharField(label=_("Training"), max_length=150)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ModuleCategory.objects.all(), required=False,
                                      empty_label=_("No category"))
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_digits=5, decimal_places=1)
    completed_on = forms.DateField(label=_("Completed on"), widget=IsoDateInput)
    document = forms.FileField(label=_("Document (PDF or photo)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].limit_to(user)

    def clean_people(self):
        people = self.cleaned_data["people"]
        if not people:
            raise forms.ValidationError(_("Choose at least one person."))
        return people

    def clean_document(self):
        document = self.cleaned_data["document"]
        if not document.name.lower().endswith(DOCUMENT_TYPES):
            raise forms.ValidationError(_("Upload a PDF, JPG or PNG file."))
        if document.size > DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return document

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate():
            raise forms.ValidationError(_("The training cannot end in the future."))
        return completed_on


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1")
    note = forms.CharField(label=_("Reason"), max_length=500, required=False)

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CourseModulePage
from people.models import Region

from .models import LecturerProfile
from .selectors import menu_modules


class ModuleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, module):
        hours = f"{module.credit_hours:f}".rstrip("0").rstrip(".")
        return f"{module.title}（{hours} h）"


class OrderForm(forms.Form):
    place = forms.ChoiceField(label=_("Ordering for"))
    modules = ModuleChoiceField(label=_("Modules"), queryset=CourseModulePage.objects.none())
    headcount = forms.IntegerField(label=_("Number of people"), min_value=1, max_value=2000, initial=30)
    preferred_from = forms.DateField(label=_("Preferred from"), widget=forms.DateInput(attrs={"type": "date"}))
    preferred_to = forms.DateField(label=_("Preferred until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("For example: a venue, the kinds of disputes you see most."))

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {f"{t.pk}-{c.pk if c else 0}": (t, c) for t, c in places}
        self.fields["place"].choices = [(key, f"{t.name} · {c.name}" if c else t.name)
                                        for key, (t, c) in self.places.items()]
        if len(self.places) == 1:
            self.fields["place"].widget = forms.HiddenInput()
            self.fields["place"].initial = next(iter(self.places))
        self.fields["modules"].queryset = menu_modules()

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("preferred_from"), cleaned.get("preferred_to")
        if first and first < timezone.localdate():
            self.add_error("preferred_from", _("The preferred dates are in the past."))
        if first and last and last < first:
            self.add_error("preferred_to", _("The last preferred day is before the first."))
        if cleaned.get("place") in self.places:
            cleaned["township"], cleaned["committee"] = self.places[cleaned.pop("place")]
        return cleaned


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=300)


class ScheduleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    venue = forms.CharField(label=_("Venue"), max_length=150)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Starts at"), initial="09:00", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Ends at"), initial="16:00", widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=2000)
    modules = ModuleChoiceField(label=_("Modules"), queryset=CourseModulePage.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modules"].queryset = menu_modules()

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("day"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            zone = timezone.get_current_timezone()
            cleaned["starts_at"] = datetime.datetime.combine(day, start, zone)
            cleaned["ends_at"] = datetime.datetime.combine(day, end, zone)
            if end <= start:
                self.add_error("end_time", _("A session must end after it starts."))
            elif cleaned["starts_at"] < timezone.now():
                self.add_error("day", _("A session cannot start in the past."))
        return cleaned


class LecturerProfileForm(forms.ModelForm):
    modules = ModuleChoiceField(label=_("Modules you teach"), queryset=CourseModulePage.objects.none(),
                                required=False)
    townships = forms.ModelMultipleChoiceField(label=_("Townships you cover"), required=False,
                                               queryset=Region.objects.filter(level=Region.Level.TOWNSHIP)
                                               .order_by("path"), widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = LecturerProfile
        fields = ["background", "organisation", "bio", "modules", "townships"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["modules"].queryset = menu_modules()


class UnavailableForm(forms.Form):
    day = forms.DateField(label=_("Day you cannot teach"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=100)


SCORES = [(i, str(i)) for i in range(5, 0, -1)]


class RatingForm(forms.Form):
    overall = forms.TypedChoiceField(label=_("Overall"), choices=SCORES, coerce=int, widget=forms.RadioSelect)
    lecturer_score = forms.TypedChoiceField(label=_("The lecturer"), choices=SCORES, coerce=int,
                                            widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comments"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("The lecturer sees your comments without your name."))

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = modules
        for module in modules:
            self.fields[f"module_{module.pk}"] = forms.TypedChoiceField(
                label=module.title, choices=SCORES, coerce=int, widget=forms.RadioSelect)
        self.fields["comment"] = self.fields.pop("comment")  # the free text comes last, after the scores

    def module_scores(self) -> dict[int, int]:
        return {m.pk: self.cleaned_data[f"module_{m.pk}"] for m in self.modules}

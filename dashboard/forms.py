from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import Program
from people.models import Committee, Membership

from .selectors import PERIODS, Filters


def _any(choices) -> list[tuple[str, str]]:
    return [("", _("All")), *choices]


class FilterForm(forms.Form):
    """The dashboard's filters, read from the query string. Bad values fall back to "all" (the form is optional)."""

    period = forms.ChoiceField(label=_("Period"), choices=list(PERIODS.items()), required=False)
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.all(), required=False,
                                     empty_label=_("All"))
    role = forms.ChoiceField(label=_("Role"), choices=_any(Membership.Role.choices), required=False)
    kind = forms.ChoiceField(label=_("Committee kind"), choices=_any(Committee.Kind.choices), required=False)
    specialty = forms.ChoiceField(label=_("Specialty"), choices=_any(Committee.Specialty.choices), required=False)

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(period=data.get("period") or "year", program=data.get("program"), role=data.get("role", ""),
                       kind=data.get("kind", ""), specialty=data.get("specialty", ""))

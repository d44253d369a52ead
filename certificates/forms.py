from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import RotationSession
from people.models import Region
from people.permissions import committees_visible_to, region_filter, regions_visible_to
from people.widgets import FilterableRadioSelect

from .models import Program
from .validity import expiring_label

CREDENTIAL_MAX_CHARS = 60000  # a credential with its proof is ~5 KB; this leaves room and refuses floods

def status_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Any status")), ("valid", _("Valid")), ("expiring", expiring_label()),
        ("expired", _("Expired")), ("revoked", _("Revoked")), ("superseded", _("Superseded by a renewal")),
        ("suspended", _("Suspended")),
    ]


def _reason_field(label):
    return forms.CharField(label=label, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Give a reason.")})


class CertificateFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or serial number"), required=False, max_length=50)
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.all(), required=False,
                                     empty_label=_("All programs"))
    status = forms.ChoiceField(label=_("Status"), choices=status_choices, required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Region.objects.none(), required=False,
                                  empty_label=_("Whole jurisdiction"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Townships (and the like) inside the user's jurisdiction.
        self.fields["area"].queryset = regions_visible_to(user).filter(level=Region.Level.TOWNSHIP)


class IssueForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.filter(is_active=True))
    reason = _reason_field(_("Reason for issuing by hand"))


class ReasonForm(forms.Form):
    """Revoking and renewing: a reason, with its own label."""

    reason = _reason_field(_("Reason"))

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class BulkIssueForm(forms.Form):
    """Who gets the certificate: a committee's current members, or the people who attended a rotation session."""

    committee = forms.ModelChoiceField(label=_("Mediation committee"), queryset=None, required=False,
                                       widget=FilterableRadioSelect, empty_label=None)
    session = forms.ModelChoiceField(label=_("or the attendees of a rotation session"), queryset=None,
                                     required=False, widget=FilterableRadioSelect, empty_label=None)
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.filter(is_active=True))
    reason = _reason_field(_("Reason for issuing by hand"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees_visible_to(user).select_related("region")
        self.fields["session"].queryset = RotationSession.objects.filter(
            region_filter(user, "township__"), starts_at__lte=timezone.now()).order_by("-starts_at")

    def clean(self):
        data = super().clean()
        if bool(data.get("committee")) == bool(data.get("session")):
            raise forms.ValidationError(_("Choose either a committee or a rotation session."))
        return data


class LookupForm(forms.Form):
    serial_number = forms.CharField(label=_("Serial number"), max_length=32)
    name = forms.CharField(label=_("Holder's full name"), max_length=50)


class CredentialCheckForm(forms.Form):
    credential = forms.CharField(label=_("Credential (JSON or JWT)"), widget=forms.Textarea(attrs={"rows": 6}),
                                 max_length=CREDENTIAL_MAX_CHARS, required=False)
    file = forms.FileField(label=_("or its file"), required=False)

    def clean(self):
        data = super().clean()
        text = (data.get("credential") or "").strip()
        if not text and data.get("file"):
            text = data["file"].read(CREDENTIAL_MAX_CHARS).decode("utf-8", "replace").strip()
        if not text:
            raise forms.ValidationError(_("Paste a credential or choose its file."))
        data["credential_text"] = text
        return data

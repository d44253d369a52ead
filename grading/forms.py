from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people import permissions
from people.models import Region
from people.uploads import check_upload
from people.widgets import FilterableRadioSelect


class CaseFiguresUploadForm(forms.Form):
    file = forms.FileField(label=_("Case figures file (CSV or XLSX)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload)
        return upload


class RoundOpenForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2200)
    title = forms.CharField(label=_("Title"), max_length=150)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = permissions.regions_visible_to(user).filter(
            level__in=[Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY]).order_by("path")
        self.fields["year"].initial = timezone.localdate().year


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500,
                             help_text=_("Required when rejecting."), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for the rejection."))
        return data


class BulkRejectForm(forms.Form):
    """Reject the ticked candidates of a round with one reason; only candidates the user may see can be ticked."""

    # Ticked on each candidate's card (checkboxes outside the form, joined to it by their ``form`` attribute).
    candidates = forms.ModelMultipleChoiceField(label=_("Candidates"), queryset=None,
                                                widget=forms.MultipleHiddenInput,
                                                error_messages={"required": _("Choose at least one candidate.")})
    reason = forms.CharField(label=_("Reason for rejecting the selected candidates"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Give the reason for the rejection.")})

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = candidates


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing the round"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Give the reason for withdrawing the round.")})


class PublishForm(forms.Form):
    days = forms.IntegerField(label=_("Publication period (days)"), min_value=1, max_value=60, initial=7)


class ArchiveExportForm(forms.Form):
    committee = forms.ModelChoiceField(label=_("Committee"), queryset=None, widget=FilterableRadioSelect,
                                       empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = permissions.committees_visible_to(user).order_by("region__path", "name")

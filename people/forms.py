from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes out from a background task so a slow mail server never blocks
    (or breaks) the page. The message is rendered here, where the user object is at hand."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        from .tasks import email_send, enqueue

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        enqueue(email_send, subject, body, [to_email])


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-"
                                                         "officedocument.spreadsheetml.sheet"}),
    )
    full_list = forms.BooleanField(
        label=_("This file is the full list of each committee it names"), required=False,
        help_text=_("Members of those committees who are not in the file will be marked as left today."),
    )

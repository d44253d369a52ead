from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """One field for what people know (people/auth.py), and one error whatever went wrong."""

    username = forms.CharField(
        label=_("Mobile number, national ID number or username"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The sign-in details are not right. Check them and try again, or ask your township "
                           "justice office."),
    }


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


class NewPasswordMixin(forms.Form):
    """A new password typed twice; Django's validators (in Chinese) run in ``clean`` once the person is known."""

    new_password1 = forms.CharField(
        label=_("New password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password confirmation"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def check_new_password(self, person) -> None:
        first, second = self.cleaned_data.get("new_password1"), self.cleaned_data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two password fields didn’t match."))
        elif first:
            try:
                password_validation.validate_password(first, person)
            except ValidationError as error:
                self.add_error("new_password1", error)


class ActivationForm(NewPasswordMixin):
    """First sign-in: the code from the login slip (filled in by the slip's QR code) and a password of one's own."""

    code = forms.CharField(
        label=_("Activation code"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
        help_text=_("The eight letters and digits on your login slip."),
    )
    field_order = ["code", "new_password1", "new_password2"]


class ResetCodeRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Mobile number, national ID number or username"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class ResetCodeForm(ResetCodeRequestForm, NewPasswordMixin):
    code = forms.CharField(
        label=_("Code from the text message"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["identifier", "code", "new_password1", "new_password2"]


class SlipForm(forms.Form):
    days = forms.IntegerField(
        label=_("Codes valid for (days)"), min_value=1, max_value=365,
        help_text=_("Printing replaces earlier slips of the same people: their old codes stop working."),
    )

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from people import audit, permissions
from people.admin_columns import yes_no_column
from people.navigation import register_menu_entry

from . import selectors
from .models import Certificate, Program
from .validity import expiring_label, expiring_within_days


class ProgramViewSet(SnippetViewSet):
    model = Program
    icon = "doc-full"
    menu_label = _("Certification programs")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "validity_months", "min_training_hours",
                    yes_no_column("is_active", _("open for issuing"))]


register_snippet(ProgramViewSet)


def _holds_certificates(user) -> bool:
    return user.is_authenticated and Certificate.objects.filter(holder=user).exists()


register_menu_entry(name="certificates", label=_("My certificates"), url_name="certificates:mine", order=30,
                    shown=lambda user: permissions.is_learner(user) or _holds_certificates(user))
register_menu_entry(name="bureau-certificates", label=_("Certificates"), url_name="certificates:bureau_certificates",
                    order=30, shown=permissions.is_bureau_staff)


@hooks.register("quiz_detail_panels")
def exam_prerequisites_panel(request, quiz):
    """On a certification exam's page: the certificate it leads to and the modules to finish as well."""
    rows = selectors.exam_prerequisites(user=request.user, quiz=quiz)
    if not rows:
        return ""
    return render_to_string("certificates/panel_exam_prerequisites.html", {"rows": rows}, request=request)


@hooks.register("learner_home_panels")
def learner_certificates_panel(request):
    certificates = list(selectors.learner_certificates(user=request.user)[:5])
    return render_to_string("certificates/panel_learner.html", {"certificates": certificates}, request=request)


@hooks.register("bureau_home_panels")
def bureau_certificates_panel(request):
    days = expiring_within_days(request)
    return render_to_string("certificates/panel_bureau.html", {
        "rows": selectors.programs_with_counts(user=request.user, expiring_days=days),
        "expiring_label": expiring_label(days)}, request=request)


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    audit.register(actions, [
        ("certificates.issue", _("Issue certificate"), _("Certificate issued")),
        ("certificates.revoke", _("Revoke certificate"), _("Certificate revoked")),
        ("certificates.suspend", _("Suspend certificate"), _("Certificate suspended")),
        ("certificates.reinstate", _("Reinstate certificate"), _("Certificate reinstated")),
    ])

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet

from people import audit, permissions
from people.admin_views import JurisdictionScopedViewSet, ScopedForm

from .models import GradeRule

RULE_FIELDS = ["region", "grade", "rated_by", "min_years_of_service", "period_years", "min_cases",
               "min_success_percent", "min_training_hours", "requires_review_passed", "years_in_grade_below"]


class GradeRuleViewSet(JurisdictionScopedViewSet):
    """Grade rules per bureau (Settings of each region: a county's own, or the city's for all its counties)."""

    model = GradeRule
    icon = "pick"
    menu_label = _("Grade rules")
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["region", "grade", "rated_by", "min_years_of_service", "min_cases", "min_success_percent",
                    "min_training_hours"]
    search_fields = ["region__name", "grade__name"]
    panels = [FieldPanel(name) for name in RULE_FIELDS]

    def scope(self, user):
        return GradeRule.objects.filter(permissions.region_filter(user, "region__")).select_related("region", "grade")

    def get_form_class(self, for_update=False):
        return type("GradeRuleForm", (ScopedForm,), {"Meta": type("Meta", (), {
            "model": GradeRule, "fields": RULE_FIELDS})})


register_snippet(GradeRuleViewSet)


@hooks.register("bureau_home_panels")
def grading_panel(request):
    if permissions.is_bureau_staff(request.user):
        return render_to_string("grading/panel_bureau.html", request=request)
    return ""


@hooks.register("learner_home_panels")
def archive_panel(request):
    return render_to_string("grading/panel_learner.html", request=request)


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    audit.register(actions, [
        ("grading.case_import", _("Import case figures"), _("Case figures imported")),
        ("grading.round_status", _("Change grading round status"), _("Grading round status changed")),
        ("grading.candidates_reject", _("Reject grading candidates"), _("Grading candidates rejected")),
    ])

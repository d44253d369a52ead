from django import forms
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet

from people import audit
from people import permissions as people_permissions
from people.admin_views import JurisdictionScopedViewSet, ScopedForm

from . import selectors
from .models import TrainingDuty

_DUTY_FIELDS = ["region", "name", "kind", "role", "employment", "committee_kind", "grade", "hours", "categories",
                "modules", "within_days", "year_starts_month", "triggered_on", "in_force_from", "is_active"]


class TrainingDutyForm(ScopedForm):
    """A duty's rules checked before the database's constraints would refuse them, with a translated error."""

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (TrainingDuty.Kind.PREJOB, TrainingDuty.Kind.TRIGGERED) and not data.get("within_days"):
            self.add_error("within_days", _("Pre-job and triggered duties need the days allowed."))
        if kind == TrainingDuty.Kind.TRIGGERED and not data.get("triggered_on"):
            self.add_error("triggered_on", _("A triggered duty needs its trigger date."))
        if data.get("year_starts_month") and not 1 <= data["year_starts_month"] <= 12:
            self.add_error("year_starts_month", _("Choose a month from 1 to 12."))
        return data


class TrainingDutyViewSet(JurisdictionScopedViewSet):
    model = TrainingDuty
    icon = "date"
    menu_label = _("Training duties")
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["name", "kind", "hours", "region", BooleanColumn("is_active", label=_("active"))]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    panels = [
        FieldPanel("region"), FieldPanel("name"), FieldPanel("kind"),
        MultiFieldPanel([FieldRowPanel([FieldPanel("role"), FieldPanel("employment")]),
                         FieldRowPanel([FieldPanel("committee_kind"), FieldPanel("grade")])], heading=_("Who")),
        MultiFieldPanel([FieldPanel("hours"), FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
                         FieldPanel("modules")], heading=_("What")),
        MultiFieldPanel([FieldPanel("within_days"), FieldPanel("year_starts_month"), FieldPanel("triggered_on"),
                         FieldPanel("in_force_from")], heading=_("When")),
        FieldPanel("is_active"),
    ]

    def scope(self, user):
        return selectors.duties_visible_to(user)

    def get_form_class(self, for_update=False):
        return type("TrainingDutyAdminForm", (TrainingDutyForm,), {"Meta": type("Meta", (), {
            "model": TrainingDuty, "fields": _DUTY_FIELDS,
            "widgets": {"categories": forms.CheckboxSelectMultiple}})})


register_snippet(TrainingDutyViewSet)


@hooks.register("learner_home_panels")
def learner_duties_panel(request):
    """Each duty with its progress bar and due date on "my learning"."""
    duties = selectors.learner_duties(user=request.user)
    if not duties:
        return ""
    return render_to_string("training/panel_learner.html", {"duties": duties, "today": timezone.localdate()},
                            request=request)


@hooks.register("bureau_home_panels")
def bureau_training_panel(request):
    return render_to_string("training/panel_bureau.html", {
        "may_edit_duties": people_permissions.can_use_admin(request.user)}, request=request)


@hooks.register("certificate_public_facts")
def reviewed_for(certificate):
    """The public check says which year's annual review a valid card passed (有效，已通过2026年度审核)."""
    latest = selectors.last_passed_review_year(certificate=certificate)
    return {"reviewed_for": latest} if latest else {}


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    audit.register(actions, [
        ("training.external_record", _("Record external training"), _("External training recorded")),
        ("training.external_decide", _("Decide external training"), _("External training decided")),
        ("training.review_start", _("Start annual review"), _("Annual review started")),
        ("training.review_confirm", _("Confirm annual review"), _("Annual review confirmed")),
    ])

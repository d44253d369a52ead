from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import audit, permissions, selectors
from .admin_views import CommitteeViewSet, MembershipViewSet, RegionViewSet
from .models import DisputeCategory, Grade
from .navigation import MenuItem, register_menu_entry


class GradeViewSet(SnippetViewSet):
    model = Grade
    icon = "pick"
    menu_label = _("Grades")
    list_display = ["name", "rank"]


class DisputeCategoryViewSet(SnippetViewSet):
    model = DisputeCategory
    icon = "tag"
    menu_label = _("Dispute categories")
    list_display = ["name", "sort_order"]  # the English name shows only on English pages


class OrganisationGroup(ViewSetGroup):
    menu_label = _("Organisations")
    menu_icon = "group"
    menu_order = 200
    items = (RegionViewSet, CommitteeViewSet, MembershipViewSet, GradeViewSet, DisputeCategoryViewSet)


register_snippet(OrganisationGroup)


register_menu_entry(name="learning", label=_("My learning"), url_name="people:learner_home", order=10,
                    shown=permissions.is_learner)
register_menu_entry(name="bureau", label=_("My jurisdiction"), url_name="people:bureau_home", order=10,
                    shown=permissions.is_bureau_staff)
# Not in bureau staff's menu, which is already full on a desktop: the help is written for learners.
register_menu_entry(name="help", label=_("Help"), url_name="people:help", order=80,
                    shown=lambda user: not permissions.is_bureau_staff(user))
register_menu_entry(name="admin", label=_("Content admin"), url_name="wagtailadmin_home", order=90,
                    shown=permissions.can_use_admin)


@hooks.register("register_site_menu_item")
def notices_menu_item(request):
    if not request.user.is_authenticated:
        return None
    unread = selectors.unread_notice_count(user=request.user)
    label = _("Notices (%(count)d)") % {"count": unread} if unread else _("Notices")
    return MenuItem(label=label, url=reverse("people:notices"), order=80, name="notices")


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    audit.register(actions, audit.ACTIONS)


@hooks.register("bureau_home_panels")
def roster_import_panel(request):
    if permissions.is_bureau_staff(request.user):
        return render_to_string("people/includes/roster_panel.html", request=request)
    return ""


# Wagtail's help menu links to wagtail.org ("What's new", the editor guide): pages a county intranet cannot reach,
# in English. Only the keyboard shortcuts stay; the account summary's guide link goes too (template override).
OFFLINE_UNREACHABLE_HELP = {"editor-guide"}


@hooks.register("construct_help_menu")
def keep_only_reachable_help(request, menu_items):
    menu_items[:] = [item for item in menu_items
                     if item.name not in OFFLINE_UNREACHABLE_HELP and not item.name.startswith("whats-new")]

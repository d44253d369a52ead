from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from people import permissions
from people.navigation import register_menu_entry

from . import selectors, services, tables
from .views import targets_for

register_menu_entry(name="coverage", label=_("Coverage"), url_name="coverage:home", order=20,
                    shown=permissions.is_bureau_staff)


@hooks.register("region_url")
def coverage_region_url(request, region):
    """A region named anywhere on the site drills down into its coverage."""
    return reverse("coverage:region", args=[region.code]) if permissions.is_bureau_staff(request.user) else ""


@hooks.register("bureau_home_panels")
def coverage_panel(request):
    """The jurisdiction's areas with their certified %, expiring and hours figures, each a drill-down link
    (the kept snapshot the dashboard itself reads, so the home page costs what a dashboard view costs)."""
    if not permissions.is_bureau_staff(request.user):
        return ""
    area = selectors.home_region(user=request.user)
    filters = selectors.Filters()
    targets = targets_for(request)
    found = services.region_snapshot(region=area, filters=filters, targets=targets)
    level = selectors.region_rows(user=request.user, region=area, filters=filters, figures=found.figures,
                                  targets=targets)
    return render_to_string("dashboard/panel_bureau.html", {
        "region": area, "table": tables.overview_table(level)}, request=request)

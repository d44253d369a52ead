from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from people import permissions
from people.navigation import MenuItem


@hooks.register("register_site_menu_item")
def coverage_menu_item(request):
    if permissions.is_bureau_staff(request.user):
        return MenuItem(label=_("Coverage"), url=reverse("coverage:home"), order=20, name="coverage")
    return None


@hooks.register("bureau_home_panels")
def coverage_panel(request):
    if permissions.is_bureau_staff(request.user):
        return render_to_string("dashboard/panel_bureau.html", request=request)
    return ""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy
from wagtail import hooks

from people import permissions as people_permissions
from people.navigation import register_menu_entry

from . import permissions, selectors
from .views import rules

# Bureau staff and township offices reach ordering and dispatch from their home page's panel (below): the bureau's
# menu is already full on a desktop header. Lecturers have few entries and come here for their teaching.
register_menu_entry(name="teaching", label=gettext_lazy("My teaching"), url_name="rotation:lecturer_home", order=42,
                    shown=people_permissions.is_lecturer)


@hooks.register("learner_home_panels")
def rating_panel(request):
    """Sessions to rate, and the way to ask for a module in one's township."""
    current = rules()
    return render_to_string("rotation/panels/learner.html", {
        "ratable": selectors.ratable_sessions(user=request.user, rating_days=current.rating_days),
        "may_order": bool(permissions.order_places(request.user,
                                                   committee_heads_may_order=current.committee_heads_may_order)),
    }, request=request)


@hooks.register("bureau_home_panels")
def rotation_panel(request):
    return render_to_string("rotation/panels/bureau.html", {
        "dispatcher": permissions.is_dispatcher(request.user),
        "township_officer": permissions.is_township_officer(request.user)}, request=request)

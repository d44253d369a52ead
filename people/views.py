from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import permissions, selectors, services
from .decorators import bureau_staff_required, learner_required
from .navigation import home_panels


@login_required
def home(request):
    """Send each role to the home made for it."""
    user = request.user
    if permissions.is_bureau_staff(user):
        return redirect("people:bureau_home")
    if permissions.is_learner(user):
        return redirect("people:learner_home")
    if permissions.can_use_admin(user):
        return redirect("wagtailadmin_home")
    return redirect("people:profile")


@learner_required
def learner_home(request):
    return render(request, "people/learner_home.html", {
        "memberships": selectors.learner_memberships(user=request.user),
        "panels": home_panels(request, "learner_home_panels"),
    })


@bureau_staff_required
def bureau_home(request):
    total, children = selectors.jurisdiction_summary(user=request.user)
    return render(request, "people/bureau_home.html", {
        "total": total,
        "children": children,
        "panels": home_panels(request, "bureau_home_panels"),
    })


@login_required
def profile(request):
    memberships = request.user.memberships.select_related("committee__region", "grade").order_by("-joined_on")
    return render(request, "people/profile.html", {"memberships": memberships})


@login_required
def notices(request):
    return render(request, "people/notices.html", {"notices": selectors.notices_for(user=request.user)[:100]})


@require_POST
@login_required
def notices_read(request):
    services.notices_mark_read(person=request.user)
    return redirect("people:notices")

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from . import permissions


def role_required(check):
    """Log in first, then allow only users for whom ``check(user)`` is true (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


learner_required = role_required(permissions.is_learner)
bureau_staff_required = role_required(permissions.is_bureau_staff)

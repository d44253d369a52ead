"""Who may act on course records. Built on ``people.permissions`` (the one policy for roles and regions)."""

from people import permissions as people_permissions

from .models import RotationSession


def can_manage_session(user, session: RotationSession) -> bool:
    """Bureau staff whose jurisdiction holds the session's township, and the session's own lecturers, keep its
    roster; only bureau staff schedule and assign."""
    if people_permissions.can_see_region(user, session.township):
        return True
    return people_permissions.is_lecturer(user) and session.lecturers.filter(pk=user.pk).exists()

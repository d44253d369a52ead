"""Who may act on course records. Built on ``people.permissions`` (the one policy for roles and regions)."""

from wagtail.documents import get_permission_policy

from people import permissions as people_permissions

from .models import CourseModulePage, Enrolment, LessonPage, RotationSession


def can_manage_session(user, session: RotationSession) -> bool:
    """Bureau staff whose jurisdiction holds the session's township, and the session's own lecturers, keep its
    roster; only bureau staff schedule and assign."""
    if people_permissions.can_see_region(user, session.township):
        return True
    return people_permissions.is_lecturer(user) and session.lecturers.filter(pk=user.pk).exists()


def may_download_handout(user, lesson: LessonPage, module: CourseModulePage) -> bool:
    """A handout marked "enrolled people only": people enrolled in the lesson's module, the module's lecturers,
    and whoever may edit the lesson in the admin (Wagtail's page permissions: bureau staff edit the whole menu,
    whatever their jurisdiction, since the menu is the bureau's, not a region's; lecturers their own pages)."""
    if not user.is_authenticated:
        return False
    if Enrolment.objects.filter(person=user, module=module).exists():
        return True
    if people_permissions.is_lecturer(user) and module.lecturers.filter(pk=user.pk).exists():
        return True
    return lesson.permissions_for_user(user).can_edit()


def may_change_document(user, document) -> bool:
    """Who may change a document in the library (Wagtail's collection policy: its uploader, staff with the
    collection's change permission, superusers): they also open a protected handout from the admin."""
    return get_permission_policy().user_has_permission_for_instance(user, "change", document)

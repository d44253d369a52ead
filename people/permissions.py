"""The one place that decides who may see and do what. Views, selectors, admin and API all ask here.

- Administrators (superusers or the Administrators group) see everything.
- Bureau staff see their jurisdiction's subtree of regions, and the committees and people in it.
- Lecturers author content (checked by the content apps against authorship).
- Mediators and informants see their own records only.
"""

from functools import cache

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Committee, Membership, Region, User
from .roles import StaffRole

_ROLE, _GROUP = 0, 1


@cache
def _roles_sql(using: str) -> str:
    """The user's learner roles (``Membership.objects.active()``: joined by today, not left before it) and staff
    groups in one statement, built once: every page a signed-in person opens asks both (the role check, the menu),
    and two ORM queries cost a round trip and ~0.6 ms of compiling more (issue #21). tests/people/test_permissions.py
    proves it gives what the ORM's two queries give."""
    quote = connections[using].ops.quote_name
    through = User.groups.through._meta

    def column(model_meta, name: str) -> str:
        return f"{quote(model_meta.db_table)}.{quote(model_meta.get_field(name).column)}"

    membership, group = Membership._meta, User.groups.field.related_model._meta
    left_on = column(membership, "left_on")
    return (f"SELECT {_ROLE}, {column(membership, 'role')} FROM {quote(membership.db_table)}"  # noqa: S608  (our own names)
            f" WHERE {column(membership, 'person')} = %s AND {column(membership, 'joined_on')} <= %s"
            f" AND ({left_on} IS NULL OR {left_on} > %s)"
            f" UNION ALL SELECT {_GROUP}, {column(group, 'name')} FROM {quote(group.db_table)}"
            f" INNER JOIN {quote(through.db_table)} ON {column(through, 'group')} = {column(group, 'id')}"
            f" WHERE {column(through, 'user')} = %s")


def _read_roles(user) -> None:
    """Cache both on the user object: a page asks several times per request."""
    if not user.is_authenticated:
        user._learner_roles = user._staff_group_names = frozenset()
        return
    using = router.db_for_read(Membership)
    today = connections[using].ops.adapt_datefield_value(timezone.localdate())
    with connections[using].cursor() as cursor:
        cursor.execute(_roles_sql(using), [user.pk, today, today, user.pk])
        rows = cursor.fetchall()
    user._learner_roles = frozenset(value for kind, value in rows if kind == _ROLE)
    user._staff_group_names = frozenset(value for kind, value in rows if kind == _GROUP)


def _group_names(user) -> frozenset[str]:
    if not hasattr(user, "_staff_group_names"):
        _read_roles(user)
    return user._staff_group_names


def is_administrator(user) -> bool:
    return user.is_authenticated and (user.is_superuser or StaffRole.ADMINISTRATOR in _group_names(user))


def is_bureau_staff(user) -> bool:
    return is_administrator(user) or (
        StaffRole.BUREAU_STAFF in _group_names(user) and user.jurisdiction_id is not None
    )


def is_lecturer(user) -> bool:
    return user.is_authenticated and StaffRole.LECTURER in _group_names(user)


def learner_roles(user, *, fresh: bool = False) -> frozenset[str]:
    """The learner roles (mediator, informant) of the user's active memberships. One query (with the staff groups),
    cached on the user object: a learner's page asks for the role check and for the roles (which exams are theirs)
    in one request.
    ``fresh`` reads them again (a service deciding on eligibility right after a membership changed)."""
    if not user.is_authenticated:
        return frozenset()
    if fresh:
        user._learner_roles = frozenset(Membership.objects.active().filter(person=user).order_by()
                                        .values_list("role", flat=True))
    elif not hasattr(user, "_learner_roles"):
        _read_roles(user)
    return user._learner_roles


def is_learner(user) -> bool:
    """Mediators and informants: anyone with an active committee membership."""
    return bool(learner_roles(user))


def can_use_admin(user) -> bool:
    return user.is_authenticated and (is_administrator(user) or is_lecturer(user) or is_bureau_staff(user))


def region_filter(user, prefix: str = "") -> Q:
    """A Q object limiting rows whose region (reached through ``prefix``) lies in the user's jurisdiction.

    ``prefix`` is the lookup path to a Region, e.g. ``"committee__region__"``; ``""`` filters Regions themselves."""
    if is_administrator(user):
        return Q()
    if is_bureau_staff(user):
        return Q(**{f"{prefix}path__startswith": user.jurisdiction.path})
    return Q(pk__in=[])


def regions_visible_to(user) -> QuerySet[Region]:
    return Region.objects.filter(region_filter(user))


def committees_visible_to(user) -> QuerySet[Committee]:
    # A subquery on the committee's own region column (not a join to the region's path), so the admin's search
    # backend can apply it too.
    if is_administrator(user):
        return Committee.objects.all()
    return Committee.objects.filter(region__in=regions_visible_to(user))


def people_visible_to(user) -> QuerySet[User]:
    """Administrators: everyone. Bureau staff: people with a membership (past or present) in their region,
    plus staff assigned inside it. Everyone else: themselves."""
    if is_administrator(user):
        return User.objects.all()
    if is_bureau_staff(user):
        path = user.jurisdiction.path
        return User.objects.filter(
            Q(memberships__committee__region__path__startswith=path) | Q(jurisdiction__path__startswith=path)
        ).distinct()
    if user.is_authenticated:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def can_see_region(user, region: Region) -> bool:
    if is_administrator(user):
        return True
    return is_bureau_staff(user) and region.path.startswith(user.jurisdiction.path)


def can_manage_committee(user, committee: Committee) -> bool:
    return can_see_region(user, committee.region)


def can_see_person(user, person: User) -> bool:
    return user.pk == person.pk or people_visible_to(user).filter(pk=person.pk).exists()


def can_grade(user, quiz) -> bool:
    """Essays of a quiz are graded by its responsible lecturer (``quiz.owner``) or an administrator."""
    return is_administrator(user) or (is_lecturer(user) and quiz.owner_id == user.pk)

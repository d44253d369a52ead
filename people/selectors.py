"""Reads of people and organisations. Selectors take the acting user and filter by what they may see."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from .models import Committee, Membership, Notice, Region, User
from .permissions import committees_visible_to


def learner_memberships(*, user: User) -> QuerySet[Membership]:
    """The learner's active memberships, with what the home page shows of each."""
    return (
        Membership.objects.active().filter(person=user)
        .select_related("committee__region", "grade")
        .order_by("joined_on")
    )


@dataclass
class RegionCounts:
    region: Region
    committees: int = 0
    mediators: int = 0
    informants: int = 0
    full_time: int = 0
    women: int = 0


def jurisdiction_summary(*, user: User) -> tuple[RegionCounts, list[RegionCounts]]:
    """Totals for the user's jurisdiction and for each region directly below it.

    Three queries whatever the size of the region: the child regions, committees grouped by child, and active
    memberships grouped by child. Grouping uses the prefix of the materialised path that names the child."""
    root = user.jurisdiction or Region.get_first_root_node()
    children = list(root.get_children())
    child_path_length = len(root.path) + Region.steplen
    by_path = {child.path: RegionCounts(region=child) for child in children}
    total = RegionCounts(region=root)

    committees = (
        committees_visible_to(user).filter(region__path__startswith=root.path)
        .annotate(child=Substr("region__path", 1, child_path_length))
        .values("child").annotate(n=Count("id"))
    )
    for row in committees:
        total.committees += row["n"]
        if row["child"] in by_path:
            by_path[row["child"]].committees += row["n"]

    members = (
        Membership.objects.active().filter(committee__region__path__startswith=root.path)
        .annotate(child=Substr("committee__region__path", 1, child_path_length))
        .values("child").annotate(
            mediators=Count("person", filter=Q(role=Membership.Role.MEDIATOR), distinct=True),
            informants=Count("person", filter=Q(role=Membership.Role.INFORMANT), distinct=True),
            full_time=Count("person", filter=Q(employment=Membership.Employment.FULL_TIME), distinct=True),
            women=Count("person", filter=Q(person__gender=User.Gender.FEMALE), distinct=True),
        )
    )
    for row in members:
        for counts in (total, by_path.get(row["child"])):
            if counts is None:
                continue
            counts.mediators += row["mediators"]
            counts.informants += row["informants"]
            counts.full_time += row["full_time"]
            counts.women += row["women"]
    return total, list(by_path.values())


def committees_in_region(*, user: User, region: Region) -> QuerySet[Committee]:
    return (
        committees_visible_to(user).filter(region__path__startswith=region.path)
        .select_related("region")
        .annotate(active_members=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
    )


def notices_for(*, user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(person=user)


def unread_notice_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(person=user, read_at__isnull=True).count()

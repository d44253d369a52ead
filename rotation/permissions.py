"""Who may order, dispatch and teach. Built on ``people.permissions`` (the one policy for roles and regions).

- Ordering (点单): staff of a township justice office — bureau staff whose jurisdiction is a township — for that
  township; and, when the bureau allows it (``RotationSettings.committee_heads_may_order``), the chair or a
  vice-chair of a committee, for the committee's township.
- Dispatching (派单): bureau staff above the township (county/banner and up) and administrators, inside their
  jurisdiction. Township offices order; they do not dispatch lecturers to themselves.
- Teaching: the dispatched lecturer, for their sessions."""

from people import permissions as people_permissions
from people.models import Committee, Membership, Region

HEAD_POSITIONS = (Membership.Position.CHAIR, Membership.Position.VICE_CHAIR)


def township_of(region: Region) -> Region | None:
    """The township/sumu/street a region lies in (itself, for a township)."""
    if region.level == Region.Level.TOWNSHIP:
        return region
    return Region.objects.filter(path__in=Region.path_prefixes(region.path, include_self=False),
                                 level=Region.Level.TOWNSHIP).first()


def is_township_officer(user) -> bool:
    return (people_permissions.is_bureau_staff(user) and not people_permissions.is_administrator(user)
            and user.jurisdiction.level == Region.Level.TOWNSHIP)


def headed_committees(user) -> list[Committee]:
    if not user.is_authenticated:
        return []
    return list(Committee.objects.filter(
        memberships__in=Membership.objects.active().filter(person=user, position__in=HEAD_POSITIONS))
        .select_related("region").distinct())


def order_places(user, *, committee_heads_may_order: bool) -> list[tuple[Region, Committee | None]]:
    """Where the user may order for: (township, committee or None for the justice office itself)."""
    places: list[tuple[Region, Committee | None]] = []
    if is_township_officer(user):
        places.append((user.jurisdiction, None))
    if committee_heads_may_order:
        for committee in headed_committees(user):
            township = township_of(committee.region)
            if township is not None:
                places.append((township, committee))
    return places


def can_order(user, township: Region, committee: Committee | None, *, committee_heads_may_order: bool) -> bool:
    return any(t.pk == township.pk and (c.pk if c else None) == (committee.pk if committee else None)
               for t, c in order_places(user, committee_heads_may_order=committee_heads_may_order))


def is_dispatcher(user) -> bool:
    if people_permissions.is_administrator(user):
        return True
    return people_permissions.is_bureau_staff(user) and user.jurisdiction.level not in (
        Region.Level.TOWNSHIP, Region.Level.VILLAGE)


def can_dispatch(user, township: Region) -> bool:
    return is_dispatcher(user) and people_permissions.can_see_region(user, township)

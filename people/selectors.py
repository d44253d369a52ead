"""Reads of people and organisations. Selectors take the acting user and filter by what they may see."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions, roster
from .models import AccessCode, BureauSettings, Committee, Grade, Membership, Notice, Region, RosterImport, User
from .permissions import committees_visible_to, region_filter, regions_visible_to


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



def notices_for(*, user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(person=user)


def unread_notice_key(user_id: int) -> str:
    return f"people:unread-notices:{user_id}"


def unread_notice_count(*, user: User) -> int:
    """The menu's badge, on every page a person opens: from the cache (one query less per page on exam day),
    forgotten whenever the person's notices change (``people.signals``, ``services.notices_mark_read``); five
    minutes at most in any case."""
    if not user.is_authenticated:
        return 0
    key = unread_notice_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notice.objects.filter(person=user, read_at__isnull=True).count()
        cache.set(key, count, 300)
    return count


def roster_reference(*, user: User, rows: list[roster.RosterRow]) -> roster.Reference:
    """What checking a roster needs: the file's regions that lie in the user's jurisdiction, and the grades."""
    codes = {row.region_code for row in rows}
    jurisdiction = user.jurisdiction if user.jurisdiction_id and not permissions.is_administrator(user) else None
    return roster.Reference(
        region_ids=dict(regions_visible_to(user).filter(code__in=codes).values_list("code", "id")),
        jurisdiction_name=jurisdiction.name if jurisdiction else _("all regions"),
        grades=frozenset(Grade.objects.values_list("name", flat=True)),
    )


def roster_snapshot(*, rows: list[roster.RosterRow]) -> roster.Snapshot:
    """The database rows a roster plan compares with, in three queries: the committees the file names, all their
    memberships (open and ended), and the people in those memberships or matching a national ID hash in the file."""
    keys = {row.committee_key for row in rows}
    committees = {
        (c["region__code"], c["name"]): roster.ExistingCommittee(
            id=c["id"], region_code=c["region__code"], name=c["name"], kind=c["kind"], specialty=c["specialty"])
        for c in Committee.objects.filter(
            region__code__in={code for code, _name in keys}, name__in={name for _code, name in keys},
        ).values("id", "region__code", "name", "kind", "specialty")
        if (c["region__code"], c["name"]) in keys
    }
    memberships = [
        roster.ExistingMembership(
            id=m["id"], person_id=m["person_id"], committee_id=m["committee_id"], role=m["role"],
            employment=m["employment"], grade=m["grade__name"] or "", joined_on=m["joined_on"], left_on=m["left_on"])
        for m in Membership.objects.filter(committee__in=[c.id for c in committees.values()]).order_by("pk").values(
            "id", "person_id", "committee_id", "role", "employment", "grade__name", "joined_on", "left_on")
    ]
    hashes = {row.id_hash for row in rows if row.id_hash}
    people = {
        p["id"]: roster.ExistingPerson(id=p["id"], name=p["name"], gender=p["gender"], phone=p["phone"],
                                       id_hash=p["national_id_hash"])
        for p in User.objects.filter(
            Q(pk__in={m.person_id for m in memberships}) | Q(national_id_hash__in=hashes)
        ).values("id", "name", "gender", "phone", "national_id_hash")
    }
    return roster.Snapshot(committees=committees, people=people, memberships=memberships)


def roster_imports_visible_to(user: User) -> QuerySet[RosterImport]:
    """Imports by anyone whose jurisdiction lies inside the user's (administrators: all, including their own
    region-less imports)."""
    return RosterImport.objects.filter(region_filter(user, "region__")).select_related("uploaded_by", "region")


def region_roster(*, user: User, parent: str | None = None) -> QuerySet[Region]:
    """Regions the user may see, each with the code of the region above it (one query)."""
    regions = regions_visible_to(user)
    if parent is not None:
        parent_region = regions.filter(code=parent).first()
        regions = parent_region.get_children() if parent_region else regions.none()
    above = Region.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Region.steplen))
    return regions.annotate(parent_code=Subquery(above.values("code")[:1])).order_by("path")


def committee_roster(*, user: User, region: str | None = None, kind: str | None = None) -> QuerySet[Committee]:
    """Committees the user may see, with their count of members active today."""
    committees = committees_visible_to(user).select_related("region")
    if region is not None:
        committees = committees.filter(region__path__startswith=Subquery(
            Region.objects.filter(code=region).values("path")[:1]))
    if kind is not None:
        committees = committees.filter(kind=kind)
    today = timezone.localdate()
    active = Q(memberships__joined_on__lte=today) & (
        Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gt=today))
    return committees.annotate(active_members=Count("memberships", filter=active)).order_by(
        "region__path", "name", "pk")


def member_roster(
    *, user: User, region: str | None = None, committee: int | None = None, active: bool | None = None
) -> QuerySet[User]:
    """People with a membership in the user's jurisdiction, each with ``roster_memberships``: their memberships
    there (never those elsewhere), with committee, region and grade. A constant number of queries a page."""
    memberships = Membership.objects.filter(region_filter(user, "committee__region__"))
    if region is not None:
        memberships = memberships.filter(committee__region__path__startswith=Subquery(
            Region.objects.filter(code=region).values("path")[:1]))
    if committee is not None:
        memberships = memberships.filter(committee_id=committee)
    people = User.objects.filter(pk__in=memberships.values("person"))
    if active is not None:
        current = memberships.active().values("person")
        people = people.filter(pk__in=current) if active else people.exclude(pk__in=current)
    return people.order_by("name", "pk").prefetch_related(Prefetch(
        "memberships", to_attr="roster_memberships",
        queryset=memberships.select_related("committee__region", "grade").order_by("joined_on", "pk")))


ROLE_NAMES = ["mediator", "informant", "lecturer", "bureau_staff", "administrator"]


def own_profile(*, user: User) -> User:
    """The user with ``roles`` (names from ROLE_NAMES), ``jurisdiction`` and ``own_memberships`` (all of them)."""
    memberships = list(user.memberships.select_related("committee__region", "grade").order_by("-joined_on", "pk"))
    active_roles = {m.role for m in memberships if m.is_active}
    checks = {
        "mediator": Membership.Role.MEDIATOR in active_roles,
        "informant": Membership.Role.INFORMANT in active_roles,
        "lecturer": permissions.is_lecturer(user),
        "bureau_staff": permissions.is_bureau_staff(user) and not permissions.is_administrator(user),
        "administrator": permissions.is_administrator(user),
    }
    user.roles = [name for name in ROLE_NAMES if checks[name]]
    user.own_memberships = memberships
    return user


def bureau_settings():
    """The bureau's settings of the default site (work without a request: tasks, services); defaults before any
    site exists."""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return BureauSettings.for_site(site) if site else BureauSettings()


# --- Sign-in status, for bureau staff -----------------------------------------------------------------------------

class SignInStatus:
    NEVER = "never"
    ACTIVE = "active"
    LOCKED = "locked"


def person_is_locked(*, person: User) -> bool:
    """Whether django-axes is refusing this account now (failures count per account: ``people.auth``)."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(
        username=person.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME))
    return attempts.exists()


def person_sign_in(*, user: User, pk: int) -> dict | None:
    """What a bureau officer sees of a person's sign-in: status, last sign-in, the newest activation code's dates.
    None when the person is outside the officer's jurisdiction (the view answers 404)."""
    person = permissions.people_visible_to(user).filter(pk=pk).first()
    if person is None:
        return None
    if person_is_locked(person=person):
        status = SignInStatus.LOCKED
    elif person.last_login is None:
        status = SignInStatus.NEVER
    else:
        status = SignInStatus.ACTIVE
    code = person.access_codes.filter(purpose=AccessCode.Purpose.ACTIVATION).order_by("-created_at", "-pk").first()
    return {"person": person, "status": status, "activation_code": code,
            "committees": list(learner_memberships(user=person).values_list("committee__name", flat=True))}


def people_never_signed_in(people: QuerySet[User]) -> QuerySet[User]:
    """Of ``people``, those who have never signed in (so need a login slip)."""
    return people.filter(last_login__isnull=True, is_active=True)


def slip_people(*, user: User, committee: int | None = None, region: str | None = None,
                roster_import: int | None = None) -> tuple[str, QuerySet[User]] | None:
    """Who a batch of login slips is for: the active members of a committee, of a region (township) or the new
    people of one roster import, limited to the officer's jurisdiction and to those who have never signed in.
    Returns (a title for the batch, the people), or None when the committee/region/import is not the officer's."""
    memberships = Membership.objects.active().filter(region_filter(user, "committee__region__"))
    if committee is not None:
        found = committees_visible_to(user).filter(pk=committee).first()
        if found is None:
            return None
        title, memberships = found.name, memberships.filter(committee=found)
        people = User.objects.filter(pk__in=memberships.values("person"))
    elif region is not None:
        found = regions_visible_to(user).filter(code=region).first()
        if found is None:
            return None
        title = found.name
        people = User.objects.filter(pk__in=memberships.filter(
            committee__region__path__startswith=found.path).values("person"))
    elif roster_import is not None:
        found = roster_imports_visible_to(user).filter(pk=roster_import).first()
        if found is None:
            return None
        title = found.file_name
        people = User.objects.filter(pk__in=found.result.get("new_people", []))
        people = people.filter(pk__in=memberships.values("person"))
    else:
        return None
    return title, people_never_signed_in(people).order_by("name", "pk")


def slip_rows(people) -> list[dict]:
    """Each person's name, masked phone and first active committee for a slip (two queries)."""
    people = list(people)
    committees: dict[int, str] = {}
    for person_id, name in (Membership.objects.active().filter(person__in=people)
                            .order_by("joined_on", "pk").values_list("person_id", "committee__name")):
        committees.setdefault(person_id, name)
    return [{"person": p, "committee": committees.get(p.pk, "")} for p in people]


def people_search(*, user: User, query: str, limit: int = 20) -> list[User]:
    """People serving on a committee in the user's jurisdiction whose name, mobile number or committee matches
    ``query`` (for the person picker). Each has ``committee_name`` (their first active committee). Two queries."""
    query = query.strip()
    if not query:
        return []
    active = Membership.objects.active().filter(region_filter(user, "committee__region__"))
    match = Q(name__contains=query) | Q(pk__in=active.filter(committee__name__contains=query).values("person"))
    if query.isdigit() and len(query) >= 3:
        match |= Q(phone__contains=query)
    people = list(permissions.people_visible_to(user).filter(match, pk__in=active.values("person"))
                  .order_by("name", "pk")[:limit])
    committees: dict[int, str] = {}
    for person_id, name in (active.filter(person__in=people).order_by("joined_on", "pk")
                            .values_list("person_id", "committee__name")):
        committees.setdefault(person_id, name)
    for person in people:
        person.committee_name = committees.get(person.pk, "")
    return people

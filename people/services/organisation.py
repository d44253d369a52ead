"""Regions, committees, people and their memberships: the roster itself, written one record at a time
(the roster import and the demo reuse these)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import national_id
from ..exceptions import PeopleError
from ..models import Committee, DisputeCategory, Grade, Membership, Region, User


def region_add(*, parent: Region | None, name: str, code: str, level: str, name_en: str = "") -> Region:
    """Add a region under ``parent`` (or as a root). Idempotent by code: an existing region is returned."""
    existing = Region.objects.filter(code=code).first()
    if existing:
        return existing
    fields = {"name": name, "name_en": name_en, "code": code, "level": level}
    if parent is None:
        return Region.add_root(**fields)
    # treebeard places the child using the parent's child count; a stale parent object would collide.
    parent.refresh_from_db(fields=["numchild", "path", "depth"])
    return parent.add_child(**fields)


def person_create(
    *,
    username: str,
    name: str,
    gender: str = User.Gender.UNSPECIFIED,
    phone: str = "",
    email: str = "",
    password: str | None = None,
    national_id_number: str | None = None,
    national_id_record: national_id.NationalIdRecord | None = None,
) -> User:
    """Create a person. A national ID comes either as the number (validated, then hashed and masked) or as an
    already validated ``national_id_record``; the number itself is never stored."""
    person = User(username=username, name=name, gender=gender, phone=phone, email=email)
    if national_id_number:
        national_id_record = national_id.record(national_id_number)
    if national_id_record:
        _apply_national_id(person, national_id_record)
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    return person


def _apply_national_id(person: User, record: national_id.NationalIdRecord) -> None:
    person.national_id_hash = record.hash
    person.national_id_masked = record.masked


def person_set_national_id(
    *, person: User, number: str | None = None, record: national_id.NationalIdRecord | None = None
) -> User:
    """Record a person's national ID (the number, or an already validated record) as a salted hash and a masked
    form; the number itself is not kept. Refuses a number another person already has."""
    _apply_national_id(person, record or national_id.record(number or ""))
    if User.objects.filter(national_id_hash=person.national_id_hash).exclude(pk=person.pk).exists():
        raise ValidationError(_("Another person already has this national ID number."))
    person.save(update_fields=["national_id_hash", "national_id_masked"])
    return person


def committee_create(
    *, region: Region, name: str, kind: str, specialty: str = "", established_on: date | None = None
) -> Committee:
    committee = Committee(region=region, name=name, kind=kind, specialty=specialty, established_on=established_on)
    committee.full_clean()
    committee.save()
    return committee


@transaction.atomic
def membership_start(
    *,
    person: User,
    committee: Committee,
    role: str,
    employment: str = Membership.Employment.PART_TIME,
    position: str = "",
    grade: Grade | None = None,
    specialties: list[DisputeCategory] | None = None,
    joined_on: date | None = None,
) -> Membership:
    """Open a membership. Refuses a second open membership of the same person on the same committee
    (also guarded by a database constraint)."""
    if Membership.objects.filter(person=person, committee=committee, left_on__isnull=True).exists():
        raise PeopleError(_("%(person)s is already a member of %(committee)s.") % {
            "person": person, "committee": committee})
    membership = Membership.objects.create(
        person=person, committee=committee, role=role, employment=employment, position=position,
        grade=grade, joined_on=joined_on or timezone.localdate(),
    )
    if specialties:
        membership.specialties.set(specialties)
    return membership


def membership_end(*, membership: Membership, left_on: date | None = None) -> Membership:
    """Mark a member as having left. The row stays, so the person's history on the committee is kept."""
    left_on = left_on or timezone.localdate()
    if membership.left_on is not None:
        raise PeopleError(_("This membership has already ended."))
    if left_on < membership.joined_on:
        raise PeopleError(_("A member cannot leave before joining."))
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    return membership

"""Every write to people and organisations. Keyword-only, atomic, named <entity>_<action>."""

from datetime import date

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import national_id
from .audit import audit
from .exceptions import PeopleError
from .models import Committee, DisputeCategory, Grade, Membership, Notice, Region, User
from .roles import ROLE_PERMISSIONS, StaffRole


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
) -> User:
    person = User(username=username, name=name, gender=gender, phone=phone, email=email)
    if national_id_number:
        _apply_national_id(person, national_id_number)
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    return person


def _apply_national_id(person: User, number: str) -> None:
    person.national_id_hash = national_id.digest(number)
    person.national_id_masked = national_id.mask(number)


def person_set_national_id(*, person: User, number: str) -> User:
    """Record a person's national ID as a salted hash and a masked form; the number itself is not kept."""
    _apply_national_id(person, number)
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


@transaction.atomic
def staff_role_grant(
    *, user: User, role: StaffRole, jurisdiction: Region | None = None, actor: User | None = None
) -> User:
    """Give a user a staff role (audited). Bureau staff must have a jurisdiction."""
    if role == StaffRole.BUREAU_STAFF:
        if jurisdiction is None and user.jurisdiction_id is None:
            raise PeopleError(_("Bureau staff need a jurisdiction."))
        if jurisdiction is not None:
            user.jurisdiction = jurisdiction
            user.save(update_fields=["jurisdiction"])
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    user.__dict__.pop("_staff_group_names", None)
    audit(instance=user, action="academy.role_grant", actor=actor, role=str(role),
          jurisdiction=user.jurisdiction.code if user.jurisdiction_id else None)
    return user


def staff_role_revoke(*, user: User, role: StaffRole, actor: User | None = None) -> User:
    user.groups.remove(*Group.objects.filter(name=role))
    if role == StaffRole.BUREAU_STAFF and user.jurisdiction_id:
        user.jurisdiction = None
        user.save(update_fields=["jurisdiction"])
    user.__dict__.pop("_staff_group_names", None)
    audit(instance=user, action="academy.role_revoke", actor=actor, role=str(role))
    return user


def roles_sync() -> None:
    """Create the staff groups and give each exactly the permissions listed in ``people.roles``.
    Idempotent; runs after every migrate. Permissions whose app is not migrated yet are skipped."""
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        query = Q(pk__in=[])
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(query))


def email_send(*, subject: str, body: str, recipients: list[str], html_body: str | None = None) -> None:
    """Send one email (called by the background task)."""
    send_mail(subject, body, None, recipients, html_message=html_body)


def notice_send(*, person: User, title: str, body: str = "", url: str = "", email: bool = True) -> Notice:
    """Leave an on-site notice for a person and, if they have an email address, email it after commit.
    ``title`` and ``body`` should already be in the person's language (the site's default, Chinese)."""
    notice = Notice.objects.create(person=person, title=title, body=body, url=url)
    if email and person.email:
        from django.conf import settings

        from .tasks import email_send

        link = f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url.startswith("/") else url
        text = "\n\n".join(part for part in (body, link) if part)
        transaction.on_commit(lambda: email_send.delay(title, text, [person.email]))
    return notice


def notices_mark_read(*, person: User, notice_ids: list[int] | None = None) -> int:
    """Mark some (or all) of a person's unread notices as read. Returns how many changed."""
    unread = Notice.objects.filter(person=person, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    return unread.update(read_at=timezone.now())

"""Every write to people and organisations. Keyword-only, atomic, named <entity>_<action>."""

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token

from . import national_id, permissions, roster, selectors, sms
from .audit import audit
from .exceptions import PeopleError
from .models import (
    AccessCode,
    Committee,
    DisputeCategory,
    Grade,
    IdempotencyKey,
    Membership,
    Notice,
    OutboxJob,
    Region,
    RosterImport,
    User,
)
from .roles import ROLE_PERMISSIONS, StaffRole
from .status import StatusMachine, status_change


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


@transaction.atomic
def staff_role_revoke(*, user: User, role: StaffRole, actor: User | None = None) -> User:
    """Take a staff role away (audited); bureau staff lose their jurisdiction with it. All or nothing."""
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


def email_sender() -> str:
    """The From header: "<bureau name> · 调解员学院" (bureau settings of the default site) on the address of
    ``DEFAULT_FROM_EMAIL``, so a mediator's inbox says who writes, in Chinese, whatever the deployment set."""
    from django.conf import settings
    from wagtail.models import Site

    from .models import BureauSettings

    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    site = Site.objects.filter(is_default_site=True).first()
    bureau = BureauSettings.for_site(site).bureau_name if site else ""
    academy = _("Mediator Academy")
    return formataddr((f"{bureau} · {academy}" if bureau else academy, address))


def email_send(*, subject: str, body: str, recipients: list[str], html_body: str | None = None) -> None:
    """Send one email (called by the background task) from ``email_sender()``."""
    send_mail(subject, body, email_sender(), recipients, html_message=html_body)


def notice_send(*, person: User, title: str, body: str = "", url: str = "", email: bool = True) -> Notice:
    """Leave an on-site notice for a person and, if they have an email address, email it after commit.
    ``title`` and ``body`` should already be in the person's language (the site's default, Chinese)."""
    notice = Notice.objects.create(person=person, title=title, body=body, url=url)
    if email and person.email:
        from .tasks import enqueue, notice_email_send

        link = f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url.startswith("/") else url
        text = "\n\n".join(part for part in (body, link) if part)
        enqueue(notice_email_send, title, text, [person.email])
    return notice


def notices_send_many(*, notices: list[tuple[User, str, str]], url: str = "", email: bool = True) -> int:
    """``notice_send`` for many people at once (``(person, title, body)`` each): one INSERT per thousand notices,
    the unread counts forgotten, emails queued after commit for those with an address. Returns how many."""
    Notice.objects.bulk_create([Notice(person=person, title=title, body=body, url=url)
                                for person, title, body in notices], batch_size=1000)
    # A bulk insert sends no signal: the menu's cached unread counts are forgotten here (as notice_count_forget).
    keys = [selectors.unread_notice_key(person.pk) for person, _title, _body in notices]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
    for person, title, body in notices:
        if email and person.email:
            from .tasks import enqueue, notice_email_send

            link = f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url.startswith("/") else url
            enqueue(notice_email_send, title, "\n\n".join(part for part in (body, link) if part), [person.email])
    return len(notices)


def notices_mark_read(*, person: User, notice_ids: list[int] | None = None) -> int:
    """Mark some (or all) of a person's unread notices as read. Returns how many changed."""
    unread = Notice.objects.filter(person=person, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    changed = unread.update(read_at=timezone.now())
    notice_count_forget(person.pk)  # an update sends no signal
    return changed


def notice_count_forget(person_id: int) -> None:
    """The menu's cached unread count is out of date: now (this request reads its own writes) and again once the
    transaction commits (another request may have cached the old count meanwhile)."""
    key = selectors.unread_notice_key(person_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# --- Roster import ------------------------------------------------------------------------------------------------

# The roster import's lifecycle as data ("" is a record being created).
ROSTER_IMPORT_MACHINE = StatusMachine(
    transitions={
        "": {RosterImport.Status.REFUSED, RosterImport.Status.VALIDATED},
        RosterImport.Status.VALIDATED: {RosterImport.Status.QUEUED},
        RosterImport.Status.QUEUED: {RosterImport.Status.RUNNING, RosterImport.Status.FAILED},
        RosterImport.Status.RUNNING: {RosterImport.Status.DONE, RosterImport.Status.FAILED},
    },
    history="people.RosterImportStatusChange", subject="roster_import", error=PeopleError,
    refusal=gettext_lazy("A roster import cannot go from “%(old)s” to “%(new)s”."),
)


def roster_import_set_status(
    *, roster_import: RosterImport, status: str, by: User | None = None, note: str = "", **fields
) -> RosterImport:
    """The one way a roster import changes status (``people.status.status_change`` with
    ``ROSTER_IMPORT_MACHINE``): refuses moves the machine does not list and records who, when and why.
    ``fields`` are saved with it (counts, errors, result...)."""
    if status in (RosterImport.Status.REFUSED, RosterImport.Status.DONE, RosterImport.Status.FAILED):
        fields["finished_at"] = timezone.now()
    return status_change(roster_import, machine=ROSTER_IMPORT_MACHINE, to=status, by=by, reason=note, **fields)


def _roster_check(
    *, user: User, rows: list[roster.RosterRow], full_list: bool
) -> tuple[roster.Plan | None, list[roster.RowError]]:
    """Check a roster's rows against the database and plan the import (shared by upload and run)."""
    errors = roster.check_references(rows, selectors.roster_reference(user=user, rows=rows))
    if errors:
        return None, errors
    plan = roster.plan_changes(rows, selectors.roster_snapshot(rows=rows), full_list=full_list,
                               today=timezone.localdate())
    return plan, plan.errors


def roster_import_upload(
    *, user: User, file_name: str, data: bytes, file_size: int | None = None, full_list: bool = False
) -> RosterImport:
    """Read and check an uploaded roster and keep the record of it: REFUSED with the errors by row and column, or
    VALIDATED with a preview of what the import would change. Writes nothing else. The raw file is not kept; the
    checked rows are, with national IDs reduced to hash and masked form. Bureau staff and administrators only
    (the caller checks); rows outside the user's jurisdiction are errors."""
    rows: list[roster.RosterRow] = []
    plan = None
    try:
        rows, errors = roster.read_rows(roster.read_table(file_name, data), today=timezone.localdate())
    except roster.FileRefused as exc:
        errors = [roster.RowError(0, "", str(exc))]
    if rows and not errors:
        plan, errors = _roster_check(user=user, rows=rows, full_list=full_list)
    record = RosterImport(
        uploaded_by=user, region=None if permissions.is_administrator(user) else user.jurisdiction,
        file_name=file_name[:255], file_size=len(data) if file_size is None else file_size,
        file_sha256=hashlib.sha256(data).hexdigest(),
        full_list=full_list, row_count=len(rows),
    )
    if errors:
        return roster_import_set_status(
            roster_import=record, status=RosterImport.Status.REFUSED, by=user, error_count=len(errors),
            errors=[asdict(error) for error in errors[:roster.MAX_ERRORS]])
    return roster_import_set_status(
        roster_import=record, status=RosterImport.Status.VALIDATED, by=user,
        rows=[row.to_json() for row in rows], preview=plan.summary())


@transaction.atomic
def roster_import_confirm(*, roster_import: RosterImport, user: User) -> RosterImport:
    """Queue a checked import to run in the background (after commit). Idempotent: confirming an import that is
    already queued, running or done changes nothing, so a double click imports once."""
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if roster_import.status == RosterImport.Status.REFUSED:
        raise PeopleError(_("This file has errors and cannot be imported; fix them and upload it again."))
    if roster_import.status != RosterImport.Status.VALIDATED:
        return roster_import
    roster_import_set_status(roster_import=roster_import, status=RosterImport.Status.QUEUED, by=user)
    audit(instance=roster_import, action="academy.roster_import_confirm", actor=user, rows=roster_import.row_count)
    from .tasks import enqueue
    from .tasks import roster_import_run as task

    enqueue(task, roster_import.pk)
    return roster_import


def roster_import_progress_key(import_id: int) -> str:
    return f"roster-import-progress:{import_id}"


def roster_import_run(*, import_id: int) -> RosterImport:
    """Run a queued import, all or nothing: the rows are checked and planned again against the database as it is
    now (with the uploader's current jurisdiction), then applied in one transaction. Idempotent: an import that is
    done or failed is left alone, and one interrupted while running (its transaction rolled back) runs again.
    A check that fails now marks the import FAILED with the reason; nothing is written."""
    with transaction.atomic():
        record = RosterImport.objects.select_for_update().get(pk=import_id)
        if record.status == RosterImport.Status.QUEUED:
            roster_import_set_status(roster_import=record, status=RosterImport.Status.RUNNING)
        elif record.status != RosterImport.Status.RUNNING:
            return record
    try:
        with transaction.atomic():
            record = RosterImport.objects.select_for_update().get(pk=import_id)
            rows = [roster.RosterRow.from_json(row) for row in record.rows]
            # Imports touching the same regions run one after the other.
            regions = {r.code: r for r in Region.objects.select_for_update().filter(
                code__in={row.region_code for row in rows}).order_by("pk")}
            plan, errors = _roster_check(user=record.uploaded_by, rows=rows, full_list=record.full_list)
            if errors:
                raise PeopleError(_("The data changed since the file was checked: %(error)s Upload it again.") % {
                    "error": errors[0].message})
            result = _roster_plan_apply(plan=plan, regions=regions, import_id=import_id)
            audit(instance=record, action="academy.roster_import_run", actor=record.uploaded_by, result=result)
            return roster_import_set_status(roster_import=record, status=RosterImport.Status.DONE, result=result)
    except (PeopleError, ValidationError, IntegrityError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        with transaction.atomic():
            record = RosterImport.objects.select_for_update().get(pk=import_id)
            return roster_import_set_status(roster_import=record, status=RosterImport.Status.FAILED,
                                            note=message, failure=message)
    finally:
        cache.delete(roster_import_progress_key(import_id))


def _roster_plan_apply(*, plan: roster.Plan, regions: dict[str, Region], import_id: int) -> dict:
    """Write a roster plan with the people services (inside the caller's transaction). Progress, counted in
    writes, goes to the cache: it must be visible to other connections before this transaction commits."""
    done = 0
    total = plan.operation_count

    def step():
        nonlocal done
        done += 1
        if done % 50 == 0 or done == total:
            cache.set(roster_import_progress_key(import_id), done, timeout=3600)

    grades = {grade.name: grade for grade in Grade.objects.all()}
    committees: dict[str, Committee] = {}
    for index, entry in enumerate(plan.committees_new):
        committees[f"new:{index}"] = committee_create(
            region=regions[entry["region_code"]], name=entry["name"], kind=entry["kind"], specialty=entry["specialty"])
        step()
    existing_committees = Committee.objects.in_bulk([entry["id"] for entry in plan.committees_updated])
    for entry in plan.committees_updated:
        committee = existing_committees[entry["id"]]
        _roster_change(committee, entry["changes"])
        committee.save(update_fields=["kind", "specialty"])
        step()
    people: dict[str, User] = {}
    for index, entry in enumerate(plan.people_new):
        record = national_id.NationalIdRecord(entry["id_hash"], entry["id_masked"]) if entry["id_hash"] else None
        people[f"new:{index}"] = person_create(
            username=f"m{uuid.uuid4().hex[:12]}", name=entry["name"], gender=entry["gender"], phone=entry["phone"],
            national_id_record=record)
        step()
    existing_people = User.objects.in_bulk([entry["id"] for entry in plan.people_updated])
    for entry in plan.people_updated:
        person = existing_people[entry["id"]]
        changes = {name: change for name, change in entry["changes"].items() if name != "national_id"}
        if changes:
            _roster_change(person, changes, exclude=["password"])
            person.save(update_fields=list(changes))
        if entry.get("id_hash"):
            person_set_national_id(person=person, record=national_id.NationalIdRecord(
                entry["id_hash"], entry["id_masked"]))
        step()

    for model, key, found in ((User, "person", people), (Committee, "committee", committees)):
        ids = {int(entry[key][3:]) for entry in plan.memberships_opened if entry[key].startswith("id:")}
        found.update({f"id:{pk}": obj for pk, obj in model.objects.in_bulk(ids).items()})
    for entry in plan.memberships_opened:
        membership = membership_start(
            person=people[entry["person"]], committee=committees[entry["committee"]],
            role=entry["role"], employment=entry["employment"], grade=grades.get(entry["grade"]),
            joined_on=date.fromisoformat(entry["joined_on"]))
        if entry["left_on"]:
            membership_end(membership=membership, left_on=date.fromisoformat(entry["left_on"]))
        step()
    memberships = Membership.objects.in_bulk(
        [entry["id"] for entry in plan.memberships_updated + plan.memberships_ended])
    for entry in plan.memberships_updated:
        membership = memberships[entry["id"]]
        changes = dict(entry["changes"])
        if "grade" in changes:
            changes["grade"] = [None, grades[changes["grade"][1]]]
        if "joined_on" in changes:
            changes["joined_on"] = [None, date.fromisoformat(changes["joined_on"][1])]
        _roster_change(membership, changes)
        membership.save(update_fields=list(changes))
        step()
    for entry in plan.memberships_ended:
        membership_end(membership=memberships[entry["id"]], left_on=date.fromisoformat(entry["left_on"]))
        step()
    # The new people need activation codes: their ids let the result page link to their login slips.
    new_people = sorted(person.pk for key, person in people.items() if key.startswith("new:"))
    return {**plan.counts(), "new_people": new_people}


def _roster_change(obj, changes: dict[str, list], exclude: list[str] | None = None) -> None:
    """Set the new values of a plan's ``{field: [old, new]}`` changes and validate the object (not saved)."""
    for name, (_old, new) in changes.items():
        setattr(obj, name, new)
    obj.full_clean(exclude=exclude)


# --- API access for other systems ---------------------------------------------------------------------------------

@transaction.atomic
def system_account_create(*, username: str, name: str, jurisdiction: Region) -> User:
    """An account for another system (a county's grid-management platform, a statistics system) to read the
    roster through the API: bureau staff in ``jurisdiction``, with no usable password, so it can only use a token.
    Idempotent by username for system accounts; refuses to turn an existing person's account into one."""
    existing = User.objects.filter(username=username).first()
    if existing and existing.has_usable_password():
        raise PeopleError(_("The username %(username)s belongs to a person, not a system.") % {"username": username})
    account = existing or person_create(username=username, name=name)
    return staff_role_grant(user=account, role=StaffRole.BUREAU_STAFF, jurisdiction=jurisdiction)


@transaction.atomic
def api_token_issue(*, user: User, rotate: bool = False) -> Token:
    """The user's API token (``Authorization: Token <key>``), created on first call. ``rotate`` replaces it, so
    the old key stops working at once. Whoever holds the key acts as ``user``, with the same scoping."""
    if rotate:
        Token.objects.filter(user=user).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token


# --- Outbox of background jobs (people.tasks.enqueue) ----------------------------------------------------------------

def outbox_job_record(*, task: str, args: list, error: str) -> OutboxJob:
    """Keep a job the broker did not take, to be sent later by the sweep."""
    return OutboxJob.objects.create(task=task, args=args, last_error=error[:2000])


def outbox_pending() -> list[OutboxJob]:
    return list(OutboxJob.objects.filter(sent_at__isnull=True).order_by("pk")[:1000])


def outbox_job_sent(*, job: OutboxJob) -> None:
    """Mark a kept job sent (only once: a concurrent sweep that sent it too changes nothing more)."""
    OutboxJob.objects.filter(pk=job.pk, sent_at__isnull=True).update(sent_at=timezone.now())


def outbox_job_failed(*, job: OutboxJob, error: str) -> None:
    OutboxJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1, last_error=error[:2000])


# --- Activation and password-reset codes ----------------------------------------------------------------------------

# Letters and digits nobody confuses when reading a printed slip aloud or typing it on a phone (no 0/O, 1/I/L).
ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACTIVATION_CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 codes; wrong codes are rate-limited per address
RESET_CODE_TRIES = 5


def access_code_normalize(code: str) -> str:
    """What people type or scan, as stored: upper case, without spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()


def access_code_digest(*, purpose: str, code: str, person_id: int | None = None) -> str:
    """The keyed hash kept instead of a code: a database copy alone cannot be turned back into codes."""
    message = f"{purpose}:{person_id or ''}:{access_code_normalize(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def access_code_format(code: str) -> str:
    """ABCD-EFGH: easier to read off paper."""
    return f"{code[:4]}-{code[4:]}" if len(code) == ACTIVATION_CODE_LENGTH else code


def _activation_validity(days: int | None) -> int:
    if days is None:
        from .selectors import bureau_settings

        days = bureau_settings().activation_code_days
    if not 1 <= days <= 365:
        raise PeopleError(_("A code must be valid for 1 to 365 days."))
    return days


@transaction.atomic
def activation_codes_issue(*, people: list[User], actor: User | None, days: int | None = None) -> list[str]:
    """Give each person a new activation code valid for ``days`` (the bureau's setting by default) and return the
    codes in the same order, in clear; only their hashes are kept, so this is the one moment they can be printed or
    sent. Each person's older unused activation codes stop working (a reprinted slip replaces the old one).
    Atomic; one audit entry per person."""
    days = _activation_validity(days)
    now = timezone.now()
    ids = [person.pk for person in people]
    AccessCode.objects.filter(
        person_id__in=ids, purpose=AccessCode.Purpose.ACTIVATION, used_at__isnull=True, voided_at__isnull=True,
    ).update(voided_at=now)
    codes = ["".join(secrets.choice(ACTIVATION_ALPHABET) for _i in range(ACTIVATION_CODE_LENGTH)) for _p in people]
    AccessCode.objects.bulk_create([
        AccessCode(person=person, purpose=AccessCode.Purpose.ACTIVATION, created_at=now, created_by=actor,
                   expires_at=now + timedelta(days=days),
                   code_hash=access_code_digest(purpose=AccessCode.Purpose.ACTIVATION, code=code))
        for person, code in zip(people, codes, strict=True)
    ])
    for person in people:
        audit(instance=person, action="academy.activation_code_issue", actor=actor, days=days)
    return codes


@transaction.atomic
def activation_codes_send_sms(*, people: list[User], actor: User | None, days: int | None = None) -> int:
    """Text each person who has a mobile number a new activation code and its link (instead of a printed slip);
    returns how many messages were queued. Like printing, this voids their earlier codes. Needs SMS configured."""
    from .slips import activation_url

    if not sms.enabled():
        raise PeopleError(_("This site sends no text messages (SMS is not configured)."))
    with_phone = [person for person in people if person.phone]
    days = _activation_validity(days)
    for person, code in zip(with_phone, activation_codes_issue(people=with_phone, actor=actor, days=days),
                            strict=True):
        sms_queue(phone=person.phone, text=_(
            "%(name)s, your Mediator Academy activation code is %(code)s (valid %(days)s days). Open %(url)s to "
            "set your password.") % {"name": person.name, "code": access_code_format(code), "days": days,
                                      "url": activation_url(code)})
    return len(with_phone)


def activation_code_check(*, code: str) -> AccessCode:
    """The usable activation code ``code`` is, or a PeopleError saying (in Chinese) why it cannot be used."""
    found = AccessCode.objects.select_related("person").filter(
        purpose=AccessCode.Purpose.ACTIVATION,
        code_hash=access_code_digest(purpose=AccessCode.Purpose.ACTIVATION, code=code),
    ).first()
    if found is None or not found.person.is_active:  # a deactivated account is not to be reopened by a slip
        raise PeopleError(_("This activation code is not right. Check it against your login slip."))
    if found.used_at is not None:
        raise PeopleError(_("This activation code has already been used. Sign in with your password, or reset it."))
    if found.voided_at is not None:
        raise PeopleError(_("A newer login slip replaced this one. Use the code on the newest slip."))
    if found.expires_at <= timezone.now():
        raise PeopleError(_("This activation code has expired. Ask your township justice office for a new one."))
    return found


def _code_redeem(*, access_code: AccessCode, password: str, action: str) -> User:
    """Set the person's password from a checked code and use the code up (inside the caller's transaction)."""
    person = access_code.person
    password_validation.validate_password(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
    access_code.used_at = timezone.now()
    access_code.save(update_fields=["used_at"])
    audit(instance=person, action=action, actor=person)
    return person


@transaction.atomic
def activation_code_redeem(*, code: str, password: str) -> User:
    """Set a person's own first password with their activation code. The code works once: the row is locked, so
    two simultaneous uses set one password. Raises PeopleError for an unusable code and ValidationError (Django's
    password validators, in Chinese) for a weak password; either way nothing changes."""
    access_code = activation_code_check(code=code)
    access_code = AccessCode.objects.select_for_update().select_related("person").get(pk=access_code.pk)
    if not access_code.usable():
        raise PeopleError(_("This activation code has already been used. Sign in with your password, or reset it."))
    return _code_redeem(access_code=access_code, password=password, action="academy.activate")


def access_code_failure_count(*, address: str) -> int:
    return cache.get(f"access-code-failures:{address}", 0)


def access_code_failure_record(*, address: str) -> int:
    """Count a wrong code from a client address (for ``CODE_FAILURES_PER_ADDRESS``); returns the new count."""
    key = f"access-code-failures:{address}"
    cache.add(key, 0, timeout=settings.CODE_FAILURE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.CODE_FAILURE_WINDOW_SECONDS)
        return 1


def sms_queue(*, phone: str, text: str) -> None:
    """Send a text message from the worker (after commit; kept in the outbox while the broker is down)."""
    from .tasks import enqueue
    from .tasks import sms_send as task

    enqueue(task, phone, text)


def sms_send(*, phone: str, text: str) -> None:
    """Hand one message to the configured backend (called by the task; raises SmsError to be retried)."""
    sms.backend().send(phone=phone, text=text)


@transaction.atomic
def password_reset_code_send(*, identifier: str) -> None:
    """Text a six-digit password-reset code to the one account ``identifier`` names, if SMS is configured and the
    account has a mobile number; otherwise do nothing. Says nothing either way, so the page cannot be used to learn
    which numbers have accounts. At most one code a minute per person; a new code voids the previous one."""
    from .auth import person_for_identifier

    person = person_for_identifier(identifier)
    if not sms.enabled() or person is None or not person.phone or not person.is_active:
        return
    now = timezone.now()
    reset_codes = AccessCode.objects.filter(person=person, purpose=AccessCode.Purpose.RESET)
    if reset_codes.filter(created_at__gt=now - timedelta(seconds=60)).exists():
        return
    reset_codes.filter(used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    AccessCode.objects.create(
        person=person, purpose=AccessCode.Purpose.RESET, created_at=now,
        expires_at=now + timedelta(minutes=settings.RESET_CODE_MINUTES),
        code_hash=access_code_digest(purpose=AccessCode.Purpose.RESET, code=code, person_id=person.pk))
    audit(instance=person, action="academy.reset_code_send", actor=None)
    sms_queue(phone=person.phone, text=_(
        "Your Mediator Academy password reset code is %(code)s, valid for %(minutes)s minutes. "
        "Do not tell anyone.") % {"code": code, "minutes": settings.RESET_CODE_MINUTES})


def password_reset_code_redeem(*, identifier: str, code: str, password: str) -> User:
    """Set a new password with a texted reset code. A wrong code counts against the person's newest code, which
    stops working after five wrong tries. Raises PeopleError (one message for every wrong identifier or code) or
    ValidationError for a weak password."""
    from .auth import person_for_identifier

    wrong = PeopleError(_("The code is not right or has expired. Ask for a new code."))
    person = person_for_identifier(identifier)
    if person is None:
        raise wrong
    with transaction.atomic():
        access_code = (AccessCode.objects.select_for_update().select_related("person")
                       .filter(person=person, purpose=AccessCode.Purpose.RESET).order_by("-created_at", "-pk").first())
        if access_code is None or not access_code.usable():
            raise wrong
        given = access_code_digest(purpose=AccessCode.Purpose.RESET, code=code, person_id=person.pk)
        if hmac.compare_digest(given, access_code.code_hash):
            return _code_redeem(access_code=access_code, password=password, action="academy.password_reset_sms")
        access_code.failed_tries = F("failed_tries") + 1
        access_code.save(update_fields=["failed_tries"])
        AccessCode.objects.filter(pk=access_code.pk, failed_tries__gte=RESET_CODE_TRIES).update(
            voided_at=timezone.now())
    raise wrong


# --- Bureau staff acting on a person's sign-in ---------------------------------------------------------------------

def person_unlock(*, person: User, actor: User) -> int:
    """Lift a django-axes lockout of the person's account (failures count per account: ``people.auth``). Audited.
    Returns how many lockout records were cleared."""
    from axes.utils import reset

    cleared = reset(username=person.username)
    audit(instance=person, action="academy.unlock", actor=actor, cleared=cleared)
    return cleared


@transaction.atomic
def person_password_reset_by_staff(*, person: User, actor: User, days: int | None = None) -> str:
    """For a person who lost their password and has no SMS or email: the old password stops working at once and
    a new activation code (returned in clear, to print or read out) lets them set a new one. Audited."""
    person.set_unusable_password()
    person.save(update_fields=["password"])
    audit(instance=person, action="academy.password_reset_staff", actor=actor)
    return activation_codes_issue(people=[person], actor=actor, days=days)[0]


# --- Idempotent writes: work a phone queued offline and sends (perhaps several times) when back online

IDEMPOTENCY_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def idempotency_key_check(key: str) -> None:
    """Refuse a malformed key before anything is written (a client bug, answered with the reason)."""
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key or ""):
        raise PeopleError(_("The request's key is not valid: it must be 8-64 letters, digits, - or _."))


@transaction.atomic
def idempotency_key_apply(*, person: User, key: str, action: str, write: Callable[[], dict]) -> dict:
    """Run ``write`` once for this person and key and keep what it returned (JSON). Sending the same key again
    returns the first answer and writes nothing: a no-op success. Atomic with the write: a write that fails
    (a domain error) leaves no key behind, so the client may try again. The key row is inserted before the
    write, so of two copies racing, the second waits on the unique constraint and then returns the first's
    answer. A key used for another action is refused (a client bug, not a replay)."""
    idempotency_key_check(key)
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(person=person, key=key, action=action)
    except IntegrityError:
        record = IdempotencyKey.objects.get(person=person, key=key)
        if record.action != action:
            raise PeopleError(_("This key was already used for another request.")) from None
        return record.result
    record.result = write()
    record.save(update_fields=["result"])
    return record.result

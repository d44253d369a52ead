"""The roster import's lifecycle: upload and check (``people.roster`` reads, ``people.selectors`` loads), confirm,
run in the worker all or nothing, with statuses moved only by ``roster_import_set_status`` (``people.status``)."""

import hashlib
import uuid
from dataclasses import asdict
from datetime import date

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import national_id, permissions, roster, selectors
from ..audit import audit
from ..exceptions import PeopleError
from ..models import Committee, Grade, Membership, Region, RosterImport, User
from ..status import StatusMachine, status_change
from .organisation import committee_create, membership_end, membership_start, person_create, person_set_national_id

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
    from ..tasks import enqueue
    from ..tasks import roster_import_run as task

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

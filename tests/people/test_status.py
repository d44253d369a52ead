"""The one status mechanism (people/status.py): moves as data, the lock's fresh status, refusals, history rows."""

import pytest
from django.db import transaction
from django.utils import translation

from people.exceptions import PeopleError
from people.models import RosterImport, RosterImportStatusChange
from people.services.roster_import import ROSTER_IMPORT_MACHINE
from people.status import StatusMachine, status_change
from tests import factories

pytestmark = pytest.mark.django_db
Status = RosterImport.Status


@pytest.fixture
def staff(townships):
    return factories.bureau_staff(jurisdiction=townships[0])


def new_import(staff) -> RosterImport:
    return status_change(RosterImport(uploaded_by=staff, file_name="名册.csv", file_sha256="0" * 64),
                         machine=ROSTER_IMPORT_MACHINE, to=Status.VALIDATED, by=staff, reason="checked")


def test_a_new_record_is_saved_with_its_first_history_row(staff):
    record = new_import(staff)
    assert record.pk and record.status == Status.VALIDATED
    change = RosterImportStatusChange.objects.get(roster_import=record)
    assert (change.old_status, change.new_status, change.changed_by, change.reason) == (
        "", Status.VALIDATED, staff, "checked")


def test_an_illegal_move_is_refused_in_chinese_and_writes_nothing(staff):
    record = new_import(staff)
    with translation.override("zh-hans"), pytest.raises(PeopleError) as refused:
        status_change(record, machine=ROSTER_IMPORT_MACHINE, to=Status.DONE, by=staff)
    assert "名册导入" in str(refused.value)
    record.refresh_from_db()
    assert record.status == Status.VALIDATED
    assert record.status_changes.count() == 1


def test_the_status_the_database_holds_decides_not_a_stale_copy(staff):
    record = new_import(staff)
    stale = RosterImport.objects.get(pk=record.pk)
    status_change(record, machine=ROSTER_IMPORT_MACHINE, to=Status.QUEUED, by=staff)
    # The stale copy still says "validated"; queueing it again would be a second move from validated.
    with pytest.raises(PeopleError):
        status_change(stale, machine=ROSTER_IMPORT_MACHINE, to=Status.QUEUED, by=staff)
    assert [change["status"] for change in record.history] == [Status.VALIDATED, Status.QUEUED]


def test_a_move_that_needs_a_reason_is_refused_without_one(staff):
    machine = StatusMachine(transitions={**ROSTER_IMPORT_MACHINE.transitions}, history=RosterImportStatusChange,
                            subject="roster_import", error=PeopleError, reason_required={Status.QUEUED})
    record = new_import(staff)
    with pytest.raises(PeopleError):
        status_change(record, machine=machine, to=Status.QUEUED, by=staff, reason="  ")
    status_change(record, machine=machine, to=Status.QUEUED, by=staff, reason="确认导入")
    assert record.history[-1]["reason"] == "确认导入"


def test_a_refusal_leaves_the_callers_transaction_usable(staff):
    record = new_import(staff)
    with transaction.atomic():
        with pytest.raises(PeopleError):
            status_change(record, machine=ROSTER_IMPORT_MACHINE, to=Status.DONE, by=staff)
        status_change(record, machine=ROSTER_IMPORT_MACHINE, to=Status.QUEUED, by=staff)
    record.refresh_from_db()
    assert record.status == Status.QUEUED

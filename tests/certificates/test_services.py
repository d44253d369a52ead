from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import services
from certificates.exceptions import CertificateError, IllegalStatusChange, RequirementsNotMet
from certificates.models import BulkIssue, Certificate, CertificateStatusChange, ExpiryReminder
from people.models import Notice
from tests import factories

Status = Certificate.Status


def test_issue_numbers_by_county_and_year_records_history_and_notifies(
        holder, program, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, created = services.certificate_issue(holder=holder, program=program,
                                                          issued_on=date(2026, 3, 1))
    assert created
    certificate.refresh_from_db()
    assert certificate.issuing_region == county  # the banner above the village committee
    assert certificate.serial_number == f"{county.code}-2026-00001"
    assert certificate.expires_on == date(2029, 2, 28)
    assert len(certificate.verification_code) >= 22  # 16 random bytes, URL-safe
    assert certificate.pdf.name.endswith(".pdf")  # rendered by the (eager) task after commit
    change = certificate.status_changes.get()
    assert (change.old_status, change.new_status) == ("", Status.ISSUED)
    notice = Notice.objects.get(person=holder)
    assert "人民调解员培训合格证书" in notice.title and "/certificates/" in notice.url
    assert mail.outbox and mail.outbox[0].to == [holder.email]


def test_issue_is_idempotent(holder, program):
    first, created = services.certificate_issue(holder=holder, program=program)
    again, created_again = services.certificate_issue(holder=holder, program=program)
    assert created and not created_again and first == again
    assert Certificate.objects.count() == 1


def test_serials_are_consecutive_per_region_and_year(committee, program, county):
    people = [factories.mediator(committee=committee) for _ in range(3)]
    serials = [services.certificate_issue(holder=p, program=program, issued_on=date(2025, 5, 1))[0].serial_number
               for p in people]
    serials.append(services.certificate_issue(holder=factories.mediator(committee=committee), program=program,
                                              issued_on=date(2026, 1, 2))[0].serial_number)
    assert serials == [f"{county.code}-2025-00001", f"{county.code}-2025-00002", f"{county.code}-2025-00003",
                       f"{county.code}-2026-00001"]


def test_a_refused_issue_gives_its_serial_number_back(committee, program, county):
    outsider = factories.UserFactory()  # serves on no committee
    with pytest.raises(RequirementsNotMet):
        services.certificate_issue(holder=outsider, program=program)
    certificate, _ = services.certificate_issue(holder=factories.mediator(committee=committee), program=program)
    assert certificate.serial_number.endswith("-00001")


def test_automatic_issue_needs_an_eligible_role_and_staff_cannot_waive_it(committee, program, informant_program):
    informant = factories.informant(committee=committee)
    with pytest.raises(RequirementsNotMet, match="调解员|Mediator"):
        services.certificate_issue(holder=informant, program=program)
    staff = factories.administrator()
    with pytest.raises(RequirementsNotMet):
        services.certificate_issue(holder=informant, program=program, issued_by=staff, reason="线下培训合格")
    certificate, created = services.certificate_issue(holder=informant, program=informant_program)
    assert created and certificate.program == informant_program


def test_manual_issue_needs_a_reason_which_is_recorded(holder, program):
    staff = factories.administrator()
    with pytest.raises(CertificateError):
        services.certificate_issue(holder=holder, program=program, issued_by=staff, reason="  ")
    certificate, _ = services.certificate_issue(holder=holder, program=program, issued_by=staff,
                                                reason="参加2025年线下轮训并考试合格")
    change = certificate.status_changes.get()
    assert change.changed_by == staff and change.reason == "参加2025年线下轮训并考试合格"
    assert certificate.issued_by == staff


def test_a_closed_program_issues_nothing(holder, program):
    program.is_active = False
    program.save()
    with pytest.raises(CertificateError):
        services.certificate_issue(holder=holder, program=program)


def test_the_database_refuses_a_second_current_certificate(holder, program):
    certificate, _ = services.certificate_issue(holder=holder, program=program)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(holder=holder, program=program, issuing_region=certificate.issuing_region,
                                   issuer_name="x", serial_number="dup", issued_on=date(2026, 1, 1),
                                   expires_on=date(2027, 1, 1))


@pytest.mark.parametrize(("path", "refused"), [
    ([Status.REVOKED], Status.ISSUED),
    ([Status.REVOKED], Status.EXPIRED),
    ([Status.SUPERSEDED], Status.EXPIRED),
    ([Status.EXPIRED], Status.ISSUED),
])
def test_illegal_status_moves_are_refused(holder, program, path, refused):
    certificate, _ = services.certificate_issue(holder=holder, program=program)
    for status in path:
        services.certificate_set_status(certificate=certificate, new_status=status, reason="原因")
    with pytest.raises(IllegalStatusChange):
        services.certificate_set_status(certificate=certificate, new_status=refused, reason="原因")
    certificate.refresh_from_db()
    assert certificate.status == path[-1]
    assert certificate.status_changes.count() == 1 + len(path)


def test_revocation_needs_a_reason_and_tells_the_holder(holder, program):
    certificate, _ = services.certificate_issue(holder=holder, program=program)
    staff = factories.administrator()
    with pytest.raises(CertificateError):
        services.certificate_revoke(certificate=certificate, revoked_by=staff, reason="")
    services.certificate_revoke(certificate=certificate, revoked_by=staff, reason="培训记录造假")
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED
    change = certificate.status_changes.last()
    assert (change.old_status, change.new_status, change.changed_by, change.reason) == (
        Status.ISSUED, Status.REVOKED, staff, "培训记录造假")
    assert Notice.objects.filter(person=holder, title__contains="撤销").exists()


def test_renewal_by_hand_supersedes_the_old_certificate_before_or_after_expiry(holder, program):
    """Staff renewing by hand (with a reason) may waive the hours and the window; automatic renewal may not
    (see test_evaluate.py)."""
    staff = factories.administrator()
    old, _ = services.certificate_issue(holder=holder, program=program, issued_on=date(2022, 1, 10))
    services.certificates_expire_due(today=date(2026, 1, 1))
    old.refresh_from_db()
    assert old.status == Status.EXPIRED
    with pytest.raises(RequirementsNotMet, match="换证期"):
        services.certificate_renew(certificate=old)  # long past its renewal window
    new = services.certificate_renew(certificate=old, renewed_by=staff, reason="继续教育学时已满")
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED and old.superseded_by == new and new.supersedes == old
    assert new.status == Status.ISSUED and new.issued_on == timezone.localdate()
    assert list(old.status_changes.values_list("new_status", flat=True)) == [
        Status.ISSUED, Status.EXPIRED, Status.SUPERSEDED]
    # A current certificate can be renewed too; a superseded or revoked one cannot.
    newer = services.certificate_renew(certificate=new, renewed_by=staff, reason="提前换证")
    with pytest.raises(CertificateError):
        services.certificate_renew(certificate=new, renewed_by=staff, reason="再次换证")
    services.certificate_revoke(certificate=newer, revoked_by=staff, reason="违纪")
    with pytest.raises(CertificateError):
        services.certificate_renew(certificate=newer, renewed_by=staff, reason="再次换证")


def test_expiry_sweep_expires_only_what_has_ended(committee, program):
    ended, _ = services.certificate_issue(holder=factories.mediator(committee=committee), program=program,
                                          issued_on=date(2020, 1, 1))
    current, _ = services.certificate_issue(holder=factories.mediator(committee=committee), program=program)
    assert services.certificates_expire_due() == 1
    assert services.certificates_expire_due() == 0
    ended.refresh_from_db()
    current.refresh_from_db()
    assert ended.status == Status.EXPIRED and current.status == Status.ISSUED
    assert ended.status_changes.last().changed_by is None


def test_reminders_go_out_at_60_and_14_days_once_each(holder, program):
    certificate, _ = services.certificate_issue(holder=holder, program=program, issued_on=date(2023, 1, 1))
    expires = certificate.expires_on  # 2025-12-31
    assert services.expiry_reminders_send(today=expires - timedelta(days=61)) == 0
    assert services.expiry_reminders_send(today=expires - timedelta(days=60)) == 1
    assert services.expiry_reminders_send(today=expires - timedelta(days=59)) == 0
    assert services.expiry_reminders_send(today=expires - timedelta(days=14)) == 1
    assert services.expiry_reminders_send(today=expires - timedelta(days=3)) == 0
    assert sorted(ExpiryReminder.objects.values_list("days_before", flat=True)) == [14, 60]
    assert Notice.objects.filter(person=holder, title__contains="天后到期").count() == 2


def test_a_late_certificate_gets_only_the_nearest_reminder(holder, program):
    certificate, _ = services.certificate_issue(holder=holder, program=program, issued_on=date(2023, 1, 1))
    assert services.expiry_reminders_send(today=certificate.expires_on - timedelta(days=10)) == 1
    assert list(ExpiryReminder.objects.values_list("days_before", flat=True)) == [14]


def test_bulk_issue_certifies_eligible_members_and_lists_the_rest(committee, program, holder,
                                                                  django_capture_on_commit_callbacks):
    factories.mediator(committee=committee, name="李四")
    factories.informant(committee=committee, name="王五")
    already, _ = services.certificate_issue(holder=holder, program=program)
    staff = factories.administrator()
    with django_capture_on_commit_callbacks(execute=True):
        bulk = services.bulk_issue_request(program=program, committee=committee, requested_by=staff,
                                           reason="2026年度集中轮训合格")
    bulk.refresh_from_db()
    assert bulk.status == BulkIssue.Status.DONE
    assert (bulk.total, bulk.processed, bulk.issued_count) == (3, 3, 1)
    assert [row["name"] for row in bulk.skipped] == ["王五"]
    assert already in bulk.certificates.all() and bulk.certificates.count() == 2
    assert all(c.pdf for c in bulk.certificates.all())
    assert CertificateStatusChange.objects.filter(reason="2026年度集中轮训合格").count() == 1


def test_a_bulk_issue_keeps_its_status_history_and_a_failed_run_is_recorded(committee, program, holder, monkeypatch,
                                                                           django_capture_on_commit_callbacks):
    from certificates import tasks

    staff = factories.administrator()
    with django_capture_on_commit_callbacks(execute=True):
        bulk = services.bulk_issue_request(program=program, committee=committee, requested_by=staff,
                                           reason="集中轮训合格")
    assert [(c.old_status, c.new_status, c.changed_by) for c in bulk.status_changes.all()] == [
        ("", "queued", staff), ("queued", "running", None), ("running", "done", None)]
    with pytest.raises(CertificateError):  # done is final
        services.bulk_issue_set_status(bulk_issue=bulk, status=BulkIssue.Status.RUNNING)

    failing = services.bulk_issue_set_status(
        bulk_issue=BulkIssue(program=program, committee=committee, requested_by=staff, reason="再发"),
        status=BulkIssue.Status.QUEUED, by=staff)

    def crash(*, bulk_issue):
        raise RuntimeError("the worker lost its database connection")

    monkeypatch.setattr(services, "bulk_issue_run", crash)
    with pytest.raises(RuntimeError):
        tasks.bulk_issue_run(failing.pk)
    failing.refresh_from_db()
    assert failing.status == BulkIssue.Status.FAILED
    assert failing.status_changes.last().new_status == "failed"


def test_the_periodic_tasks_are_scheduled_and_registered(settings):
    from config.celery_app import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"certificates.tasks.certificates_expire_due", "certificates.tasks.expiry_reminders_send"} <= scheduled
    app.loader.import_default_modules()
    assert scheduled <= set(app.tasks)

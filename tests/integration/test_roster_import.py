"""A large roster import through a real Celery worker (PostgreSQL + Redis)."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.models import Committee, Membership, RosterImport, User
from tests import factories
from tests.integration.conftest import requires_services, wait_for
from tests.people.roster_files import csv_bytes, person_id, row

pytestmark = [pytest.mark.integration, requires_services]
ROWS = 2000  # "thousands of rows"; about 50 s of worker time on PostgreSQL here


def test_a_large_import_runs_in_the_worker_with_progress(client, celery_worker_process):
    county = factories.region(name="大旗")
    townships = [factories.region(parent=county, name=f"第{t}镇") for t in range(3)]
    villages = [factories.region(parent=township, name=f"{township.name}{v}村") for township in townships
                for v in range(10)]
    client.force_login(factories.bureau_staff(jurisdiction=county))
    rows = [row(villages[i % len(villages)], committee=f"{villages[i % len(villages)].name}人民调解委员会",
                name=f"成员{i}", phone=f"139{i:08d}", national_id=person_id(i) if i % 2 else "",
                role="信息员" if i % 5 == 0 else "调解员")
            for i in range(ROWS)]
    response = client.post(reverse("people:roster_import"),
                           {"file": SimpleUploadedFile("大旗名册.csv", csv_bytes(rows))})
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.VALIDATED, record.errors[:3]
    assert response["Location"] == reverse("people:roster_import_detail", args=[record.pk])

    client.post(reverse("people:roster_import_confirm", args=[record.pk]))
    status_url = reverse("people:roster_import_status", args=[record.pk])
    seen = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = client.get(status_url).json()
        seen.append(state["status"])
        if state["finished"]:
            break
        time.sleep(0.1)
    log = celery_worker_process["log"].read_text()
    assert state["status"] == "done", (state, log[-3000:])
    assert "running" in seen  # the page could show the import under way
    assert state["processed"] == state["total"] == 30 + ROWS + ROWS  # committees, people, memberships
    assert "Task people.tasks.roster_import_run" in log

    assert Committee.objects.count() == 30
    assert User.objects.filter(memberships__isnull=False).distinct().count() == ROWS
    assert Membership.objects.count() == ROWS

    # The same file again: checked, nothing to change, and the worker changes nothing.
    client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("大旗名册.csv", csv_bytes(rows))})
    again = RosterImport.objects.latest("pk")
    assert set(again.preview["counts"].values()) == {0}
    client.post(reverse("people:roster_import_confirm", args=[again.pk]))
    assert wait_for(lambda: RosterImport.objects.get(pk=again.pk).status == RosterImport.Status.DONE, timeout=60)
    assert Membership.objects.count() == ROWS and User.objects.count() == ROWS + 1

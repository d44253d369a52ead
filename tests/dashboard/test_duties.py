"""Who is behind on which training duty, on the coverage dashboard: figures kept in the region's snapshot (computed
with the training selectors' own rules), marked out of date by changes, the first rows of the person lists on the
page and every row in their downloads, within the jurisdiction only."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors, services
from dashboard.models import RegionSnapshot
from people.models import Committee, Membership
from tests import factories
from tests.training.conftest import complete, duty
from training import selectors as training_selectors
from training import services as training_services
from training.models import TrainingDuty

pytestmark = pytest.mark.django_db


@pytest.fixture
def duties(county):
    """The banner's three duties: 20 h a year, 10 h of pre-job training within 30 days (for those who joined this
    last year), a new law within 30 days of its publication 100 days ago."""
    today = timezone.localdate()
    return [duty(region=county, name="年度20学时", hours=20),
            duty(region=county, name="岗前10学时", kind=TrainingDuty.Kind.PREJOB, hours=10, within_days=30,
                 in_force_from=today - datetime.timedelta(days=365)),
            duty(region=county, name="新法2学时", kind=TrainingDuty.Kind.TRIGGERED, hours=2, within_days=30,
                 triggered_on=today - datetime.timedelta(days=100))]


def committee_in(township, name):
    return factories.CommitteeFactory(region=township.get_children().get(), name=name, kind=Committee.Kind.VILLAGE)


def member(committee, name, *, joined_days_ago=1000):
    person = factories.UserFactory(name=name)
    factories.MembershipFactory(person=person, committee=committee,
                                joined_on=timezone.localdate() - datetime.timedelta(days=joined_days_ago))
    return person


def people(county, townships, *, per_committee: int, prefix: str = ""):
    """A mixed data set in both townships: per committee, someone who met every duty, someone with 4 of the
    year's 20 hours who missed the new law, a newcomer overdue on pre-job training, and ``per_committee - 3``
    more who did nothing."""
    today = timezone.localdate()
    law_day = today - datetime.timedelta(days=90)  # inside the new law's 30 days
    made = []
    for township in townships:
        committee = committee_in(township, f"{prefix}{township.name}人民调解委员会")
        done = member(committee, f"{prefix}{township.name}达标")
        complete(done, factories.course_module(credit_hours=20), today)
        complete(done, factories.course_module(credit_hours=2), law_day)
        behind = member(committee, f"{prefix}{township.name}差学时")
        complete(behind, factories.course_module(credit_hours=4), today)
        newcomer = member(committee, f"{prefix}{township.name}新人", joined_days_ago=60)
        made += [done, behind, newcomer]
        made += [member(committee, f"{prefix}{township.name}其他{i}") for i in range(per_committee - 3)]
    return made


@pytest.fixture
def staff(county):
    return factories.bureau_staff(jurisdiction=county)


@pytest.fixture
def outsider(db):
    return factories.bureau_staff(jurisdiction=factories.region(name="别的旗"))


def expected(region, today):
    """The figures straight from ``training.selectors.duty_progress``: duty id → [owed, met, behind, overdue]."""
    members = set(Membership.objects.active(today).filter(
        committee__region__path__startswith=region.path).values_list("person_id", flat=True))
    found = defaultdict(lambda: [0, 0, 0, 0])
    for rows in training_selectors.duty_progress(person_ids=members, on=today).values():
        for p in rows:
            cell = found[p.duty.pk]
            cell[0] += 1
            cell[1 if p.met else 2] += 1
            cell[3] += p.overdue
    return dict(found)


def test_figures_agree_with_the_training_selectors(county, townships, duties):
    people(county, townships, per_committee=4)
    today = timezone.localdate()
    for region in (county, townships[0]):
        found = selectors.duty_figures_compute(region=region, today=today)
        totals = {duty_id: found.total["cells"][i] for i, (duty_id, _name, _kind) in enumerate(found.duties)}
        assert totals == expected(region, today)
    county_figures = selectors.duty_figures_compute(region=county, today=today)
    annual, prejob, triggered = (county_figures.total["cells"][[d[0] for d in county_figures.duties].index(x.pk)]
                                 for x in duties)
    assert annual == [8, 2, 6, 0]  # [owed, met, behind, overdue]: the year is not over
    assert prejob == [2, 0, 2, 2]  # the newcomers, 60 days in
    assert triggered == [8, 2, 6, 6]  # the law's 30 days are over: behind is overdue
    assert county_figures.lists["red_flags"]["count"] == 8 and county_figures.lists["behind"]["count"] == 14
    assert [row["name"] for row in county_figures.rows] == sorted(t.name for t in townships)
    by_committee = selectors.duty_figures_compute(region=townships[0], today=today)
    assert [row["link"] for row in by_committee.rows] == ["committee"]


def test_the_snapshot_is_served_as_it_was_computed(county, townships, duties, count_queries):
    people(county, townships, per_committee=4)
    computed = count_queries(lambda: services.duty_snapshot(region=county))
    served = services.duty_snapshot(region=county)
    assert count_queries(lambda: services.duty_snapshot(region=county)) == 1 < computed
    assert served.to_data() == selectors.duty_figures_compute(region=county).to_data()
    assert served.computed_at is not None and not served.refreshing
    assert RegionSnapshot.objects.filter(region=county, key=services.DUTIES_KEY).count() == 1


def test_figures_cost_the_same_queries_at_two_sizes(county, townships, duties, count_queries):
    people(county, townships, per_committee=3, prefix="小")
    small = count_queries(lambda: selectors.duty_figures_compute(region=county))
    people(county, townships, per_committee=12, prefix="大")
    assert count_queries(lambda: selectors.duty_figures_compute(region=county)) == small


def test_a_change_under_the_region_marks_it_and_shows(county, townships, duties, staff):
    made = people(county, townships, per_committee=3)
    before = services.duty_snapshot(region=county)
    services.duty_snapshot(region=townships[1])
    behind = made[1]  # 甲镇差学时: 4 of 20 hours
    record = training_services.external_training_record(
        people=[behind], title="外部培训", hours=Decimal(16), completed_on=timezone.localdate(),
        document=ContentFile(b"%PDF-1.4", name="a.pdf"), recorded_by=staff)[0]
    RegionSnapshot.objects.update(changed_at=None)
    training_services.external_training_decide(record=record, approve=True, decided_by=staff)
    marked = RegionSnapshot.objects.filter(changed_at__isnull=False).values_list("region__name", flat=True)
    assert set(marked) == {county.name}  # not 乙镇, where the person does not serve
    after = services.duty_snapshot(region=county)
    annual = [d[0] for d in after.duties].index(duties[0].pk)
    assert after.total["cells"][annual][1] == before.total["cells"][annual][1] + 1


def test_a_new_duty_marks_the_regions_below_and_above(county, townships, duties):
    people(county, townships, per_committee=3)
    for region in (county, *townships):
        services.duty_snapshot(region=region)
    RegionSnapshot.objects.update(changed_at=None)
    duty(region=county, name="技能14学时", hours=14)
    assert RegionSnapshot.objects.filter(changed_at__isnull=False).count() == 3
    assert "技能14学时" in [name for _pk, name, _kind in services.duty_snapshot(region=townships[0]).duties]


def test_a_big_region_is_served_while_the_worker_computes_it(county, townships, duties, settings, staff,
                                                             django_capture_on_commit_callbacks):
    made = people(county, townships, per_committee=3)
    settings.DASHBOARD_LIVE_BUDGET_MS = -1  # every region counts as big
    first = services.duty_snapshot(region=county)
    complete(made[1], factories.course_module(credit_hours=16), timezone.localdate())
    with django_capture_on_commit_callbacks() as queued:
        stale = services.duty_snapshot(region=county)
    assert stale.refreshing and stale.to_data() == first.to_data() and len(queued) == 1
    queued[0]()  # the worker
    fresh = services.duty_snapshot(region=county)
    assert not fresh.refreshing and fresh.to_data() != first.to_data()


def test_the_page_lists_the_first_rows_and_the_download_all_within_the_jurisdiction(
        client, county, townships, duties, staff, outsider, monkeypatch):
    people(county, townships, per_committee=5)
    evil = member(committee_in(townships[0], "=HYPERLINK(\"http://x\")调解委员会"), "=1+2")
    monkeypatch.setattr(selectors, "DUTY_LIST_ROWS", 3)
    client.force_login(staff)
    url = reverse("coverage:duties", args=[county.code])
    page = client.get(url).content.decode()
    assert "年度20学时" in page and 'data-testid="cut-behind"' in page
    behind = selectors.duty_figures_compute(region=county).lists["behind"]["count"]
    assert behind > 3 and page.count('data-testid="cut-') == 2
    response = client.get(url, {"export": "behind", "format": "csv"})
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + behind
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "'=1+2" in [row[0] for row in rows] and evil.name == "=1+2"
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url, {"export": "red_flags", "format": "xlsx"}).getvalue()))
    sheet = workbook.active
    red_flags = selectors.duty_figures_compute(region=county).lists["red_flags"]["count"]
    assert sheet.max_row == 1 + red_flags
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert client.get(reverse("coverage:duties_home")).url == url
    client.force_login(outsider)
    for query in ({}, {"export": "behind", "format": "csv"}, {"export": "red_flags", "format": "xlsx"},
                  {"export": "duties", "format": "csv"}):
        assert client.get(url, query).status_code == 404

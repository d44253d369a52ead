"""Region figures are kept in snapshots: computed on first view, served after, computed again when records change
(at once for small regions, by the worker for big ones), never lost to a change that lands mid-computation."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors, services
from dashboard.models import RegionSnapshot
from dashboard.selectors import Filters, Targets
from people.models import User
from people.services.organisation import membership_end, membership_start
from tests import factories

from .conftest import certificate

pytestmark = pytest.mark.django_db
TARGETS = Targets(annual_hours=12, prejob_hours=24)


def certified(region):
    return services.region_snapshot(region=region, filters=Filters(), targets=TARGETS).figures["*"].certified


def test_first_view_computes_then_the_snapshot_is_served(world, today, count_queries):
    county = world["county"]
    first = count_queries(lambda: services.region_snapshot(region=county, filters=Filters(), targets=TARGETS))
    assert RegionSnapshot.objects.filter(region=county).count() == 1
    served = count_queries(lambda: services.region_snapshot(region=county, filters=Filters(), targets=TARGETS))
    assert served == 1 < first
    again = services.region_snapshot(region=county, filters=Filters(), targets=TARGETS)
    assert again.figures["*"].certified == 3 and not again.refreshing and again.computed_at is not None
    # Each choice of filters (and of the bureau's targets) has figures of its own.
    services.region_snapshot(region=county, filters=Filters(role="mediator"), targets=TARGETS)
    services.region_snapshot(region=county, filters=Filters(), targets=Targets(annual_hours=40, prejob_hours=24))
    assert RegionSnapshot.objects.filter(region=county).count() == 3


def test_a_change_under_the_region_shows_on_the_next_view(world, program, today):
    county, jia, yi = world["county"], world["jia"], world["yi"]
    assert (certified(county), certified(jia), certified(yi)) == (3, 2, 1)
    man = User.objects.get(name=f"{jia.name}0村调解员乙")
    certificate(holder=man, program=program, issued_on=today, expires_on=today + datetime.timedelta(days=1000))
    changed = RegionSnapshot.objects.filter(changed_at__gte=timezone.now() - datetime.timedelta(minutes=1))
    assert set(changed.values_list("region__name", flat=True)) == {county.name, jia.name}  # not 乙镇
    assert (certified(county), certified(jia), certified(yi)) == (4, 3, 1)


def test_a_member_moving_between_townships_shows_on_both(world):
    county, jia, yi = world["county"], world["jia"], world["yi"]

    def headcounts():
        return [services.region_snapshot(region=region, filters=Filters(), targets=TARGETS).figures["*"].headcount
                for region in (county, jia, yi)]

    assert headcounts() == [10, 6, 3]
    woman = User.objects.get(name=f"{jia.name}0村调解员甲")
    membership = woman.memberships.get(left_on__isnull=True)
    # As the roster import moves a member: the old membership ends, a new one starts.
    membership_end(membership=membership)
    moved = membership_start(person=woman, committee=world["committees"][2], role=membership.role)
    assert headcounts() == [10, 5, 4]
    # As the admin's membership form moves one: the same row, another committee. Both townships change.
    moved.committee = world["committees"][1]
    moved.save()
    assert headcounts() == [10, 6, 3]
    # A committee moved to the other township in the admin takes its members' figures along.
    committee = world["committees"][2]
    committee.region = factories.region(parent=jia, name=f"{jia.name}新村")
    committee.save()
    assert headcounts() == [10, 9, 0]


def test_a_big_region_is_served_while_the_worker_computes_it(world, program, today, settings,
                                                             django_capture_on_commit_callbacks):
    county = world["county"]
    settings.DASHBOARD_LIVE_BUDGET_MS = -1  # every region counts as big
    assert certified(county) == 3
    man = User.objects.get(name=f"{world['jia'].name}0村调解员乙")
    certificate(holder=man, program=program, issued_on=today, expires_on=today + datetime.timedelta(days=1000))
    with django_capture_on_commit_callbacks() as queued:
        stale = services.region_snapshot(region=county, filters=Filters(), targets=TARGETS)
        services.region_snapshot(region=county, filters=Filters(), targets=TARGETS)  # a second view queues nothing
    assert (stale.figures["*"].certified, stale.refreshing) == (3, True)
    assert len(queued) == 1
    queued[0]()  # the worker's turn (tasks run in-process in tests)
    fresh = services.region_snapshot(region=county, filters=Filters(), targets=TARGETS)
    assert (fresh.figures["*"].certified, fresh.refreshing) == (4, False)


def test_a_change_during_a_computation_is_not_lost(world, today):
    county = world["county"]
    services.region_snapshot(region=county, filters=Filters(), targets=TARGETS)
    snapshot = RegionSnapshot.objects.get(region=county)
    now = timezone.now()
    assert not snapshot.is_out_of_date(now, max_age_seconds=900)
    # The computation began reading at computed_at; a change committed after that moment is not in its figures.
    snapshot.changed_at = snapshot.computed_at + datetime.timedelta(milliseconds=5)
    assert snapshot.is_out_of_date(now, max_age_seconds=900)
    snapshot.changed_at = snapshot.computed_at - datetime.timedelta(seconds=1)
    assert not snapshot.is_out_of_date(now, max_age_seconds=900)
    assert snapshot.is_out_of_date(now + datetime.timedelta(seconds=901), max_age_seconds=900)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs a second connection committing mid-computation: PostgreSQL (DATABASE_URL=postgres://…)")
def test_a_change_committed_by_another_connection_during_a_computation_is_not_lost(
        transactional_db, world, program, today, monkeypatch, settings):
    settings.DASHBOARD_LIVE_BUDGET_MS = 60_000  # the next view computes at once, however slow this machine is
    county = world["county"]
    assert certified(county) == 3
    snapshot = RegionSnapshot.objects.get(region=county)
    real = selectors.region_figures_compute

    def another_learner_certified():
        try:
            holder = factories.mediator(committee=world["committees"][0], name="计算中取证的调解员")
            certificate(holder=holder, program=program, issued_on=today,
                        expires_on=today + datetime.timedelta(days=700))
        finally:
            connections.close_all()  # this thread's own connection

    def computed_then_changed(**kwargs):
        figures = real(**kwargs)  # everything read …
        thread = threading.Thread(target=another_learner_certified)  # … then another connection commits a change
        thread.start()
        thread.join()
        return figures

    monkeypatch.setattr(selectors, "region_figures_compute", computed_then_changed)
    services.region_snapshot_refresh(snapshot=snapshot)  # the worker's computation
    monkeypatch.undo()
    snapshot.refresh_from_db()
    assert snapshot.data and snapshot.is_out_of_date(timezone.now(), max_age_seconds=900)  # kept figures lack it
    assert certified(county) == 4  # so the next view computes again and shows it


def test_figures_of_another_day_are_computed_again_even_for_a_big_region(world, settings):
    settings.DASHBOARD_LIVE_BUDGET_MS = -1
    county = world["county"]
    certified(county)
    RegionSnapshot.objects.update(day=timezone.localdate() - datetime.timedelta(days=1))
    found = services.region_snapshot(region=county, filters=Filters(), targets=TARGETS)
    assert not found.refreshing
    assert RegionSnapshot.objects.get(region=county).day == timezone.localdate()


def test_beat_refreshes_what_people_look_at_and_forgets_the_rest(world, program, today):
    county, jia = world["county"], world["jia"]
    certified(county)
    certified(jia)
    services.region_snapshot(region=county, filters=Filters(role="informant"), targets=TARGETS)
    assert services.region_snapshots_refresh_due(today=today) == 0  # all current
    RegionSnapshot.objects.filter(region=jia).update(day=today - datetime.timedelta(days=1))
    RegionSnapshot.objects.filter(key__contains="informant").update(viewed_on=today - datetime.timedelta(days=31))
    man = User.objects.get(name=f"{jia.name}0村调解员乙")
    certificate(holder=man, program=program, issued_on=today, expires_on=today + datetime.timedelta(days=1000))
    assert services.region_snapshots_refresh_due(today=today) == 2  # the county (changed) and 甲镇 (yesterday's)
    assert not RegionSnapshot.objects.filter(key__contains="informant").exists()
    county_snapshot = RegionSnapshot.objects.get(region=county)
    assert county_snapshot.data["figures"]["*"]["certified"] == 4
    assert not county_snapshot.is_out_of_date(timezone.now(), max_age_seconds=900)


def test_the_page_says_how_current_its_figures_are(world, client, settings):
    client.force_login(factories.bureau_staff(jurisdiction=world["county"]))
    url = reverse("coverage:region", args=[world["county"].code])
    body = client.get(url).content.decode()
    assert 'data-testid="computed-at"' in body and 'data-testid="refreshing"' not in body
    settings.DASHBOARD_LIVE_BUDGET_MS = -1
    RegionSnapshot.objects.update(changed_at=timezone.now() + datetime.timedelta(seconds=1))
    assert 'data-testid="refreshing"' in client.get(url).content.decode()


def test_a_snapshot_is_recomputed_for_the_filters_and_targets_it_was_made_for(program):
    from dashboard.services import _snapshot_choice, _snapshot_key

    chosen = Filters(period="quarter", program=program, role="mediator", kind="village", specialty="")
    targets = Targets(annual_hours=40, prejob_hours=16)
    assert _snapshot_choice(_snapshot_key(chosen, targets)) == (chosen, targets)

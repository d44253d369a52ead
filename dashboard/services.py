"""Writes of the dashboard: keeping region snapshots (``models.RegionSnapshot``) current.

A region page shows ``RegionFigures`` (rows, trend, activity); its training-duty page ``DutyFigures`` (who is behind
on which duty), kept the same way under the key ``DUTIES_KEY``. Computing them reads every record under the region —
milliseconds for a township of the demo, seconds for a county of 100,000 members — so they are kept per region and
choice of filters and computed again only when needed:

- no snapshot yet, or one of another day → computed now, while the page waits;
- out of date (records under the region changed since — ``receivers.py`` — or older than
  ``DASHBOARD_SNAPSHOT_MAX_AGE`` seconds) → computed now if the last computation took at most
  ``DASHBOARD_LIVE_BUDGET_MS``; otherwise the page shows the snapshot, says it is being updated, and the worker
  computes it (one request at a time per snapshot);
- otherwise served as it is.
Beat computes again, ahead of the next view, the out-of-date snapshots people looked at this week
(``region_snapshots_refresh_due``), and forgets the ones nobody opened for a month."""

import datetime
import time

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from people.models import Region
from people.replica import reads_as_of
from people.tasks import enqueue

from . import selectors
from .models import RegionSnapshot
from .selectors import DutyFigures, Filters, RegionFigures, Targets

REFRESH_REQUEST_TIMEOUT = datetime.timedelta(minutes=10)  # a request older than this is assumed lost
KEEP_UNVIEWED_DAYS = 30
REFRESH_VIEWED_WITHIN_DAYS = 7


DUTIES_KEY = "duties"  # the snapshot of a region's training-duty figures (``DutyFigures``; no filters apply)


def _snapshot_key(filters: Filters, targets: Targets) -> str:
    """e.g. ``year|3|mediator|||12|24``: the filters' five parts, then the two hour targets."""
    return f"{filters.key()}|{targets.key()}"


def _snapshot_choice(key: str) -> tuple[Filters, Targets]:
    """The filters and targets a ``_snapshot_key`` was made from."""
    parts = key.split("|")
    return Filters.from_key("|".join(parts[:5])), Targets.from_key("|".join(parts[5:]))


def _figures_compute(*, region: Region, key: str, today: datetime.date) -> RegionFigures | DutyFigures:
    """What a snapshot of ``key`` holds, computed from the records."""
    if key == DUTIES_KEY:
        return selectors.duty_figures_compute(region=region, today=today)
    filters, targets = _snapshot_choice(key)
    return selectors.region_figures_compute(region=region, filters=filters, targets=targets, today=today)


def _figures_read(snapshot: RegionSnapshot, **extra) -> RegionFigures | DutyFigures:
    kind = DutyFigures if snapshot.key == DUTIES_KEY else RegionFigures
    return kind.from_data(snapshot.data, **extra)


def _compute_and_store(*, region: Region, key: str, today: datetime.date,
                       viewed: bool) -> RegionFigures | DutyFigures:
    # On a replica the data read is as old as its lag: stamping the snapshot that much earlier keeps a change the
    # replica had not replayed yet (changed_at after that moment) marking the snapshot out of date.
    started_at, started = reads_as_of(timezone.now()), time.perf_counter()
    figures = _figures_compute(region=region, key=key, today=today)
    snapshot = RegionSnapshot(
        region=region, key=key, day=today, computed_at=started_at, viewed_on=today,
        compute_ms=round(1000 * (time.perf_counter() - started)), refresh_requested_at=None, data=figures.to_data())
    # One INSERT … ON CONFLICT UPDATE: two first views at once both land, the later one's figures win.
    updated = ["day", "computed_at", "compute_ms", "refresh_requested_at", "data", *(["viewed_on"] if viewed else [])]
    RegionSnapshot.objects.bulk_create([snapshot], update_conflicts=True, unique_fields=["region", "key"],
                                       update_fields=updated)
    figures.computed_at = started_at
    return figures


def _snapshot(*, region: Region, key: str, today: datetime.date | None) -> RegionFigures | DutyFigures:
    today = today or timezone.localdate()
    now = timezone.now()
    snapshot = RegionSnapshot.objects.filter(region=region, key=key).first()
    if snapshot is None or snapshot.day != today:
        return _compute_and_store(region=region, key=key, today=today, viewed=True)
    out_of_date = snapshot.is_out_of_date(now, settings.DASHBOARD_SNAPSHOT_MAX_AGE)
    if out_of_date and snapshot.compute_ms <= settings.DASHBOARD_LIVE_BUDGET_MS:
        return _compute_and_store(region=region, key=key, today=today, viewed=True)
    if out_of_date:
        region_snapshot_refresh_request(snapshot=snapshot, now=now)
    if snapshot.viewed_on != today:
        RegionSnapshot.objects.filter(pk=snapshot.pk).update(viewed_on=today)
    return _figures_read(snapshot, computed_at=snapshot.computed_at, refreshing=out_of_date)


def region_snapshot(*, region: Region, filters: Filters, targets: Targets,
                    today: datetime.date | None = None) -> RegionFigures:
    """The region's figures for a page or the API (see the module's docstring for when they are computed).

    The caller has checked that the user may see the region."""
    return _snapshot(region=region, key=_snapshot_key(filters, targets), today=today)


def duty_snapshot(*, region: Region, today: datetime.date | None = None) -> DutyFigures:
    """The region's training-duty figures and the first rows of its person lists, kept and computed again
    exactly as the region's other figures are (see the module's docstring). The caller has checked that the user
    may see the region."""
    return _snapshot(region=region, key=DUTIES_KEY, today=today)


def region_snapshot_refresh_request(*, snapshot: RegionSnapshot, now: datetime.datetime | None = None) -> bool:
    """Ask the worker to compute the snapshot again, unless that was asked less than ten minutes ago (one
    conditional UPDATE decides, so two pages asking at once queue one job). Returns whether a job was queued."""
    from . import tasks  # tasks imports this module

    now = now or timezone.now()
    claimed = RegionSnapshot.objects.filter(pk=snapshot.pk).filter(
        Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=now - REFRESH_REQUEST_TIMEOUT),
    ).update(refresh_requested_at=now)
    if claimed:
        enqueue(tasks.region_snapshot_refresh, snapshot.pk)
    return bool(claimed)


def region_snapshot_refresh(*, snapshot: RegionSnapshot, today: datetime.date | None = None) -> None:
    """Compute a snapshot again with the filters and targets it was made for (or its duty figures)."""
    _compute_and_store(region=snapshot.region, key=snapshot.key, today=today or timezone.localdate(), viewed=False)


def region_snapshots_refresh_due(*, today: datetime.date | None = None) -> int:
    """Compute again every snapshot viewed this week that is out of date or of an earlier day (so that tomorrow
    morning's first view does not wait), and delete those unviewed for a month. Returns how many were computed."""
    today = today or timezone.localdate()
    now = timezone.now()
    RegionSnapshot.objects.filter(viewed_on__lt=today - datetime.timedelta(days=KEEP_UNVIEWED_DAYS)).delete()
    due = RegionSnapshot.objects.filter(
        viewed_on__gte=today - datetime.timedelta(days=REFRESH_VIEWED_WITHIN_DAYS),
    ).filter(
        Q(day__lt=today) | Q(changed_at__gte=F("computed_at"))
        | Q(computed_at__lt=now - datetime.timedelta(seconds=settings.DASHBOARD_SNAPSHOT_MAX_AGE)),
    ).select_related("region").order_by("region__path", "pk")
    count = 0
    for snapshot in due:
        region_snapshot_refresh(snapshot=snapshot, today=today)
        count += 1
    return count


def region_snapshots_mark_changed(*, region_paths: set[str], below: bool = False) -> int:
    """Records under these regions changed: mark the snapshots of the regions and of every region above them
    (and, with ``below``, of every region under them: a training duty set for a county applies to its villages).

    One UPDATE, which leaves alone snapshots already marked (so a burst of changes writes once)."""
    prefixes = {prefix for path in region_paths for prefix in Region.path_prefixes(path)}
    if not prefixes:
        return 0
    places = Q(region__path__in=prefixes)
    for path in region_paths if below else ():
        places |= Q(region__path__startswith=path)
    return RegionSnapshot.objects.filter(places).filter(
        Q(changed_at__isnull=True) | Q(changed_at__lt=F("computed_at")),
    ).update(changed_at=timezone.now())

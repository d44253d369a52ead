"""Thin background tasks of the dashboard: load by id, call a service."""

from celery import shared_task

from people.replica import heavy_reads

from . import services
from .models import RegionSnapshot


@shared_task(acks_late=True)
def region_snapshot_refresh(snapshot_id: int) -> None:
    snapshot = RegionSnapshot.objects.select_related("region").filter(pk=snapshot_id).first()
    if snapshot is not None:
        # The computation reads the replica when there is one; the snapshot itself is written to the primary.
        with heavy_reads():
            services.region_snapshot_refresh(snapshot=snapshot)


@shared_task(acks_late=True)
def region_snapshots_refresh_due() -> int:
    return services.region_snapshots_refresh_due()

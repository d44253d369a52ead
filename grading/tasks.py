"""Thin tasks of grading: load by id, call the service."""

from celery import shared_task

from . import services
from .models import ArchiveExport


@shared_task
def archive_export_run(export_id: int) -> None:
    """Make a committee's ZIP of training archives (idempotent: a finished export is left alone)."""
    export = ArchiveExport.objects.filter(pk=export_id).first()
    if export is None or export.status == ArchiveExport.Status.DONE:
        return
    try:
        services.archive_export_run(export=export)
    except Exception:
        ArchiveExport.objects.filter(pk=export_id).update(status=ArchiveExport.Status.FAILED)
        raise

"""Mark region snapshots out of date when the records behind their figures change (see services.py).

Connected in ``DashboardConfig.ready`` to the models' own save and delete signals, so every way a record is written
through the ORM is seen — services, the admin, imports, factories. Writes that bypass them (``QuerySet.update``,
COPY) are caught by the snapshots' maximum age instead. Answer saves and similar hot paths use ``update`` and do not
come here."""

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from assessments.models import Attempt
from certificates.models import Certificate, CertificateStatusChange
from courses.models import Enrolment, LessonCompletion, RotationSession, ScenarioRun, SessionAttendance
from people.models import Committee, Membership, Region
from people.status import statuses_changed
from training.models import ExternalTraining, TrainingDuty

from .services import region_snapshots_mark_changed

# Model → how to reach the person the record is about.
PERSON_OF = {
    Membership: lambda record: record.person_id,
    Certificate: lambda record: record.holder_id,
    CertificateStatusChange: lambda record: Certificate.objects.filter(pk=record.certificate_id)
    .values_list("holder_id", flat=True).first(),
    Enrolment: lambda record: record.person_id,
    LessonCompletion: lambda record: record.person_id,
    SessionAttendance: lambda record: record.person_id,
    ScenarioRun: lambda record: record.person_id,
    Attempt: lambda record: record.user_id,
    ExternalTraining: lambda record: record.person_id,  # approved, it counts towards duties
}


# A row edited in place can leave its place: a membership moved to another committee, a committee to another
# region (the admin's forms allow both). Where it was is remembered before the save, so that place is marked too.
MOVABLE = {Membership: "committee_id", Committee: "region_id"}


def remember_place(sender, instance, update_fields=None, **kwargs) -> None:
    field = MOVABLE[sender]
    if instance.pk is None or (update_fields is not None and field not in update_fields):
        return  # a new row has no old place; a save of other fields keeps it (no query then)
    instance._dashboard_place_before = sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first()


def person_changed(sender, instance, **kwargs) -> None:
    """A person's record changed: every region they serve or served in (and those above) is out of date."""
    person_id = PERSON_OF[sender](instance)
    served = Q(memberships__person_id=person_id)
    if isinstance(instance, Membership):  # a deleted membership is gone from its person's memberships
        served |= Q(pk=instance.committee_id)
        if before := getattr(instance, "_dashboard_place_before", None):
            served |= Q(pk=before)
    paths = set(Committee.objects.filter(served).values_list("region__path", flat=True))
    region_snapshots_mark_changed(region_paths=paths)


def committee_changed(sender, instance, **kwargs) -> None:
    regions = {instance.region_id, getattr(instance, "_dashboard_place_before", None)} - {None}
    paths = set(Region.objects.filter(pk__in=regions).values_list("path", flat=True))
    region_snapshots_mark_changed(region_paths=paths)


def session_changed(sender, instance, **kwargs) -> None:
    paths = set(Region.objects.filter(pk=instance.township_id).values_list("path", flat=True))
    region_snapshots_mark_changed(region_paths=paths)


def certificates_changed(sender, pks, **kwargs) -> None:
    """Many certificates changed status at once (``people.status.status_change_many``: no save signals): every
    region their holders serve in is out of date. Two statements, whatever the number."""
    holders = Certificate.objects.filter(pk__in=pks).values("holder_id")
    paths = set(Committee.objects.filter(memberships__person_id__in=holders).values_list("region__path", flat=True))
    region_snapshots_mark_changed(region_paths=paths)


def duty_changed(sender, instance, action: str = "post_save", pk_set=None, **kwargs) -> None:
    """A duty set, changed or removed (or its categories or modules changed): it applies to everyone under its
    region, so the duty figures of that region, of every region below and of those above are out of date."""
    if not action.startswith("post_"):
        return
    if isinstance(instance, TrainingDuty):
        paths = set(Region.objects.filter(pk=instance.region_id).values_list("path", flat=True))
    else:  # changed from a category's or module's side: pk_set holds the duties (None: all of them, cleared)
        duties = TrainingDuty.objects.all() if pk_set is None else TrainingDuty.objects.filter(pk__in=pk_set)
        paths = set(duties.values_list("region__path", flat=True))
    region_snapshots_mark_changed(region_paths=paths, below=True)


def connect() -> None:
    for model in PERSON_OF:
        post_save.connect(person_changed, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-save")
        post_delete.connect(person_changed, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-delete")
    for model in MOVABLE:
        pre_save.connect(remember_place, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-pre-save")
    for model, receiver in ((Committee, committee_changed), (RotationSession, session_changed)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-delete")
    statuses_changed.connect(certificates_changed, sender=Certificate, dispatch_uid="dashboard-certificates-many")
    post_save.connect(duty_changed, sender=TrainingDuty, dispatch_uid="dashboard-duty-save")
    post_delete.connect(duty_changed, sender=TrainingDuty, dispatch_uid="dashboard-duty-delete")
    for through in (TrainingDuty.categories.through, TrainingDuty.modules.through):
        m2m_changed.connect(duty_changed, sender=through, dispatch_uid=f"dashboard-{through._meta.label}-changed")

"""Status machines: the one way a record's status changes, for every app.

A record with a lifecycle (certificate, attempt, roster import, bulk issue, training order, and whatever comes next)
declares its machine once, as data::

    ORDER_MACHINE = StatusMachine(
        transitions={"": {NEW}, NEW: {SCHEDULED, DECLINED}, DECLINED: {NEW}, SCHEDULED: set()},
        history="rotation.TrainingOrderStatusChange", subject="order", error=RotationError,
        refusal=gettext_lazy("This order is already %(old)s."), reason_required={DECLINED},
    )

and moves it only with ``status_change(obj, machine=…, to=…, by=…, reason=…)``. That function locks the record's row
(``SELECT … FOR UPDATE``), reads the status the database holds (not the caller's copy, which may be stale), refuses a
move the machine does not list with a translated error of the app's own exception class, and writes one history
row: from, to, when, who, why. ``""`` stands for "being created": a machine that lists ``""`` lets
``status_change`` save a new record, so even the first status has its history row.

History rows live in a table of the app's own (``<Model>StatusChange``), with the fields of ``StatusChangeBase``
(subclass it for a new table) and a foreign key to the record named ``machine.subject``. Rows are never deleted.
"""

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CREATING = ""  # the status of a record not saved yet

#: Sent by ``status_change_many`` after its writes (which send no ``post_save``): ``sender`` is the model, ``pks``
#: the records moved. Read models above (the dashboard's snapshots) listen to it as they listen to saves.
statuses_changed = Signal()


class StatusChangeRefused(Exception):
    """A status move the machine does not allow (the default error class; apps give their own)."""


@dataclass(frozen=True)
class StatusMachine:
    """The allowed moves of one model's status field, and where their history goes.

    ``transitions``: status → the statuses it may move to (``""``: a new record). ``history``: the history model
    (or its ``"app_label.Model"`` name, so a models module can declare its machine before the class exists).
    ``subject``: the history model's foreign key to the record. ``error``: the exception raised on a refusal, with
    ``refusal`` as its message (``%(old)s`` and ``%(new)s`` are the statuses' labels). ``reason_required``: moves
    into these statuses (or these ``(old, new)`` pairs) must say why. ``save_all``: save every field of the record
    with the move (for services that set the record's result fields just before), rather than only the status and
    the ``fields`` passed."""

    transitions: Mapping[str, Collection[str]]
    history: type[models.Model] | str
    subject: str
    field: str = "status"
    error: type[Exception] = StatusChangeRefused
    refusal: str | Promise = _("This cannot go from “%(old)s” to “%(new)s”.")
    reason_required: Collection[str] = dataclasses.field(default_factory=frozenset)
    save_all: bool = False

    def history_model(self) -> type[models.Model]:
        return apps.get_model(self.history) if isinstance(self.history, str) else self.history

    def allows(self, old: str, new: str) -> bool:
        return new in self.transitions.get(old, ())

    def needs_reason(self, old: str, new: str) -> bool:
        return new in self.reason_required or (old, new) in self.reason_required


def _label(obj: models.Model, machine: StatusMachine, value: str) -> str:
    if not value:
        return "—"
    choices = dict(obj._meta.get_field(machine.field).flatchoices)
    return str(choices.get(value, value))


def status_change(obj: models.Model, *, machine: StatusMachine, to: str, by=None, reason: str = "", at=None,
                  locked: bool = False, **fields) -> models.Model:
    """Move ``obj`` to status ``to``: the one function that changes a status. Atomic (joins the caller's
    transaction): locks the row and reads its status there, refuses a move ``machine`` does not allow
    (``machine.error``), or one into a ``reason_required`` status without a reason, sets ``fields`` on the record
    and saves them with the status, and records the move (who: ``by``, a user or ``None`` for the system; when:
    ``at`` or now; why: ``reason``). Returns ``obj``, updated in place.

    ``locked=True``: the caller already holds the row's lock in its transaction (and so a fresh copy), so the
    status in hand is trusted and no query is spent on locking again. A refusal writes nothing either way."""
    if obj.pk is not None and not locked:
        with transaction.atomic():
            old = type(obj)._default_manager.select_for_update().values_list(machine.field, flat=True).get(pk=obj.pk)
            return _move(obj, machine=machine, old=old, to=to, by=by, reason=reason, at=at, fields=fields)
    old = CREATING if obj.pk is None else getattr(obj, machine.field)
    return _move(obj, machine=machine, old=old, to=to, by=by, reason=reason, at=at, fields=fields)


def _move(obj, *, machine: StatusMachine, old: str, to: str, by, reason: str, at, fields: dict):
    if not machine.allows(old, to):
        raise machine.error(machine.refusal % {"old": _label(obj, machine, old), "new": _label(obj, machine, to)})
    reason = (reason or "").strip()
    if machine.needs_reason(old, to) and not reason:
        raise machine.error(gettext("Give a reason."))
    # Checked before writing: a refusal leaves the caller's transaction usable, so no savepoint is needed here.
    with transaction.atomic(savepoint=False):
        setattr(obj, machine.field, to)
        for name, value in fields.items():
            setattr(obj, name, value)
        if obj.pk is None or machine.save_all:
            obj.save()
        else:
            obj.save(update_fields=[machine.field, *fields])
        machine.history_model().objects.create(**{machine.subject: obj}, old_status=old, new_status=to,
                                               changed_at=at or timezone.now(), changed_by=by, reason=reason)
    return obj


def status_change_many(objs: list, *, machine: StatusMachine, to: str, by=None, reason: str = "",
                       reasons: Mapping | None = None, at=None, fields: Collection[str] = ()) -> list:
    """Move many records of one model to ``to`` at once, as ``status_change(..., locked=True)`` moves one: the
    caller holds their rows' locks in its transaction (it loaded them with ``select_for_update``), so the statuses
    in hand are trusted. Refuses them all, writing nothing, when any move is not allowed or lacks a required reason
    (``reasons``: pk → reason, else ``reason``). Then one UPDATE of the status and ``fields`` (already set on the
    objects) per thousand records (fields whose values differ: one per hundred) and one INSERT of history rows per
    thousand; ``statuses_changed`` announces it."""
    objs = list(objs)
    if not objs:
        return objs
    moves = []
    for obj in objs:
        old = getattr(obj, machine.field)
        why = ((reasons or {}).get(obj.pk, reason) or "").strip()
        if not machine.allows(old, to):
            raise machine.error(machine.refusal % {"old": _label(obj, machine, old), "new": _label(obj, machine, to)})
        if machine.needs_reason(old, to) and not why:
            raise machine.error(gettext("Give a reason."))
        moves.append((obj, old, why))
    at = at or timezone.now()
    model, history = type(objs[0]), machine.history_model()
    with transaction.atomic(savepoint=False):
        for obj in objs:
            setattr(obj, machine.field, to)
        # Values all records share go in one plain UPDATE; only those that differ (a reason each) need
        # bulk_update's CASE per row, in small batches (its cost grows with the square of the batch).
        names = [model._meta.get_field(name).attname for name in (machine.field, *fields)]
        same = {name: getattr(objs[0], name) for name in names
                if all(getattr(obj, name) == getattr(objs[0], name) for obj in objs)}
        for start in range(0, len(objs), 1000):
            model._default_manager.filter(pk__in=[obj.pk for obj in objs[start:start + 1000]]).update(**same)
        if differing := [model._meta.get_field(name).name for name in names if name not in same]:
            model._default_manager.bulk_update(objs, differing, batch_size=100)
        history.objects.bulk_create([history(**{machine.subject: obj}, old_status=old, new_status=to, changed_at=at,
                                             changed_by=by, reason=why) for obj, old, why in moves], batch_size=1000)
    statuses_changed.send(sender=model, pks=[obj.pk for obj in objs])
    return objs


class StatusHistoryMixin:
    """For a model whose history rows are ``status_changes``: ``history`` reads them in the shape of the JSON lists
    roster imports and training orders kept before (``[{"status", "at", "by", "reason"}]``, oldest first)."""

    @property
    def history(self) -> list[dict]:
        return [change.as_dict() for change in self.status_changes.all()]


class StatusChangeBase(models.Model):
    """The fields of a history row: one move of a record's status, who made it, when and why. A concrete subclass
    adds the foreign key to its record (named as the machine's ``subject``) and its own choices if it likes."""

    old_status = models.CharField(_("from"), max_length=20, blank=True)
    new_status = models.CharField(_("to"), max_length=20)
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        abstract = True
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.old_status or '-'} → {self.new_status}"

    def as_dict(self) -> dict:
        """The row as the JSON history entries the roster imports and orders used to keep."""
        return {"status": self.new_status, "at": self.changed_at.isoformat(), "by": self.changed_by_id,
                "reason": self.reason}


def json_history_to_rows(model, history_model, *, subject: str, reason_key: str) -> None:
    """For data migrations: turn the JSON ``history`` lists that roster imports and training orders kept
    (``[{"status", "at", "by", reason_key}]``) into history rows. Takes the migration's historical models."""
    from django.utils.dateparse import parse_datetime

    user_ids = set(history_model._meta.get_field("changed_by").related_model.objects.values_list("pk", flat=True))
    rows = []
    for record in model.objects.exclude(history=[]).only("pk", "history").iterator():
        old = CREATING
        for entry in record.history:
            rows.append(history_model(**{f"{subject}_id": record.pk}, old_status=old, new_status=entry["status"],
                                      changed_at=parse_datetime(entry["at"]) or timezone.now(),
                                      changed_by_id=entry.get("by") if entry.get("by") in user_ids else None,
                                      reason=entry.get(reason_key) or ""))
            old = entry["status"]
    history_model.objects.bulk_create(rows, batch_size=1000)

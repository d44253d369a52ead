"""The training orders' JSON history becomes history rows (rotation 0002), who, when and why kept."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rotation.models import TrainingOrder, TrainingOrderStatusChange
from tests import factories

BEFORE = ("rotation", "0001_i15_rotation_loop")


@pytest.mark.django_db(transaction=True)
def test_an_orders_json_history_becomes_rows(townships):
    officer = factories.bureau_staff(jurisdiction=townships[0])
    bureau = factories.administrator()
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    OldOrder = executor.loader.project_state([BEFORE]).apps.get_model("rotation", "TrainingOrder")
    placed = timezone.now() - datetime.timedelta(days=3)
    today = timezone.localdate()
    order = OldOrder.objects.create(
        township_id=townships[0].pk, ordered_by_id=officer.pk, headcount=20, preferred_from=today,
        preferred_to=today, status="declined", decline_reason="讲师不足", history=[
            {"status": "new", "at": placed.isoformat(), "by": officer.pk, "reason": ""},
            {"status": "declined", "at": (placed + datetime.timedelta(days=1)).isoformat(), "by": bureau.pk,
             "reason": "讲师不足"}])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = list(TrainingOrderStatusChange.objects.filter(order_id=order.pk))
    assert [(r.old_status, r.new_status, r.changed_by_id, r.reason) for r in rows] == [
        ("", "new", officer.pk, ""), ("new", "declined", bureau.pk, "讲师不足")]
    assert rows[0].changed_at == placed
    assert [h["status"] for h in TrainingOrder.objects.get(pk=order.pk).history] == ["new", "declined"]

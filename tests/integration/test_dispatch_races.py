"""No double-booking under concurrent scheduling, on PostgreSQL with real concurrent connections."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from courses.models import RotationSession
from rotation import services
from rotation.exceptions import RotationError
from rotation.models import Dispatch, RotationSettings, TrainingOrder
from tests import factories
from tests.integration.conftest import requires_services
from tests.integration.test_attempt_races import race

pytestmark = [pytest.mark.integration, requires_services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def home_page(transactional_db):
    """The menu hangs under the home page a data migration makes, which the flush between transactional tests
    removes. (serialized_rollback would restore it, but clashes with the staff groups post_migrate makes again.)"""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from courses.models import HomePage

    if not HomePage.objects.exists():
        Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="调解员学院", slug="home"))
        Site.objects.update_or_create(is_default_site=True,
                                      defaults={"root_page": home, "hostname": "localhost", "port": 80})


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_eight_bureau_staff_sending_one_lecturer_on_one_day_book_exactly_one_session():
    county = factories.region(name="并发旗")
    bureau = factories.bureau_staff(jurisdiction=county)
    module = factories.course_module(title="人民调解法")
    lecturer = factories.lecturer(name="王讲师")
    rules = RotationSettings(committee_heads_may_order=False)
    townships = [factories.region(parent=county, name=f"镇{i}") for i in range(8)]
    today = timezone.localdate()
    orders = []
    for township in townships:
        officer = factories.bureau_staff(jurisdiction=township)
        orders.append(services.order_place(
            by=officer, township=township, modules=[module], headcount=20,
            preferred_from=today + datetime.timedelta(days=3), preferred_to=today + datetime.timedelta(days=20),
            rules=rules))
    day = today + datetime.timedelta(days=10)
    zone = timezone.get_current_timezone()

    def book(i):
        starts = datetime.datetime.combine(day, datetime.time(8 + i), zone)  # different hours, same day
        return services.session_schedule_from_orders(
            by=bureau, orders=[orders[i]], lecturer=lecturer, title=f"轮训{i}", venue="司法所",
            starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), capacity=30, modules=[module])

    results = race(book, 8)
    booked = [r for r in results if isinstance(r, RotationSession)]
    refused = [r for r in results if isinstance(r, RotationError)]
    assert len(booked) == 1 and len(refused) == 7, results
    assert Dispatch.objects.filter(lecturer=lecturer, day=day).count() == 1
    # All or nothing: the refused schedules left no session behind and their orders are still new.
    assert RotationSession.objects.count() == 1
    assert TrainingOrder.objects.filter(status=TrainingOrder.Status.NEW).count() == 7


def test_two_lecturers_sent_to_one_session_at_once_leave_one_dispatch():
    county = factories.region(name="并发二旗")
    township = factories.region(parent=county)
    bureau = factories.bureau_staff(jurisdiction=county)
    module = factories.course_module(title="调解技巧")
    session = factories.rotation_session(township=township, modules=[module], by=bureau)
    lecturers = [factories.lecturer(name=f"讲师{i}") for i in range(6)]
    results = race(lambda i: services.session_dispatch(by=bureau, session=session, lecturer=lecturers[i]), 6)
    assert sum(isinstance(r, Dispatch) for r in results) == 1, results
    assert all(isinstance(r, Dispatch | RotationError) for r in results), results
    assert session.dispatches.count() == 1 and session.lecturers.count() == 1

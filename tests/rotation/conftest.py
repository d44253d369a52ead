import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from people.models import Committee, Membership
from rotation import services
from rotation.models import RotationSettings
from tests import factories


@pytest.fixture
def rules(db):
    return RotationSettings(committee_heads_may_order=False, travel_gap_days=1, rating_days=7)


@pytest.fixture
def world(county, townships):
    """A county (甲镇, 乙镇), its bureau, a township officer in 甲镇, a committee with a chair and a mediator in
    甲镇's village, two modules and two lecturers in the pool covering 甲镇."""
    jia, yi = townships
    village = jia.get_children().first()
    committee = factories.CommitteeFactory(region=village)
    chair = factories.UserFactory(name="主任甲")
    factories.MembershipFactory(person=chair, committee=committee, position=Membership.Position.CHAIR)
    law, skills = factories.course_module(title="人民调解法"), factories.course_module(title="调解技巧", credit_hours=3)
    lecturers = [factories.lecturer(name="王讲师"), factories.lecturer(name="刘讲师")]
    for lecturer in lecturers:
        services.lecturer_profile_save(lecturer=lecturer, background="lawyer", modules=[law, skills],
                                       townships=[jia])
    return SimpleNamespace(
        county=county, jia=jia, yi=yi, committee=committee, chair=chair,
        mediator=factories.mediator(committee=committee, name="调解员甲"),
        bureau=factories.bureau_staff(jurisdiction=county, name="旗局"),
        officer=factories.bureau_staff(jurisdiction=jia, name="甲镇所"),
        law=law, skills=skills, lecturers=lecturers,
        other_committee=factories.CommitteeFactory(region=yi.get_children().first(), kind=Committee.Kind.VILLAGE),
    )


def next_week(days: int = 7, hour: int = 9) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())


def place_order(world, rules, *, by=None, modules=None, headcount=30, township=None, committee=None):
    today = timezone.localdate()
    return services.order_place(
        by=by or world.officer, township=township or world.jia,
        modules=[world.law, world.skills] if modules is None else modules,
        headcount=headcount, preferred_from=today + datetime.timedelta(days=5),
        preferred_to=today + datetime.timedelta(days=20), committee=committee, rules=rules)


def schedule(world, orders, *, lecturer=None, days=7, title="甲镇轮训"):
    starts = next_week(days)
    return services.session_schedule_from_orders(
        by=world.bureau, orders=orders, lecturer=lecturer or world.lecturers[0], title=title, venue="甲镇司法所",
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=6), capacity=40,
        modules=[world.law, world.skills])

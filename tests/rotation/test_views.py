"""The pages of the loop: who may open them, what they do, the sign-in sheet PDF and the report's exports."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import SessionAttendance
from rotation import services
from rotation.models import Dispatch, SessionRating, TrainingOrder
from tests import factories

from .conftest import next_week, place_order, schedule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name, allowed, refused", [
    ("rotation:order", "officer", ["bureau", "mediator", "lecturer"]),
    ("rotation:orders", "bureau", ["officer", "mediator", "lecturer"]),
    ("rotation:lecturers", "bureau", ["officer", "mediator", "lecturer"]),
    ("rotation:lecturer_home", "lecturer", ["bureau", "mediator"]),
    ("rotation:want", "mediator", ["bureau", "lecturer"]),
    ("rotation:report", "bureau", ["mediator", "lecturer"]),
])
def test_pages_open_only_for_their_role(client, world, url_name, allowed, refused):
    people = {"officer": world.officer, "bureau": world.bureau, "mediator": world.mediator,
              "lecturer": world.lecturers[0]}
    client.force_login(people[allowed])
    assert client.get(reverse(url_name)).status_code == 200
    for who in refused:
        client.force_login(people[who])
        assert client.get(reverse(url_name)).status_code == 403, who


def test_a_township_officer_orders_on_the_page(client, world):
    client.force_login(world.officer)
    today = timezone.localdate()
    response = client.post(reverse("rotation:order"), {
        "place": f"{world.jia.pk}-0", "modules": [world.law.pk, world.skills.pk], "headcount": 35,
        "preferred_from": today + datetime.timedelta(days=3), "preferred_to": today + datetime.timedelta(days=30),
        "note": "会议室可容纳40人"})
    assert response.status_code == 302
    order = TrainingOrder.objects.get()
    assert (order.township, order.headcount, order.ordered_by) == (world.jia, 35, world.officer)
    # A forged place (another township) is not one of the choices.
    response = client.post(reverse("rotation:order"), {
        "place": f"{world.yi.pk}-0", "modules": [world.law.pk], "headcount": 5,
        "preferred_from": today + datetime.timedelta(days=3), "preferred_to": today + datetime.timedelta(days=30)})
    assert response.status_code == 200 and TrainingOrder.objects.count() == 1


def test_the_bureau_schedules_from_the_queue_with_a_suggested_lecturer(client, world, rules):
    order = place_order(world, rules)
    client.force_login(world.bureau)
    page = client.get(reverse("rotation:orders")).content.decode()
    assert world.jia.name in page and "人民调解法" in page
    day = next_week(10).date()
    form = client.get(reverse("rotation:schedule"), {"order": order.pk})
    assert "王讲师" in form.content.decode()
    services.lecturer_unavailable(lecturer=world.lecturers[0], day=day)
    data = {"order": order.pk, "title": "甲镇轮训", "venue": "甲镇司法所", "day": day, "start_time": "09:00",
            "end_time": "15:00", "capacity": 40, "modules": [world.law.pk, world.skills.pk], "suggest": "1"}
    suggested = client.post(reverse("rotation:schedule"), data).content.decode()
    assert "刘讲师" in suggested and "王讲师" not in suggested  # unavailable that day
    response = client.post(reverse("rotation:schedule"), {**data, "schedule": "1", "lecturer": world.lecturers[1].pk})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == TrainingOrder.Status.SCHEDULED
    assert order.session.dispatches.get().lecturer == world.lecturers[1]


def test_decline_from_the_queue(client, world, rules):
    order = place_order(world, rules)
    client.force_login(world.bureau)
    client.post(reverse("rotation:order_decline", args=[order.pk]), {"reason": "讲师已排满"})
    order.refresh_from_db()
    assert order.status == "declined"
    client.force_login(world.officer)
    assert "讲师已排满" in client.get(reverse("rotation:order")).content.decode()


def test_the_lecturer_confirms_on_their_page(client, world, rules):
    session = schedule(world, [place_order(world, rules)])
    dispatch = session.dispatches.get()
    client.force_login(world.lecturers[1])  # not theirs
    assert client.post(reverse("rotation:dispatch_respond", args=[dispatch.pk]),
                       {"answer": "confirm"}).status_code == 404
    client.force_login(world.lecturers[0])
    assert session.title in client.get(reverse("rotation:lecturer_home")).content.decode()
    client.post(reverse("rotation:dispatch_respond", args=[dispatch.pk]), {"answer": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.CONFIRMED


def test_a_lecturer_edits_their_own_entry(client, world):
    lecturer = world.lecturers[0]
    client.force_login(lecturer)
    client.post(reverse("rotation:lecturer_profile"), {
        "background": "retired_judge", "organisation": "旗法院", "bio": "", "modules": [world.law.pk],
        "townships": [world.jia.pk, world.yi.pk]})
    profile = lecturer.lecturer_profile
    profile.refresh_from_db()
    assert profile.background == "retired_judge" and list(profile.modules.all()) == [world.law]
    assert set(profile.townships.all()) == {world.jia, world.yi}
    client.post(reverse("rotation:lecturer_unavailable"), {"day": next_week(3).date(), "note": "出差"})
    assert lecturer.unavailable_days.get().note == "出差"


def _held(world, rules):
    session = schedule(world, [place_order(world, rules)])
    services.dispatch_respond(by=world.lecturers[0], dispatch=session.dispatches.get(), accept=True)
    people = [world.mediator, factories.mediator(committee=world.committee, name="李四")]
    course_services.session_assign(by=world.bureau, session=session, people=people)
    start = timezone.now() - datetime.timedelta(hours=2)
    type(session).objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    session.refresh_from_db()
    return session, people


@pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("zbarimg")),
                    reason="needs poppler-utils and zbar-tools")
def test_the_sign_in_sheet_lists_attendees_with_committee_and_the_check_in_qr(client, world, rules, tmp_path):
    session, people = _held(world, rules)
    client.force_login(world.lecturers[0])
    response = client.get(reverse("rotation:sign_in_sheet", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("签到表", "调解员甲", "李四", world.committee.name, "签名", "王讲师"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", *map(str, tmp_path.glob("page*.png"))],
                             capture_output=True, text=True).stdout.strip()
    assert decoded.endswith(reverse("courses:check_in", args=[session.checkin_code]))
    client.force_login(world.lecturers[1])
    assert client.get(reverse("rotation:sign_in_sheet", args=[session.pk])).status_code == 403


def test_ticks_from_the_sheet_and_rating_on_the_pages(client, world, rules):
    session, people = _held(world, rules)
    client.force_login(world.lecturers[0])
    client.post(reverse("rotation:attendance", args=[session.pk]), {"person": [p.pk for p in people]})
    assert set(session.attendances.values_list("method", flat=True)) == {SessionAttendance.Method.SHEET}
    client.force_login(people[0])
    assert session.title in client.get(reverse("people:learner_home")).content.decode()
    data = {"overall": 5, "lecturer_score": 4, f"module_{world.law.pk}": 5, f"module_{world.skills.pk}": 3,
            "comment": "很实用"}
    assert client.post(reverse("rotation:rate", args=[session.pk]), data).status_code == 302
    assert client.post(reverse("rotation:rate", args=[session.pk]), {**data, "overall": 4}).status_code == 302
    assert SessionRating.objects.get().overall == 4
    # Someone who did not attend cannot even open the form.
    client.force_login(factories.mediator(committee=world.committee))
    assert client.get(reverse("rotation:rate", args=[session.pk])).status_code == 404
    # The lecturer reads the comment without the name; the bureau sees the name.
    client.force_login(world.lecturers[0])
    page = client.get(reverse("rotation:lecturer_home")).content.decode()
    assert "很实用" in page and people[0].name not in page
    client.force_login(world.bureau)
    assert people[0].name in client.get(reverse("rotation:session_ratings", args=[session.pk])).content.decode()


def test_report_exports_hold_the_page_figures(client, world, rules):
    session, people = _held(world, rules)
    services.attendance_confirm(by=world.lecturers[0], session=session, people=people)
    client.force_login(world.bureau)
    response = client.get(reverse("rotation:report"), {"export": "lecturer", "format": "csv"})
    rows = response.content.decode("utf-8-sig").strip().splitlines()
    assert rows[1].split(",")[:6] == ["王讲师", "1", "2", "2", "14.0", "7.0"]
    xlsx = client.get(reverse("rotation:report"), {"export": "township", "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("rotation:report"), {"export": "nope"}).status_code == 404


def test_menu_entries_follow_the_role(rf, world):
    from people.navigation import menu_for

    def names(user):
        request = rf.get("/")
        request.user = user
        return {item.name for item in menu_for(request)} & {"order", "orders", "teaching"}

    assert names(world.lecturers[0]) == {"teaching"}
    assert names(world.officer) == names(world.bureau) == names(world.mediator) == set()


@pytest.mark.parametrize("who, links", [
    ("officer", {"rotation:order", "rotation:report"}),
    ("bureau", {"rotation:orders", "rotation:lecturers", "rotation:report"}),
])
def test_bureau_home_leads_to_ordering_or_dispatch(client, world, who, links):
    client.force_login(getattr(world, who))
    page = client.get(reverse("people:bureau_home")).content.decode()
    every = {"rotation:order", "rotation:orders", "rotation:lecturers", "rotation:report"}
    assert {name for name in every if f'href="{reverse(name)}"' in page} == links


def test_after_a_decline_the_bureau_sends_another_lecturer_from_the_queue(client, world, rules):
    session = schedule(world, [place_order(world, rules)])
    services.dispatch_respond(by=world.lecturers[0], dispatch=session.dispatches.get(), accept=False, reason="开庭")
    client.force_login(world.bureau)
    page = client.get(reverse("rotation:orders"), {"status": "scheduled"}).content.decode()
    assert 'data-testid="redispatch"' in page and session.title in page and "刘讲师" in page
    client.post(reverse("rotation:session_dispatch", args=[session.pk]), {"lecturer": world.lecturers[1].pk})
    assert session.dispatches.exclude(status="declined").get().lecturer == world.lecturers[1]
    assert 'data-testid="redispatch"' not in client.get(reverse("rotation:orders"),
                                                         {"status": "scheduled"}).content.decode()


def test_queue_and_report_run_the_same_queries_at_two_sizes(client, world, rules, count_queries):
    client.force_login(world.bureau)

    def grow(first, last):
        for i in range(first, last):
            order = place_order(world, rules, headcount=10 + i)
            if i % 2:
                session = schedule(world, [order], lecturer=world.lecturers[i % 2], days=20 + i, title=f"场次{i}")
                type(session).objects.filter(pk=session.pk).update(
                    starts_at=timezone.now() - datetime.timedelta(days=i + 1),
                    ends_at=timezone.now() - datetime.timedelta(days=i + 1) + datetime.timedelta(hours=2))

    urls = [reverse("rotation:orders"), reverse("rotation:report"), reverse("rotation:lecturers")]
    grow(0, 2)
    for url in urls:  # warm the site-root and settings caches
        client.get(url)
    small = [count_queries(lambda url=url: client.get(url)) for url in urls]
    grow(2, 10)
    large = [count_queries(lambda url=url: client.get(url)) for url in urls]
    assert small == large, (small, large)


def test_the_lecturers_page_runs_the_same_queries_for_one_or_five_upcoming_sessions(client, world, rules,
                                                                                    count_queries):
    """Each upcoming session shows its attendee list: the rosters are read together, not three queries each."""
    lecturer = world.lecturers[0]

    def add(first, last):
        for i in range(first, last):
            session = schedule(world, [place_order(world, rules)], lecturer=lecturer, days=8 + 2 * i,
                               title=f"场次{i}")
            course_services.session_sign_up(session=session, person=world.mediator)
            services.dispatch_respond(by=lecturer, dispatch=session.dispatches.get(), accept=True)

    client.force_login(lecturer)
    add(0, 1)
    client.get(reverse("rotation:lecturer_home"))  # warm the site-root and settings caches
    one = count_queries(lambda: client.get(reverse("rotation:lecturer_home")))
    add(1, 5)
    page = client.get(reverse("rotation:lecturer_home")).content.decode()
    assert page.count('data-testid="upcoming"') == 5 and page.count(world.mediator.name) == 5
    five = count_queries(lambda: client.get(reverse("rotation:lecturer_home")))
    assert one == five, (one, five)

"""Offline study, server side: queued writes replayed with an idempotency key land once; the lecturer's offline
check-ins sync once per person; the installable app's manifest, service worker and offline page."""

import json

import pytest
from django.db import IntegrityError
from django.urls import reverse

from courses import services
from courses.models import LessonCompletion, ScenarioRunChoice, SessionAttendance, attendee_code, attendee_from_code
from people.exceptions import PeopleError
from people.models import IdempotencyKey
from people.services.idempotency import idempotency_key_apply
from tests import factories

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
KEY = "0f3c2a9e4b7d4e61a2c5d8f0b1e3a7c9"


def test_a_completion_sent_twice_with_one_key_lands_once_and_answers_the_first_result(client):
    learner = factories.mediator()
    lesson = factories.lesson(module=factories.course_module())
    client.force_login(learner)
    url = reverse("courses:lesson_complete", args=[lesson.pk])
    first = client.post(url, {"idempotency_key": KEY}, **JSON)
    again = client.post(url, {"idempotency_key": KEY}, **JSON)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"ok": True, "completion": LessonCompletion.objects.get().pk}
    assert IdempotencyKey.objects.filter(person=learner, key=KEY, action="lesson_complete").count() == 1
    # Without the JSON header (the form posted online) the learner still lands on the next page.
    assert client.post(url, {"idempotency_key": "another-key-1234"}).status_code == 302


def test_a_refused_queued_write_answers_400_with_the_reason_and_keeps_no_key(client):
    client.force_login(factories.mediator())
    lesson = factories.lesson(module=factories.course_module())
    response = client.post(reverse("courses:lesson_complete", args=[lesson.pk]), {"idempotency_key": "bad key"},
                           **JSON)
    assert response.status_code == 400 and "键无效" in response.json()["error"]
    assert not IdempotencyKey.objects.exists() and not LessonCompletion.objects.exists()


def test_a_write_that_fails_leaves_no_key_so_the_client_may_try_again():
    person = factories.mediator()

    def fails():
        raise PeopleError("no")

    with pytest.raises(PeopleError):
        idempotency_key_apply(person=person, key=KEY, action="x", write=fails)
    assert idempotency_key_apply(person=person, key=KEY, action="x", write=lambda: {"n": 1}) == {"n": 1}
    assert idempotency_key_apply(person=person, key=KEY, action="x", write=lambda: {"n": 2}) == {"n": 1}
    with pytest.raises(PeopleError):
        idempotency_key_apply(person=person, key=KEY, action="y", write=lambda: {})


def test_the_database_refuses_a_second_row_for_one_person_and_key():
    person = factories.mediator()
    IdempotencyKey.objects.create(person=person, key=KEY, action="x")
    IdempotencyKey.objects.create(person=factories.mediator(), key=KEY, action="x")  # another person's key
    with pytest.raises(IntegrityError):
        IdempotencyKey.objects.create(person=person, key=KEY, action="x")


def test_a_scenario_choice_replayed_with_its_key_is_not_refused_and_recorded_once(client):
    learner = factories.mediator()
    scenario = factories.scenario(module=factories.course_module())
    run = services.scenario_run_start(person=learner, scenario=scenario)
    client.force_login(learner)
    url = reverse("courses:run", args=[run.pk])
    data = {"step": run.current_key, "choice": "0", "idempotency_key": KEY}
    assert client.post(url, data, **JSON).json() == {"ok": True}
    assert client.post(url, data, **JSON).json() == {"ok": True}
    assert ScenarioRunChoice.objects.filter(run=run).count() == 1
    # Without a key the old refusal stands: that step is answered.
    stale = client.post(url, {"step": data["step"], "choice": "0"}, **JSON)
    assert stale.status_code == 400 and ScenarioRunChoice.objects.filter(run=run).count() == 1


def test_attendee_codes_name_one_person_and_refuse_typos():
    code = attendee_code(42)
    assert attendee_from_code(code) == 42 and attendee_from_code(f" {code.lower()} ") == 42
    assert attendee_from_code("42-000000") is None and attendee_from_code("abc") is None


def test_offline_check_ins_sync_once_per_person_and_only_for_the_session_keeper(client, townships):
    staff = factories.bureau_staff(jurisdiction=townships[0])
    session = factories.rotation_session(township=townships[0], modules=[factories.course_module()], by=staff)
    people = [factories.mediator() for _ in range(3)]
    stranger = factories.mediator()
    for person in people:
        services.session_sign_up(session=session, person=person)
    url = reverse("courses:session_offline_sync", args=[session.pk])
    client.force_login(staff)
    for n, person in enumerate(people + people[:1]):  # the first person scanned twice, each scan its own key
        answer = client.post(url, {"code": attendee_code(person.pk), "idempotency_key": f"scan-key-{n:04d}"})
        assert answer.json()["ok"]
    replay = client.post(url, {"code": attendee_code(people[0].pk), "idempotency_key": "scan-key-0000"}).json()
    assert replay == {"ok": True, "recorded": 1, "unknown": []}
    unknown = client.post(url, {"code": [attendee_code(stranger.pk), "1-ABCDEF"], "idempotency_key": "scan-key-9999"})
    assert unknown.json() == {"ok": True, "recorded": 0, "unknown": sorted([attendee_code(stranger.pk), "1-ABCDEF"])}
    attended = SessionAttendance.objects.filter(session=session)
    assert attended.count() == 3 and set(attended.values_list("method", flat=True)) == {"offline"}
    page = client.get(reverse("courses:session", args=[session.pk]))
    assert page["X-Offline-Keep"] == "1"
    roster = json.loads(page.content.decode().split('id="offline-roster" type="application/json">')[1]
                        .split("</script>")[0])
    assert {entry["id"] for entry in roster.values()} == {p.pk for p in people}
    client.force_login(factories.bureau_staff(jurisdiction=townships[1]))
    assert client.post(url, {"code": attendee_code(stranger.pk), "idempotency_key": "x" * 10}).status_code == 403


def test_a_learner_sees_their_own_check_in_code(client):
    learner = factories.mediator()
    client.force_login(learner)
    page = client.get(reverse("courses:sessions")).content.decode()
    assert attendee_code(learner.pk) in page and "我的签到码" in page


def test_module_download_plan_lists_the_module_and_its_live_lessons(client):
    module = factories.course_module(offline_media_mb=5)
    lessons = [factories.lesson(module=module, title=f"第{n}课") for n in range(2)]
    url = reverse("courses:module_offline", args=[module.pk])
    assert client.get(url).status_code == 302  # signed in only
    client.force_login(factories.mediator())
    plan = client.get(url).json()
    assert plan == {"module": module.pk, "pages": [module.url] + [lesson.url for lesson in lessons],
                    "media_bytes": 5 * 1024 * 1024}


def test_manifest_service_worker_and_offline_page(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["name"] == "调解员学院" and data["display"] == "standalone" and data["scope"] == "/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/sw.js")
    body = worker.content.decode()
    assert worker["Content-Type"].startswith("text/javascript") and worker["Cache-Control"] == "no-cache"
    assert 'const SHELL = "shell-' in body and '"/offline/"' in body and "{{" not in body
    offline = client.get("/offline/").content.decode()
    assert "没有网络" in offline and "offline.js" in offline

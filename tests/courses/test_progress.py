"""Earning a lesson: the reading time or the parts of the recording actually played, merged on the server; the
completion POST with its report fields and idempotency key; recordings served with range requests."""

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from wagtail.documents import get_document_model

from courses import selectors, services
from courses.exceptions import LessonNotEarned
from courses.models import Enrolment, LessonCompletion, LessonProgress
from courses.progress import merge_ranges
from tests import factories

pytestmark = pytest.mark.django_db

RECORDING = bytes(range(256)) * 40  # 10,240 bytes standing in for a WebM file


@pytest.fixture
def module():
    return factories.course_module(credit_hours=2)


def _video_lesson(module, *, duration=100):
    document = get_document_model().objects.create(title="微课", file=ContentFile(RECORDING, name="lecture.webm"))
    return factories.lesson(module=module, title="视频课", body=[
        {"type": "text", "value": "<p>先看视频。</p>"},
        {"type": "video", "value": {"file": document.pk, "duration": duration, "caption": "微课"}},
    ])


def test_merging_ranges_counts_each_second_once_and_clips_to_the_recording():
    assert merge_ranges([[10, 20], [0, 5], [15, 30], [30, 31], [50, 40]]) == [[0, 5], [10, 31]]
    assert merge_ranges([[-3, 10], [90, 130]], limit=100) == [[0, 10], [90, 100]]


def test_a_text_lesson_completes_after_the_minimum_reading_time_and_its_hours_follow(module):
    person = factories.mediator()
    lesson = factories.lesson(module=module, min_read_seconds=60)
    with pytest.raises(LessonNotEarned, match="20"):
        services.lesson_complete(person=person, lesson=lesson, read_seconds=20)
    assert not LessonCompletion.objects.exists()
    assert LessonProgress.objects.get(person=person, lesson=lesson).read_seconds == 20  # the refusal kept it

    services.lesson_complete(person=person, lesson=lesson, read_seconds=45)
    assert LessonCompletion.objects.filter(person=person, lesson=lesson).exists()
    assert Enrolment.objects.get(person=person, module=module).completed_at is not None
    today = timezone.localdate()
    assert selectors.training_hours(user=person, start=today, end=today) == 2


def test_a_report_sent_again_with_its_key_counts_once(module):
    person = factories.mediator()
    lesson = factories.lesson(module=module, min_read_seconds=60)
    for _ in range(3):
        services.lesson_progress_record(person=person, lesson=lesson, read_seconds=40, idempotency_key="visit-0001")
    with pytest.raises(LessonNotEarned):
        services.lesson_complete(person=person, lesson=lesson, idempotency_key="visit-0001", read_seconds=40)
    services.lesson_complete(person=person, lesson=lesson, read_seconds=40, idempotency_key="visit-0002")
    assert LessonCompletion.objects.filter(person=person, lesson=lesson).exists()


def test_a_video_lesson_needs_most_of_the_recording_played_not_the_same_part_again(module):
    person = factories.mediator()
    lesson = _video_lesson(module, duration=100)
    refused = [
        {"watched": [[0, 10]]},  # a glance
        {"watched": [[0, 30], [0, 30], [5, 30]], "read_seconds": 3600},  # the same minute again, reading time
        {"watched": [[0, 79]]},  # just short, with what was played before
        {"watched": [[120, 900]]},  # beyond the end of the recording
    ]
    for report in refused:
        with pytest.raises(LessonNotEarned):
            services.lesson_complete(person=person, lesson=lesson, **report)
    assert LessonProgress.objects.get(person=person, lesson=lesson).watched == [[0, 79]]
    services.lesson_complete(person=person, lesson=lesson, watched=[[60, 81]])
    assert LessonCompletion.objects.filter(person=person, lesson=lesson).exists()


def test_the_completion_post_reads_the_report_and_answers_json_to_the_offline_queue(client, module):
    person = factories.mediator()
    lesson = _video_lesson(module, duration=100)
    client.force_login(person)
    url = reverse("courses:lesson_complete", args=[lesson.pk])
    json_accept = {"HTTP_ACCEPT": "application/json"}

    response = client.post(url, {"watched": json.dumps([[0, 12.5]]), "idempotency_key": "key-0001"}, **json_accept)
    assert response.status_code == 400  # the offline queue drops a refused write and shows why
    assert "12%" in response.json()["error"]

    response = client.post(url, {"watched": "[[0, 'x']]"}, follow=True)
    assert "无法读取" in response.content.decode()  # the bad report is refused in the learner's language
    assert not LessonCompletion.objects.exists()

    report = {"watched": json.dumps([[10, 95]]), "read_seconds": "30", "idempotency_key": "key-0002"}
    first = client.post(url, report, **json_accept).json()
    assert first == {"ok": True, "completion": LessonCompletion.objects.get(person=person, lesson=lesson).pk}
    assert client.post(url, report, **json_accept).json() == first  # the queue resending: no-op
    assert LessonCompletion.objects.filter(person=person, lesson=lesson).count() == 1
    assert LessonProgress.objects.get(person=person, lesson=lesson).read_seconds == 30


def test_the_lesson_page_says_what_earns_it_and_links_the_recording_to_the_ranged_view(client, module):
    person = factories.mediator()
    lesson = _video_lesson(module)
    client.force_login(person)
    html = client.get(lesson.url).content.decode()
    block_id = lesson.main_media().id
    assert f'src="{reverse("courses:lesson_media", args=[lesson.pk, block_id])}"' in html
    assert "80%" in html
    assert "js/lesson-progress.js" in html


def test_recordings_are_served_with_range_requests(client, module):
    lesson = _video_lesson(module)
    url = reverse("courses:lesson_media", args=[lesson.pk, lesson.main_media().id])

    whole = client.get(url)
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == RECORDING

    part = client.get(url, HTTP_RANGE="bytes=100-299")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-299/{len(RECORDING)}"
    assert part["Content-Type"] == "video/webm"
    assert b"".join(part.streaming_content) == RECORDING[100:300]

    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert tail["Content-Range"] == f"bytes {len(RECORDING) - 10}-{len(RECORDING) - 1}/{len(RECORDING)}"
    assert b"".join(tail.streaming_content) == RECORDING[-10:]

    beyond = client.get(url, HTTP_RANGE=f"bytes={len(RECORDING)}-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(RECORDING)}"

    assert client.get(reverse("courses:lesson_media", args=[lesson.pk, "no-such-block"])).status_code == 404
    lesson.unpublish()
    assert client.get(url).status_code == 404


def test_leaving_the_page_keeps_what_was_played_for_learners_only(client, module):
    person = factories.mediator()
    lesson = _video_lesson(module, duration=100)
    url = reverse("courses:lesson_progress", args=[lesson.pk])
    beacon = {"watched": json.dumps([[0, 50]]), "read_seconds": "50", "idempotency_key": "leave-1"}
    assert client.post(url, beacon).status_code == 302  # anonymous: to the login page, nothing kept
    assert not LessonProgress.objects.exists()

    client.force_login(person)
    assert client.post(url, beacon).json() == {"saved": True}
    assert client.post(url, {"read_seconds": "-5"}).status_code == 400
    services.lesson_complete(person=person, lesson=lesson, watched=[[45, 80]])  # 50 + 30 more seconds: 80 %
    assert LessonCompletion.objects.filter(person=person, lesson=lesson).exists()

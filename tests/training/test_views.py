"""Pages: the learner's duties, the bureau's coverage, review and external training pages, each scoped by
jurisdiction, and the public check's "reviewed for" line."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certificates import services as certificate_services
from tests import factories
from training.models import AnnualReview, ExternalTraining, ReviewRun, TrainingDuty

from .conftest import complete, duty


@pytest.fixture
def staff(county):
    return factories.bureau_staff(jurisdiction=county)


@pytest.fixture
def outsider(db):
    return factories.bureau_staff(jurisdiction=factories.region(name="别的旗"))


def test_my_learning_shows_each_duty_with_progress_and_due_date(client, county, person):
    today = timezone.localdate()
    duty(region=county, name="年度培训20学时", hours=20)
    complete(person, factories.course_module(credit_hours=5), today)
    client.force_login(person)
    page = client.get(reverse("people:learner_home")).content.decode()
    assert "年度培训20学时" in page and 'aria-valuenow="25"' in page and f"{today.year}-12-31" in page


def test_coverage_shows_who_is_behind_and_red_flags_in_the_jurisdiction_only(client, county, committee, staff,
                                                                           outsider):
    duty(region=county, kind=TrainingDuty.Kind.PREJOB, name="岗前", hours=10, within_days=30)
    newcomer = factories.UserFactory(name="新来的")
    factories.MembershipFactory(person=newcomer, committee=committee, joined_on=date(2025, 1, 1))
    client.force_login(staff)
    # The coverage dashboard's duty page (its figures kept in the region's snapshot: tests/dashboard/test_duties.py)
    url = reverse("coverage:duties", args=[county.code])
    page = client.get(url).content.decode()
    assert "岗前" in page and "新来的" in page and 'data-table="red_flags"' in page
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_review_preview_confirm_and_public_check(client, county, committee, program, staff, outsider,
                                                 django_capture_on_commit_callbacks):
    duty(region=county, name="年度", hours=2)
    holder = factories.mediator(committee=committee, name="张晓明")
    complete(holder, factories.course_module(credit_hours=2), date(2025, 5, 1))
    card, _ = certificate_services.certificate_issue(holder=holder, program=program, issued_on=date(2025, 1, 2))
    client.force_login(staff)
    response = client.post(reverse("training:reviews"), {"region": county.pk, "program": program.pk,
                                                         "year": 2025})
    run = ReviewRun.objects.get()
    assert response.url == reverse("training:review", args=[run.pk])
    preview = client.get(response.url).content.decode()
    assert "张晓明" in preview and 'data-testid="review-confirm"' in preview
    client.force_login(outsider)
    assert client.get(response.url).status_code == 404
    assert client.post(response.url).status_code == 404
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url)
    assert AnnualReview.objects.get().outcome == AnnualReview.Outcome.PASSED
    check = client.get(reverse("certificates:verify", args=[card.verification_code])).content.decode()
    assert "已通过2025年度审核" in check
    assert client.get(reverse("certificates:verify_json", args=[card.verification_code])).json()[
        "reviewed_for"] == 2025


def test_review_start_refuses_a_region_outside_the_jurisdiction(client, county, program, outsider):
    client.force_login(outsider)
    response = client.post(reverse("training:reviews"), {"region": county.pk, "program": program.pk,
                                                         "year": 2025})
    assert response.status_code == 200 and not ReviewRun.objects.exists()


def test_external_training_recorded_with_its_document_and_approved_in_the_jurisdiction(
        client, county, person, staff, outsider):
    client.force_login(staff)
    response = client.post(reverse("training:external"), {
        "people": [person.pk], "title": "自治区调解员示范培训班", "hours": "6", "completed_on": "2026-03-02",
        "document": SimpleUploadedFile("结业证书.pdf", b"%PDF-1.4 test", content_type="application/pdf")})
    assert response.status_code == 302
    record = ExternalTraining.objects.get()
    assert client.get(reverse("training:external_document", args=[record.pk])).status_code == 200
    bad = client.post(reverse("training:external"), {
        "people": [person.pk], "title": "x", "hours": "6", "completed_on": "2026-03-02",
        "document": SimpleUploadedFile("a.exe", b"MZ")})
    assert "PDF" in bad.content.decode() and ExternalTraining.objects.count() == 1
    client.force_login(outsider)
    assert client.get(reverse("training:external_document", args=[record.pk])).status_code == 404
    assert client.post(reverse("training:external_decide", args=[record.pk]), {"approve": "1"}).status_code == 404
    outsider_form = client.post(reverse("training:external"), {
        "people": [person.pk], "title": "x", "hours": "1", "completed_on": "2026-03-02",
        "document": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert outsider_form.status_code == 200 and ExternalTraining.objects.count() == 1  # not theirs to record
    client.force_login(staff)
    client.post(reverse("training:external_decide", args=[record.pk]), {"approve": "1"})
    record.refresh_from_db()
    assert record.status == ExternalTraining.Status.APPROVED


def test_learners_cannot_open_bureau_pages(client, person):
    client.force_login(person)
    for name in ("coverage:duties_home", "training:reviews", "training:external"):
        assert client.get(reverse(name)).status_code == 403


def test_duty_admin_is_scoped_to_the_jurisdiction(client, county, staff, outsider):
    mine = duty(region=county, name="本旗年度")
    client.force_login(outsider)
    listing = client.get(reverse("wagtailsnippets_training_trainingduty:list")).content.decode()
    assert "本旗年度" not in listing
    assert client.get(reverse("wagtailsnippets_training_trainingduty:edit", args=[mine.pk])).status_code == 404
    client.force_login(staff)
    assert "本旗年度" in client.get(reverse("wagtailsnippets_training_trainingduty:list")).content.decode()

"""The pages: a round as staff of each level see it, the public 公示 page (masked names, no personal numbers),
and training archives (page, PDF, a committee's ZIP) inside the jurisdiction only."""

import io
import zipfile

import pytest
from django.urls import reverse

from grading import services
from grading.models import ArchiveExport
from tests import factories

from .conftest import AS_OF, YEAR, qualify

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world):
    qualify(world.mediator)
    world.mediator.national_id_masked = "150621********123X"
    world.mediator.save()
    grading_round = services.round_open(region=world.county, year=YEAR, title="2026年度等级评定",
                                        opened_by=world.county_staff, as_of=AS_OF)
    services.candidate_decide(candidate=grading_round.candidates.get(), decided_by=world.county_staff, approve=True)
    return services.round_publish(grading_round=grading_round, published_by=world.county_staff, days=7)


def test_the_public_page_shows_masked_names_and_no_personal_numbers(client, world, published):
    index = client.get(reverse("grading:public_index")).content.decode()
    assert published.public_url() in index
    page = client.get(published.public_url()).content.decode()
    assert "王*兰" in page and "四级人民调解员" in page and "甲镇" in page
    for secret in ("王秀兰", "13904771234", "0477", "150621", "123X", world.county_staff.name):
        assert secret not in page


def test_a_round_under_review_has_no_public_page(client, world):
    qualify(world.mediator)
    grading_round = services.round_open(region=world.county, year=YEAR, title="评定", opened_by=world.county_staff,
                                        as_of=AS_OF)
    assert client.get(grading_round.public_url()).status_code == 404


def test_the_round_page_offers_decisions_only_to_the_right_level(client, world):
    qualify(world.mediator)
    grading_round = services.round_open(region=world.county, year=YEAR, title="评定", opened_by=world.county_staff,
                                        as_of=AS_OF)
    url = grading_round.get_absolute_url()
    client.force_login(world.county_staff)
    assert 'data-testid="decide"' in client.get(url).content.decode()
    client.force_login(world.township_staff)  # sees the county's round and its own people, cannot decide
    page = client.get(url).content.decode()
    assert "王秀兰" in page and 'data-testid="decide"' not in page
    candidate = grading_round.candidates.get()
    client.post(reverse("grading:decide", args=[grading_round.pk, candidate.pk]), {"decision": "approve"})
    candidate.refresh_from_db()
    assert candidate.decision == "pending"
    client.force_login(world.outside_staff)
    assert client.get(url).status_code == 404


def test_the_filing_list_downloads_after_publication(client, world, published):
    client.force_login(world.county_staff)
    response = client.get(reverse("grading:round_export", args=[published.pk, "csv"]))
    assert response.status_code == 200 and "王秀兰" in response.content.decode("utf-8-sig")


def test_the_archive_is_the_persons_and_the_jurisdictions_only(client, world):
    url = reverse("grading:archive", args=[world.mediator.pk])
    other = factories.mediator(committee=world.other_committee, name="乙镇调解员")
    expected = {world.mediator: 200, other: 404, world.county_staff: 200, world.city_staff: 200,
                world.township_staff: 200, world.outside_staff: 404}
    for user, status in expected.items():
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(world.township_staff)
    assert client.get(reverse("grading:archive", args=[other.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_archive_pdf_is_a_pdf(client, world):
    client.force_login(world.mediator)
    response = client.get(reverse("grading:archive_pdf", args=[world.mediator.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("grading:my_archive"))["Location"] == reverse("grading:archive",
                                                                            args=[world.mediator.pk])


def test_a_committees_zip_holds_one_archive_per_member_and_stays_in_the_jurisdiction(
        client, world, django_capture_on_commit_callbacks):
    factories.mediator(committee=world.committee, name="李四")
    client.force_login(world.township_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("grading:archive_exports"), {"committee": world.committee.pk})
    export = ArchiveExport.objects.get()
    assert response["Location"] == reverse("grading:archive_export", args=[export.pk])
    assert export.status == ArchiveExport.Status.DONE and (export.processed, export.total) == (2, 2)
    download = client.get(reverse("grading:archive_export_zip", args=[export.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert sorted(names) == sorted(f"{n}-{p}-培训档案.pdf" for n, p in world.committee.memberships.values_list(
        "person__name", "person_id"))
    client.force_login(world.outside_staff)
    assert client.get(reverse("grading:archive_export", args=[export.pk])).status_code == 404
    assert client.get(reverse("grading:archive_export_zip", args=[export.pk])).status_code == 404
    refused = client.post(reverse("grading:archive_exports"), {"committee": world.committee.pk})
    assert refused.status_code == 200 and ArchiveExport.objects.count() == 1

"""Uploads are checked by content, and the forms and import parsers survive arbitrary input: fuzzed with
hypothesis (bounded), no server error and nothing written when the input is invalid."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from wagtail.documents.models import Document
from wagtail.images.models import Image as WagtailImage

from assessments import importing
from assessments.models import Question
from people import roster
from people.models import Committee, Membership, RosterImport, User
from people.services.roster_import import roster_import_upload
from people.uploads import content_matches_extension
from tests import factories
from tests.people.roster_files import HEADER

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


# --- Content checks ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "ok"), [
    ("讲义.pdf", b"%PDF-1.7\n...", True),
    ("讲义.pdf", b"MZ\x90\x00 an executable", False),
    ("讲义.pdf", b"<html><script>alert(1)</script>", False),
    ("表格.xlsx", b"PK\x03\x04 zip body", True),
    ("表格.xlsx", b"%PDF-1.4", False),
    ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8, True),
    ("名单.csv", "姓名,电话\n王秀兰,139".encode("gb18030"), True),
    ("名单.csv", b"<svg onload=alert(1)>", False),
    ("说明.txt", b"\x00\x01\x02binary", False),
    ("程序.exe", b"MZ", False),
    ("微课.mp4", b"\x00\x00\x00\x20ftypisom", True),
    ("微课.mp4", b"<html><script>alert(1)</script>", False),
    ("微课.webm", b"\x1aE\xdf\xa3\x9fB\x86", True),
    ("讲解.mp3", b"ID3\x04\x00", True),
    ("讲解.mp3", b"MZ\x90\x00", False),
    ("讲解.m4a", b"\x00\x00\x00\x1cftypM4A ", True),
])
def test_document_content_must_match_its_extension(name, data, ok):
    assert content_matches_extension(name, data) is ok


def test_the_admin_refuses_a_renamed_document_and_accepts_a_real_one(client):
    client.force_login(factories.UserFactory(is_superuser=True))
    url = reverse("wagtaildocs:add")
    fake = client.post(url, {"title": "假文件", "collection": 1,
                             "file": SimpleUploadedFile("讲义.pdf", b"<html><script>alert(1)</script></html>")})
    assert fake.status_code == 200 and "与其文件类型不符" in fake.content.decode()
    real = client.post(url, {"title": "讲义", "collection": 1,
                             "file": SimpleUploadedFile("讲义.pdf", b"%PDF-1.4\n%%EOF")})
    assert real.status_code == 302
    assert list(Document.objects.values_list("title", flat=True)) == ["讲义"]


def test_images_are_decoded_by_pillow_so_a_renamed_file_is_refused(client):
    client.force_login(factories.UserFactory(is_superuser=True))
    url = reverse("wagtailimages:add")
    fake = client.post(url, {"title": "假图", "collection": 1, "file": SimpleUploadedFile("photo.png", b"not a png")})
    assert fake.status_code == 200 and WagtailImage.objects.count() == 0
    real = client.post(url, {"title": "真图", "collection": 1, "file": SimpleUploadedFile("photo.png", png_bytes())})
    assert real.status_code == 302 and WagtailImage.objects.count() == 1


# --- Fuzzing: parsers -----------------------------------------------------------------------------------------------

cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
csv_text = st.lists(st.lists(cell, min_size=1, max_size=len(HEADER) + 2), max_size=5).map(
    lambda rows: "\n".join(",".join(HEADER) if i == 0 else ",".join(r) for i, r in enumerate([[], *rows])))


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), csv_text.map(lambda t: t.encode("utf-8"))),
       name=st.sampled_from(["名册.csv", "名册.xlsx", "名册.txt", "名册"]))
def test_the_roster_parser_refuses_garbage_cleanly_and_writes_nothing(data, name, township_staff):
    before = (Committee.objects.count(), User.objects.count(), Membership.objects.count())
    record = roster_import_upload(user=township_staff, file_name=name, data=data)
    assert record.status in (RosterImport.Status.REFUSED, RosterImport.Status.VALIDATED)
    if record.status == RosterImport.Status.REFUSED:
        assert record.errors and all(error["message"] for error in record.errors)
    assert (Committee.objects.count(), User.objects.count(), Membership.objects.count()) == before


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(lambda t: t.encode("utf-8"))),
       file_format=st.sampled_from(["csv", "xlsx"]))
def test_the_question_parser_never_crashes(data, file_format):
    try:
        drafts, errors = importing.parse_questions(data, file_format)
    except roster.FileRefused:  # pragma: no cover  (a refusal is an answer, not a crash)
        return
    assert isinstance(drafts, list) and isinstance(errors, list)
    assert Question.objects.count() == 0


# --- Fuzzing: forms over HTTP --------------------------------------------------------------------------------------

text = st.text(max_size=60)


@FUZZ
@given(username=text, password=text)
def test_the_login_form_answers_any_input_without_a_server_error(client, username, password):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session


@FUZZ
@given(serial=text, name=text)
def test_the_public_lookup_answers_any_input_without_a_server_error(client, serial, name):
    response = client.get(reverse("certificates:lookup"), {"serial_number": serial, "name": name})
    assert response.status_code in (200, 429)


@FUZZ
@given(data=st.binary(max_size=300), name=st.sampled_from(["名册.csv", "名册.xlsx", "x.exe", "无后缀"]),
       full_list=st.booleans())
def test_the_roster_upload_page_refuses_garbage_without_writing_people(client, township_staff, data, name, full_list):
    client.force_login(township_staff)
    before = (Committee.objects.count(), User.objects.count(), Membership.objects.count())
    response = client.post(reverse("people:roster_import"),
                           {"file": SimpleUploadedFile(name, data), **({"full_list": "on"} if full_list else {})})
    assert response.status_code in (200, 302)
    assert (Committee.objects.count(), User.objects.count(), Membership.objects.count()) == before


@pytest.fixture
def township_staff(townships):
    return factories.bureau_staff(jurisdiction=townships[0])

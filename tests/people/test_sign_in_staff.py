"""Bureau staff: a person's sign-in page and its acts, login slips (PDF with QR codes), the never-signed-in CSV;
all scoped to the officer's jurisdiction (404 outside) and audited."""

import shutil
import subprocess
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from people.access_codes import access_code_format
from people.models import AccessCode, Committee
from people.services.accounts import activation_code_redeem, activation_codes_issue
from tests import factories

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Tiaojie@2026ok"  # noqa: S105


@pytest.fixture
def setup(county, townships):
    inside = factories.CommitteeFactory(region=townships[0].get_children()[0], name="一村调委会")
    outside_region = factories.region(name="别的旗")
    outside = factories.CommitteeFactory(region=outside_region)
    officer = factories.bureau_staff(jurisdiction=townships[0])
    newcomers = [factories.mediator(committee=inside, phone=f"1380000{n:04d}", name=f"新人{n}") for n in range(3)]
    for person in newcomers:
        person.set_unusable_password()
        person.save()
    veteran = factories.mediator(committee=inside, phone="13900001111", last_login=timezone.now())
    stranger = factories.mediator(committee=outside)
    return {"officer": officer, "inside": inside, "outside": outside, "newcomers": newcomers, "veteran": veteran,
            "stranger": stranger, "township": townships[0], "other_township": townships[1]}


def actions_for(person):
    return list(ModelLogEntry.objects.for_instance(person).values_list("action", flat=True))


def qr_urls(pdf: bytes, tmp_path) -> list[str]:
    """Decode every QR code in a PDF: poppler's pdftoppm, then zbar's zbarimg (Debian packages)."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("needs poppler-utils and zbar-tools")
    (tmp_path / "slips.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "slips.pdf"), str(tmp_path / "page")],
                   check=True)
    urls = []
    for page in sorted(tmp_path.glob("page*.png")):
        result = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
        urls += result.stdout.split()
    return urls


def pdf_text(pdf: bytes, tmp_path) -> str:
    (tmp_path / "text.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(tmp_path / "text.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_the_sign_in_page_shows_status_and_is_404_outside_the_jurisdiction(client, setup, settings):
    client.force_login(setup["officer"])
    newcomer = setup["newcomers"][0]
    page = client.get(reverse("people:person_sign_in", args=[newcomer.pk])).content.decode()
    assert "从未登录" in page and "138****0000" in page
    assert "正常" in client.get(reverse("people:person_sign_in", args=[setup["veteran"].pk])).content.decode()
    for action in (None, "code", "slip", "unlock", "reset"):
        url = reverse("people:person_sign_in", args=[setup["stranger"].pk])
        response = client.post(url, {"action": action, "days": 30}) if action else client.get(url)
        assert response.status_code == 404
    assert not AccessCode.objects.exists() and actions_for(setup["stranger"]) == []


def test_issuing_a_code_shows_it_once_and_it_activates(client, setup):
    client.force_login(setup["officer"])
    newcomer = setup["newcomers"][0]
    response = client.post(reverse("people:person_sign_in", args=[newcomer.pk]), {"action": "code", "days": 30})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="new-code"' in page
    code = parse_qs(urlparse(page.split('<p class="break muted">')[1].split("<")[0]).query)["code"][0]
    assert actions_for(newcomer) == ["academy.activation_code_issue"]
    client.logout()
    assert client.post(reverse("activate"), {"code": code, "new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD}).status_code == 302


def test_unlock_lifts_an_axes_lockout(client, setup, settings):
    settings.AXES_ENABLED = True
    veteran = setup["veteran"]
    for _ in range(5):
        client.post(reverse("login"), {"username": "13900001111", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "13900001111", "password": factories.PASSWORD}).status_code == 429
    officer_client = client.__class__(REMOTE_ADDR="10.1.1.1")
    officer_client.force_login(setup["officer"])
    url = reverse("people:person_sign_in", args=[veteran.pk])
    assert "已锁定" in officer_client.get(url).content.decode()
    assert officer_client.post(url, {"action": "unlock", "days": 30}).status_code == 302
    assert not AccessAttempt.objects.exists() and "academy.unlock" in actions_for(veteran)
    assert client.post(reverse("login"), {"username": "13900001111", "password": factories.PASSWORD}).status_code == 302


def test_reset_password_stops_the_old_one_and_issues_a_code(client, setup):
    client.force_login(setup["officer"])
    veteran = setup["veteran"]
    response = client.post(reverse("people:person_sign_in", args=[veteran.pk]), {"action": "reset", "days": 7})
    assert 'data-testid="new-code"' in response.content.decode()
    veteran.refresh_from_db()
    assert not veteran.has_usable_password()
    assert {"academy.password_reset_staff", "academy.activation_code_issue"} <= set(actions_for(veteran))
    code = AccessCode.objects.get(person=veteran)
    assert code.expires_at - code.created_at == timedelta(days=7)


def test_a_committees_slips_are_a_pdf_whose_qr_codes_open_activation(client, setup, tmp_path, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://academy.example.cn"
    client.force_login(setup["officer"])
    url = f"{reverse('people:login_slips')}?committee={setup['inside'].pk}"
    assert "这里有 3 人从未登录" in client.get(url).content.decode()  # not the veteran
    response = client.post(url, {"days": 14})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content, tmp_path)
    assert "新人0" in text and "138****0001" in text and "一村调委会" in text
    assert "13800000001" not in text
    urls = qr_urls(response.content, tmp_path)
    assert len(urls) == 3 and all(u.startswith("https://academy.example.cn/accounts/activate/?code=") for u in urls)
    codes = [parse_qs(urlparse(u).query)["code"][0] for u in urls]
    for code in codes:  # the printed form (ABCD-EFGH) is on the slip too
        assert access_code_format(code) in text
    assert AccessCode.objects.filter(used_at__isnull=True, voided_at__isnull=True).count() == 3
    person = activation_code_redeem(code=codes[1], password=NEW_PASSWORD)
    assert person in setup["newcomers"]


def test_slips_outside_the_jurisdiction_are_404(client, setup):
    client.force_login(setup["officer"])
    base = reverse("people:login_slips")
    for query in (f"committee={setup['outside'].pk}", f"region={setup['other_township'].code}",
                  "committee=abc", "", f"committee={setup['inside'].pk}&region={setup['township'].code}"):
        assert client.get(f"{base}?{query}").status_code == 404
        assert client.post(f"{base}?{query}", {"days": 30}).status_code == 404
    assert not AccessCode.objects.exists()
    learner = setup["newcomers"][0]
    client.force_login(learner)
    assert client.get(f"{base}?committee={setup['inside'].pk}").status_code == 403


def test_a_townships_slips_page_counts_and_links_the_csv(client, setup):
    client.force_login(setup["officer"])
    page = client.get(f"{reverse('people:login_slips')}?region={setup['township'].code}").content.decode()
    assert "这里有 3 人从未登录" in page and reverse("people:never_signed_in_csv") in page


def test_the_never_signed_in_csv(client, setup):
    client.force_login(setup["officer"])
    activation_codes_issue(people=[setup["newcomers"][0]], actor=None, days=30)
    response = client.get(f"{reverse('people:never_signed_in_csv')}?region={setup['township'].code}")
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    lines = body.strip().splitlines()
    assert lines[0] == "姓名,手机,所在调委会,已签发激活码" or lines[0].startswith("姓名")
    assert len(lines) == 4 and "新人0,138****0000,一村调委会,是" in lines and "新人1,138****0001,一村调委会,否" in lines
    assert setup["veteran"].name not in body and setup["stranger"].name not in body
    whole = client.get(reverse("people:never_signed_in_csv")).content.decode("utf-8-sig")
    assert setup["stranger"].name not in whole and "新人2" in whole
    assert client.get(f"{reverse('people:never_signed_in_csv')}?region={setup['other_township'].code}"
                      ).status_code == 404
    # Written by the product's one formula-safe writer: a name that slipped past the admin's check stays text.
    Committee.objects.filter(name="一村调委会").update(name='=HYPERLINK("http://x","一村")')
    body = client.get(reverse("people:never_signed_in_csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and ',=HYPERLINK' not in body


def test_a_roster_imports_result_page_counts_who_needs_activation_and_links_their_slips(
        client, county, townships, django_capture_on_commit_callbacks, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from people.models import RosterImport
    from tests.people.roster_files import csv_bytes, row

    village = townships[0].get_children().first()
    officer = factories.bureau_staff(jurisdiction=county)
    client.force_login(officer)
    already = factories.mediator(committee=factories.CommitteeFactory(region=village, name="林原村人民调解委员会"),
                                 name="老调解员", phone="13904770000", last_login=timezone.now())
    data = csv_bytes([row(village, name="王秀兰", phone="13904771234"),
                      row(village, name="张建国", phone="13800000001"),
                      row(village, name=already.name, phone=already.phone)])
    response = client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("名册.csv", data)})
    record = RosterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:roster_import_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE and len(record.result["new_people"]) == 2
    page = client.get(response["Location"]).content.decode()
    assert "2 名新人员需要激活码才能登录" in page
    slips = f"{reverse('people:login_slips')}?roster_import={record.pk}"
    assert slips.replace("&", "&amp;") in page or slips in page
    pdf = client.post(slips, {"days": 30})
    assert pdf["Content-Type"] == "application/pdf" and len(qr_urls(pdf.content, tmp_path)) == 2
    other = factories.bureau_staff(jurisdiction=townships[1])
    client.force_login(other)
    assert client.get(slips).status_code == 404


def test_big_groups_print_in_files_of_limited_size(client, setup, tmp_path, monkeypatch):
    from people import views

    monkeypatch.setattr(views, "SLIPS_PER_FILE", 2)
    client.force_login(setup["officer"])
    url = f"{reverse('people:login_slips')}?committee={setup['inside'].pk}"
    page = client.get(url).content.decode()
    assert "第 1–2 张（PDF）" in page and "第 3–3 张（PDF）" in page
    second = client.post(url, {"days": 30, "batch": "2"})
    assert second["Content-Type"] == "application/pdf" and len(qr_urls(second.content, tmp_path)) == 1
    assert "新人2" in pdf_text(second.content, tmp_path)  # name order: 新人0, 新人1 | 新人2
    assert client.post(url, {"days": 30, "batch": "3"}).status_code == 404
    assert AccessCode.objects.count() == 1

"""Issue 19: a certificate is its program's background (rendered once by xhtml2pdf) with the holder's fields and QR
code stamped on it. It must read, embed its font and scan like the certificate rendered whole, and a change to
what the background shows (seal, settings, program) must never print the old one."""

import io
import re
import shutil
import subprocess
from unittest import mock

import pytest
from PIL import Image
from pypdf import PdfReader

from certificates import pdf, services
from certificates.pdf import render_certificate_pdf, render_certificate_whole
from tests import factories

from .test_pdf import _fonts

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(autouse=True)
def _fresh_backgrounds():
    pdf._in_process.clear()  # the cache is cleared per test (tests/conftest.py); the worker's memo too


@pytest.fixture
def certificate(holder, program):
    return services.certificate_issue(holder=holder, program=program, announce=False)[0]


def _text(content: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _words(text: str) -> list[str]:
    return re.sub(r"\s+", " ", text).strip().split(" ")


@needs_poppler
def test_the_stamped_certificate_reads_like_the_whole_one(certificate, tmp_path):
    stamped = render_certificate_pdf(certificate)
    text = _text(stamped, tmp_path)
    for expected in ("张晓明", "人民调解员培训合格证书", certificate.serial_number, "考核合格", "扫码核验",
                     certificate.verification_url(), f"{certificate.issued_on.year}年", certificate.issuer_name):
        assert expected in text, (expected, text)
    # The same words in the same order as the certificate rendered whole by xhtml2pdf.
    assert _words(text) == _words(_text(render_certificate_whole(certificate), tmp_path))
    # The background's subset and the stamp's, both embedded (reportlab's unused Helvetica is in both renders).
    chinese = {name: embedded for name, embedded in _fonts(PdfReader(io.BytesIO(stamped))).items()
               if "WenQuanYi" in name}
    assert chinese and all(chinese.values()), chinese


@pytest.mark.skipif(shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
                    reason="zbar-tools or poppler-utils not installed")
def test_the_stamped_qr_code_scans_to_the_verification_url(certificate, tmp_path):
    (tmp_path / "c.pdf").write_bytes(render_certificate_pdf(certificate))
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "c")],
                   check=True)
    scanned = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "c.png")], capture_output=True, text=True)
    assert scanned.stdout.strip() == certificate.verification_url()


def test_a_program_background_is_made_once_and_each_holder_stamped_on_it(certificate, program, committee):
    other = services.certificate_issue(holder=factories.mediator(committee=committee, name="李四"), program=program,
                                       announce=False)[0]
    with mock.patch.object(pdf, "make_background", wraps=pdf.make_background) as made:
        first, second = render_certificate_pdf(certificate), render_certificate_pdf(other)
        pdf._in_process.clear()  # another worker process: the cache serves it
        render_certificate_pdf(other)
    assert made.call_count == 1
    assert "张晓明" in PdfReader(io.BytesIO(first)).pages[0].extract_text()
    assert "李四" in PdfReader(io.BytesIO(second)).pages[0].extract_text()


def _seal(colour: str) -> tuple[str, io.BytesIO]:
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), colour).save(buffer, format="PNG")
    buffer.seek(0)
    return "seal.png", buffer


def _images(content: bytes) -> list[tuple[int, int]]:
    page = PdfReader(io.BytesIO(content)).pages[0]
    return [(int(x.get_object()["/Width"]), int(x.get_object()["/Height"]))
            for x in page["/Resources"].get("/XObject", {}).values()]


def test_a_new_seal_or_new_settings_make_a_new_background(certificate, program):
    from django.core.files.uploadedfile import SimpleUploadedFile

    certificate_settings = pdf.current_settings()
    before_key = pdf.background_key(certificate, certificate_settings)
    assert not _images(render_certificate_pdf(certificate))  # no seal yet (and the QR code is vector squares)
    name, content = _seal("red")
    certificate_settings.seal = SimpleUploadedFile(name, content.read(), content_type="image/png")
    certificate_settings.save()
    after = pdf.current_settings()
    assert pdf.background_key(certificate, after) != before_key
    assert _images(render_certificate_pdf(certificate)) == [(240, 240)]  # the seal is printed at once
    after.signatory_name = "王建军"
    after.save()
    assert "王建军" in PdfReader(io.BytesIO(render_certificate_pdf(certificate))).pages[0].extract_text()
    program.name = "人民调解员岗前培训合格证书"
    program.save()
    certificate.refresh_from_db()
    assert "岗前培训" in PdfReader(io.BytesIO(render_certificate_pdf(certificate))).pages[0].extract_text()


def test_a_renewal_gets_its_new_number_on_the_same_background(certificate):
    staff = factories.administrator()
    key = pdf.background_key(certificate, pdf.current_settings())
    render_certificate_pdf(certificate)
    renewed = services.certificate_renew(certificate=certificate, renewed_by=staff, reason="提前换证", announce=False)
    assert pdf.background_key(renewed, pdf.current_settings()) == key
    with mock.patch.object(pdf, "make_background") as made:
        text = PdfReader(io.BytesIO(render_certificate_pdf(renewed))).pages[0].extract_text()
    made.assert_not_called()
    assert renewed.serial_number != certificate.serial_number
    assert renewed.serial_number in text and certificate.serial_number not in text


def test_a_name_too_long_for_its_line_is_rendered_whole(certificate):
    certificate.holder.name = "阿卜杜热合曼·买买提依明·艾合买提江·吐尔逊托合提·阿不都热西提·阿卜杜拉"
    with mock.patch.object(pdf, "render_certificate_whole", wraps=pdf.render_certificate_whole) as whole:
        text = PdfReader(io.BytesIO(render_certificate_pdf(certificate))).pages[0].extract_text()
    whole.assert_called_once()
    assert "阿卜杜热合曼" in text


def test_reportlab_formats_numbers_with_its_c_accelerator():
    """``rl_accel`` (a dependency) gives reportlab its C number formatting; without it every coordinate of every
    certificate is formatted in pure Python (issue #19: the stamp ~20 % slower)."""
    import types

    from reportlab.lib import rl_accel

    assert isinstance(rl_accel.fp_str, types.BuiltinFunctionType), rl_accel.fp_str


def test_the_certificate_settings_read_is_the_orms(certificate):
    """``current_settings`` runs SQL built once; it gives the row the ORM's query gives (and the default site's
    defaults, made by Wagtail's settings, when the site has none yet: never another site's row)."""
    from wagtail.models import Page, Site

    from certificates.models import CertificateSettings
    from certificates.pdf import current_settings

    site = Site.objects.get(is_default_site=True)
    other = Site.objects.create(hostname="other.example", root_page=Page.objects.get(depth=1))
    CertificateSettings.objects.filter(site=site).delete()
    CertificateSettings.objects.create(site=other, signatory_name="另一个站点")
    made = current_settings()
    assert made.site_id == site.pk and made.signatory_name != "另一个站点"
    orm = CertificateSettings.objects.filter(site__is_default_site=True).first()
    built = current_settings()
    assert built.pk == orm.pk == made.pk
    for field in CertificateSettings._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(orm, field.attname), field.name

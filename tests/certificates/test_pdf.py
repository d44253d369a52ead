import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from certificates import services
from certificates.pdf import render_certificate_pdf


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Font name → whether its program is embedded, for every font on the pages."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


@pytest.fixture
def certificate(holder, program):
    return services.certificate_issue(holder=holder, program=program, announce=False)[0]


def test_the_pdf_is_a4_landscape_with_the_chinese_name_and_an_embedded_font(certificate):
    content = render_certificate_pdf(certificate)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, points
    fonts = _fonts(reader)
    assert any("WenQuanYi" in name and embedded for name, embedded in fonts.items()), fonts
    text = reader.pages[0].extract_text()
    for expected in ("张晓明", "人民调解员培训合格证书", certificate.serial_number, "考核合格", "扫码核验"):
        assert expected in text, (expected, text)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_the_chinese_name(certificate, tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(render_certificate_pdf(certificate))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "张晓明" in text and "司法局" in text


def _stored_text(certificate) -> str:
    with certificate.pdf.open("rb") as pdf:
        return PdfReader(io.BytesIO(pdf.read())).pages[0].extract_text()


def test_render_is_idempotent_and_force_renders_again(certificate, django_capture_on_commit_callbacks):
    first = services.certificate_pdf_render(certificate=certificate)
    name = first.pdf.name
    assert "张晓明" in _stored_text(first)
    # The PDF is drawn from the data: after a change, only a forced render shows it.
    certificate.holder.name = "张晓明明"
    certificate.holder.save(update_fields=["name"])
    kept = services.certificate_pdf_render(certificate=certificate)
    assert kept.pdf.name == name and "张晓明明" not in _stored_text(kept)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.certificate_pdf_render(certificate=certificate, force=True)
    assert "张晓明明" in _stored_text(again)
    stored = again.pdf.storage
    # A new file under a new name, recorded on the row; the old file is removed once the new name is committed.
    assert again.pdf.name != name and stored.exists(again.pdf.name) and not stored.exists(name)
    certificate.refresh_from_db()
    assert certificate.pdf.name == again.pdf.name

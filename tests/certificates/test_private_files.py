"""Issue 11, item 1: certificate PDFs are private files, served only to their holder and the bureau over them."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from certificates import services
from certificates.models import Certificate
from tests import factories


@pytest.fixture
def certificate(holder, program):
    certificate = services.certificate_issue(holder=holder, program=program, announce=False)[0]
    return services.certificate_pdf_render(certificate=certificate)


def _files_under(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


def test_the_pdf_lives_in_private_storage_under_a_name_that_says_nothing(certificate, settings):
    assert _files_under(settings.MEDIA_ROOT) == []  # nothing under the public media tree
    stored = _files_under(settings.PRIVATE_MEDIA_ROOT)
    assert len(stored) == 1 and stored[0].read_bytes().startswith(b"%PDF")
    name = certificate.pdf.name
    serial_parts = certificate.serial_number.split("-")
    assert not any(part in name for part in serial_parts), name  # no region, year or number
    assert "张晓明" not in name and len(Path(name).stem) >= 32
    with pytest.raises(ValueError, match="no public URL"):
        certificate.pdf.url  # noqa: B018


def test_two_renders_never_share_a_name(certificate):
    first = certificate.pdf.name
    again = services.certificate_pdf_render(certificate=certificate, force=True)
    assert again.pdf.name != first


@pytest.mark.parametrize(("who", "allowed"), [
    ("holder", True), ("bureau_in", True), ("bureau_out", False), ("other_learner", False), ("lecturer", False),
])
def test_the_download_checks_holder_or_jurisdiction(client, certificate, townships, who, allowed):
    users = {
        "holder": lambda: certificate.holder,
        "bureau_in": lambda: factories.bureau_staff(jurisdiction=townships[0]),
        "bureau_out": lambda: factories.bureau_staff(jurisdiction=townships[1]),
        "other_learner": lambda: factories.mediator(),
        "lecturer": lambda: factories.lecturer(),
    }
    client.force_login(users[who]())
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    if allowed:
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert certificate.serial_number in response["Content-Disposition"]
    else:
        assert response.status_code == 404


def test_anonymous_download_goes_to_login(client, certificate):
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_behind_nginx_the_proxy_sends_the_file_after_the_check(client, certificate, settings):
    settings.PRIVATE_FILES_PROXY = "x-accel-redirect"
    settings.PRIVATE_FILES_ACCEL_PREFIX = "/private-files/"
    client.force_login(certificate.holder)
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/private-files/{certificate.pdf.name}"
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    client.force_login(factories.mediator())  # a stranger gets no header to follow
    refused = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_x_sendfile_names_the_absolute_path(client, certificate, settings):
    settings.PRIVATE_FILES_PROXY = "x-sendfile"
    client.force_login(certificate.holder)
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response["X-Sendfile"] == str(Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf.name)


def test_the_migration_moves_existing_public_pdfs_into_private_storage(holder, program, settings):
    certificate = services.certificate_issue(holder=holder, program=program, announce=False)[0]
    old_name = f"certificates/pdf/2026/{certificate.serial_number}.pdf"
    public = storages["default"]
    public.save(old_name, ContentFile(b"%PDF-1.4 old"))
    Certificate.objects.filter(pk=certificate.pk).update(pdf=old_name)
    missing = services.certificate_issue(holder=factories.mediator(committee=holder.memberships.get().committee),
                                         program=program, announce=False)[0]
    Certificate.objects.filter(pk=missing.pk).update(pdf="certificates/pdf/2026/gone.pdf")

    migration = importlib.import_module("certificates.migrations.0004_i11_private_certificate_files")
    migration.move_pdfs_to_private_storage(apps, None)
    migration.move_pdfs_to_private_storage(apps, None)  # a second run changes nothing

    certificate.refresh_from_db()
    assert not public.exists(old_name) and _files_under(settings.MEDIA_ROOT) == []
    assert certificate.pdf.name.startswith("certificates/") and certificate.serial_number not in certificate.pdf.name
    assert storages["private"].open(certificate.pdf.name).read() == b"%PDF-1.4 old"
    missing.refresh_from_db()
    assert missing.pdf.name == ""  # rendered again on its next download

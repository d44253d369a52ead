"""Issue 11, item 5: the seal, signatory and issuing settings are changed only by the bureau's administrators, the
seal is a protected file of its own (not a library image anyone with image rights can overwrite), and every
change is in the audit log."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image
from wagtail.models import ModelLogEntry, Site

from certificates import pdf
from certificates.models import CertificateSettings
from tests import factories

pytestmark = pytest.mark.django_db


def _png(colour="red") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), colour).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "seal.png"
    return buffer


def _edit_url() -> str:
    return reverse("wagtailsettings:edit", args=["certificates", "certificatesettings", Site.objects.get().pk])


def _form(**fields):
    return {"signatory_name": "王建军", "signatory_title": "局长", "footer_note": "扫码核验", **fields}


def test_an_administrator_sets_the_seal_which_is_kept_privately_and_logged(client, settings):
    admin = factories.administrator()
    client.force_login(admin)
    response = client.post(_edit_url(), _form(seal=_png()))
    assert response.status_code == 302, response.content.decode()[-2000:]
    saved = CertificateSettings.objects.get()
    assert saved.signatory_name == "王建军" and saved.seal.name.startswith("seals/")
    assert Path(saved.seal.path).is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.png"))
    assert pdf._seal_uri(saved).startswith("data:image/jpeg;base64,")  # the PDF prints it
    entry = ModelLogEntry.objects.for_instance(saved).get()
    assert entry.action == "wagtail.edit" and entry.user_id == admin.pk
    # Credentials name the seal as the issuer's image: a public JPEG made from the private file.
    client.logout()
    image = client.get("/credentials/issuer/").json()["image"]["id"]
    assert image.endswith(reverse("certificates:issuer_seal"))
    seal = client.get(reverse("certificates:issuer_seal"))
    assert seal["Content-Type"] == "image/jpeg" and Image.open(io.BytesIO(seal.content)).size == (240, 240)


@pytest.mark.parametrize("role", ["lecturer", "township_officer", "county_officer"])
def test_lecturers_and_bureau_officers_cannot_open_or_post_the_settings(client, townships, role):
    user = {"lecturer": factories.lecturer, "township_officer": lambda: factories.bureau_staff(
        jurisdiction=townships[0]), "county_officer": lambda: factories.bureau_staff(
        jurisdiction=townships[0].get_parent())}[role]()
    client.force_login(user)
    assert client.get(_edit_url()).status_code in (302, 403)
    client.post(_edit_url(), _form(signatory_name="冒名者", seal=_png("blue")))
    current = CertificateSettings.objects.filter(site=Site.objects.get()).first()
    assert current is None or (current.signatory_name != "冒名者" and not current.seal)


def test_the_seal_is_not_a_library_image():
    field = CertificateSettings._meta.get_field("seal")
    assert not field.is_relation  # a lecturer's image rights never reach it
    assert field.storage.__class__.__name__ == "PrivateFileSystemStorage"

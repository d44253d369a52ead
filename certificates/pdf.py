"""A certificate as an A4 landscape PDF: the Django template ``certificates/certificate_pdf.html`` (a bureau may
restyle it) rendered by xhtml2pdf, with WenQuanYi Micro Hei embedded so Chinese prints on any viewer."""


import io
from functools import lru_cache

from PIL import Image as PILImage

from people.files import private_storage
from people.pdf import PdfError, data_uri, qr_png, register_font, render_pdf

from .exceptions import CertificateError
from .models import Certificate, CertificateSettings

TEMPLATE = "certificates/certificate_pdf.html"


def _seal_uri(certificate_settings: CertificateSettings) -> str:
    if not certificate_settings.seal:
        return ""
    return data_uri(seal_jpeg(certificate_settings.seal.name), "image/jpeg")


@lru_cache(maxsize=4)
def seal_jpeg(name: str) -> bytes:
    """A small JPEG of the seal on white, made once per process and seal file (a new seal has a new name):
    reportlab embeds a JPEG as it is, while a PNG with transparency is recompressed with a mask on every render
    (~30 ms)."""
    with private_storage().open(name, "rb") as source:
        seal = PILImage.open(source)
        seal.load()
    seal.thumbnail((240, 240))
    on_white = PILImage.new("RGB", seal.size, "white")
    on_white.paste(seal, mask=seal.convert("RGBA").getchannel("A"))
    buffer = io.BytesIO()
    on_white.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF bytes for a certificate, from its data alone (so it can be rendered again at any time)."""
    from .services import site_setting

    font = register_font()
    certificate_settings = site_setting(CertificateSettings)
    context = {
        "certificate": certificate,
        "font_name": font,
        "verification_url": certificate.verification_url(),
        "qr_code": data_uri(qr_png(certificate.verification_url())),
        "seal": _seal_uri(certificate_settings),
        "settings": certificate_settings,
    }
    try:
        return render_pdf(TEMPLATE, context)
    except PdfError as error:
        raise CertificateError(f"PDF rendering failed for certificate {certificate.pk}: {error}") from error

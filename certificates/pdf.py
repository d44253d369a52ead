"""A certificate as an A4 landscape PDF: the Django template ``certificates/certificate_pdf.html`` (a bureau may
restyle it) rendered by xhtml2pdf, with WenQuanYi Micro Hei embedded so Chinese prints on any viewer."""


from people.pdf import PdfError, data_uri, qr_png, register_font, render_pdf

from .exceptions import CertificateError
from .models import Certificate, CertificateSettings

TEMPLATE = "certificates/certificate_pdf.html"


def _seal_uri(certificate_settings: CertificateSettings) -> str:
    if not certificate_settings.seal_id:
        return ""
    # A small JPEG on white (made once, then reused): reportlab embeds a JPEG as it is, while a PNG with
    # transparency is recompressed with a mask on every render (~30 ms).
    rendition = certificate_settings.seal.get_rendition("max-240x240|bgcolor-ffffff|format-jpeg|jpegquality-90")
    with rendition.file.open("rb") as seal:
        return data_uri(seal.read(), "image/jpeg")


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

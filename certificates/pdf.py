"""A certificate as an A4 landscape PDF: the Django template ``certificates/certificate_pdf.html`` (a bureau may
restyle it) rendered by xhtml2pdf, with WenQuanYi Micro Hei embedded so Chinese prints on any viewer."""

import base64
import io
from functools import cache, lru_cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image as PILImage
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from people.files import private_storage

from .exceptions import CertificateError
from .models import Certificate, CertificateSettings

FONT_NAME = "wqy-microhei"
TEMPLATE = "certificates/certificate_pdf.html"


@cache
def register_font() -> str:
    """Register the TrueType font with reportlab once per process and let CSS name it. (Noto CJK .otf/.ttc
    cannot be used: reportlab refuses PostScript outlines; reportlab's STSong-Light is never embedded.)"""
    path = Path(settings.CERTIFICATE_FONT_PATH)
    if not path.exists():
        raise CertificateError(f"Chinese font not found at {path}: set CERTIFICATE_FONT_PATH")
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    xhtml2pdf_default.DEFAULT_FONT[FONT_NAME] = FONT_NAME
    return FONT_NAME


def _data_uri(content: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def qr_png(url: str) -> bytes:
    image = qrcode.make(url, box_size=8, border=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _seal_uri(certificate_settings: CertificateSettings) -> str:
    if not certificate_settings.seal:
        return ""
    return _data_uri(_seal_jpeg(certificate_settings.seal.name), "image/jpeg")


@lru_cache(maxsize=4)
def _seal_jpeg(name: str) -> bytes:
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
        "qr_code": _data_uri(qr_png(certificate.verification_url())),
        "seal": _seal_uri(certificate_settings),
        "settings": certificate_settings,
    }
    # The certificate is a Chinese document whatever language the person who triggered it reads.
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(TEMPLATE, context)
    output = io.BytesIO()
    # Images arrive as data: URIs; nothing else may be read, and nothing fetched from a network.
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=Path(settings.BASE_DIR) / "site" / "static")
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise CertificateError(f"PDF rendering failed for certificate {certificate.pk}")
    return output.getvalue()

"""PDFs with Chinese text: xhtml2pdf with WenQuanYi Micro Hei embedded (certificates, login slips), and QR codes.

Lives in people, the lowest app, so every app above renders its PDFs the same way."""

import base64
import io
from functools import cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

FONT_NAME = "wqy-microhei"


class PdfError(RuntimeError):
    """The font is missing or xhtml2pdf could not render the document."""


@cache
def register_font() -> str:
    """Register the TrueType font with reportlab once per process and let CSS name it. (Noto CJK .otf/.ttc
    cannot be used: reportlab refuses PostScript outlines; reportlab's STSong-Light is never embedded.)"""
    path = Path(settings.CERTIFICATE_FONT_PATH)
    if not path.exists():
        raise PdfError(f"Chinese font not found at {path}: set CERTIFICATE_FONT_PATH")
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    xhtml2pdf_default.DEFAULT_FONT[FONT_NAME] = FONT_NAME
    return FONT_NAME


def data_uri(content: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def qr_png(url: str, box_size: int = 8) -> bytes:
    image = qrcode.make(url, box_size=box_size, border=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def html_to_pdf(html: str) -> bytes:
    """Render HTML (the font registered, images as data: URIs) to PDF bytes. Nothing is read from outside
    site/static and nothing is fetched from a network."""
    output = io.BytesIO()
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=Path(settings.BASE_DIR) / "site" / "static")
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise PdfError("PDF rendering failed")
    return output.getvalue()


def render_pdf(template: str, context: dict) -> bytes:
    """A printed document (certificate, login slips, sign-in sheet) from a Django template. Printed documents are
    Chinese whatever language the person who asked for them reads; the context brings images as data: URIs."""
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template, context)
    return html_to_pdf(html)

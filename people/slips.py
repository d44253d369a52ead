"""Login slips: A4 pages of eight cut-out slips, each with a person's name, committee, masked phone, the site's
address, their activation code and a QR code that opens the activation page with the code filled in.

The codes exist in clear only inside the PDF being returned (the database keeps their hashes), so the PDF is made
on request and served straight from the jurisdiction-checked view, never saved under /media/."""

from datetime import datetime

from django.conf import settings

from .access_codes import access_code_format, activation_url
from .pdf import data_uri, qr_png, register_font, render_pdf

SLIPS_PER_PAGE = 8
SLIPS_PER_FILE = 160  # 20 pages; see people.views.login_slips


def render_slips_pdf(*, rows: list[dict], codes: list[str], expires_at: datetime, bureau_name: str) -> bytes:
    """``rows`` from ``selectors.slip_rows`` and their ``codes`` in the same order."""
    slips = [{
        **row,
        "code": access_code_format(code),
        "qr_code": data_uri(qr_png(activation_url(code), box_size=4)),
    } for row, code in zip(rows, codes, strict=True)]
    pages = [slips[start:start + SLIPS_PER_PAGE] for start in range(0, len(slips), SLIPS_PER_PAGE)]
    context = {
        "font_name": register_font(),
        "pages": [[page[i:i + 2] for i in range(0, len(page), 2)] for page in pages],
        "site_address": settings.WAGTAILADMIN_BASE_URL,
        "expires_at": expires_at,
        "bureau_name": bureau_name,
    }
    # Slips are Chinese documents whatever language the officer printing them reads.
    return render_pdf("people/login_slips_pdf.html", context)

"""A session's printable sign-in sheet (签到表): A4 portrait, attendees with their committee, a signature column and
the session's check-in QR code. Rendered like certificates: xhtml2pdf with the embedded Chinese font."""

import base64
import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from certificates.pdf import qr_png, register_font
from courses import selectors as course_selectors
from courses.models import RotationSession

from .exceptions import RotationError

TEMPLATE = "rotation/sign_in_sheet_pdf.html"
BLANK_LINES = 5  # walk-ins write themselves in


def render_sign_in_sheet(*, session: RotationSession, checkin_url: str) -> bytes:
    roster = course_selectors.session_roster(session=session)
    context = {
        "session": session,
        "font_name": register_font(),
        "roster": roster,
        "blank_lines": range(len(roster) + 1, len(roster) + 1 + BLANK_LINES),
        "modules": list(session.modules.order_by("path")),
        "lecturers": list(session.lecturers.order_by("name")),
        "checkin_url": checkin_url,
        "qr_code": "data:image/png;base64," + base64.b64encode(qr_png(checkin_url)).decode(),
    }
    # A paper form for the township: Chinese whatever language the person printing it reads.
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(TEMPLATE, context)
    output = io.BytesIO()
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=Path(settings.BASE_DIR) / "site" / "static")
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise RotationError(f"PDF rendering failed for session {session.pk}")
    return output.getvalue()

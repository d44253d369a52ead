"""A session's printable sign-in sheet (签到表): A4 portrait, attendees with their committee, a signature column and
the session's check-in QR code. Rendered like certificates: xhtml2pdf with the embedded Chinese font."""

from courses import selectors as course_selectors
from courses.models import RotationSession
from people.pdf import data_uri, qr_png, register_font, render_pdf

TEMPLATE = "rotation/sign_in_sheet_pdf.html"
BLANK_LINES = 5  # walk-ins write themselves in


def render_sign_in_sheet(*, session: RotationSession, checkin_url: str) -> bytes:
    roster = course_selectors.session_roster(session=session)
    return render_pdf(TEMPLATE, {
        "session": session,
        "font_name": register_font(),
        "roster": roster,
        "blank_lines": range(len(roster) + 1, len(roster) + 1 + BLANK_LINES),
        "modules": list(session.modules.order_by("path")),
        "lecturers": list(session.lecturers.order_by("name")),
        "checkin_url": checkin_url,
        "qr_code": data_uri(qr_png(checkin_url)),
    })

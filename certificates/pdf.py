"""A certificate as an A4 landscape PDF: the Django template ``certificates/certificate_pdf.html`` (a bureau may
restyle it) rendered by xhtml2pdf, with WenQuanYi Micro Hei embedded so Chinese prints on any viewer.

xhtml2pdf costs ~12x a bare reportlab page, and nearly all of it is the part every holder of a program shares
(frame, titles, seal, issuer, the font). So that part is rendered once — the *background* — and each certificate
stamps its holder's fields and QR code on it with reportlab, merged with pypdf (~2x the bare page):

1. The template is rendered with markers in place of the fields (``§N§``…) and a blank image in place of the QR
   code. Reading that PDF's content stream tells where each marker was drawn (baseline, size, colour), with the
   text that follows it on its line (the rest of the sentence after the name), and where the QR image went.
2. The markers, the text after them and the blank image are taken out of the content stream; what is left is the
   background, kept in the cache under a digest of everything it was made from (template source, program, issuer,
   certificate settings and seal, font, layout version): a change to any of them makes a new key, so a changed
   seal or program is never printed with the old background.
3. Per certificate: a reportlab page with the fields at the markers' places (text after a field moves by the
   field's width), the QR code's modules as vector squares in the image's box, merged over the background.

A field that would not fit on its line (a very long name) falls back to rendering the certificate whole, as before.
"""

import dataclasses
import hashlib
import io
import logging
import os
import re
from functools import lru_cache

import qrcode
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.template.loader import get_template
from django.utils.dateformat import format as date_format
from PIL import Image as PILImage
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, ContentStream, NameObject
from qrcode.exceptions import DataOverflowError
from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from wagtail.models import Site

from people.fast_sql import one_row
from people.files import private_storage
from people.pdf import PdfError, data_uri, qr_png, register_font, render_pdf

from .exceptions import CertificateError
from .models import Certificate, CertificateSettings

TEMPLATE = "certificates/certificate_pdf.html"
DATE_FORMAT = "Y年n月j日"
# Bumped when the way backgrounds are made or read changes, so old cached ones are not used.
LAYOUT_VERSION = 1
BACKGROUND_CACHE_SECONDS = 30 * 24 * 3600
# Markers drawn where the fields go: short (never wrapped), and nothing a certificate prints otherwise.
MARKERS = {"name": "§N§", "serial_number": "§S§", "issued_on": "§I§", "expires_on": "§E§",
           "verification_url": "§U§"}
QR_BORDER = 1  # modules of white around the code, as people.pdf.qr_png draws it
QR_MASK = 2
BLANK_QR_PIXELS = (7, 5)  # the blank image that holds the QR code's place: a size no other image has

log = logging.getLogger(__name__)


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


def certificate_fields(certificate: Certificate) -> dict[str, str]:
    """What the certificate prints that differs between holders, as printed."""
    return {"name": certificate.holder.name, "serial_number": certificate.serial_number,
            "issued_on": date_format(certificate.issued_on, DATE_FORMAT),
            "expires_on": date_format(certificate.expires_on, DATE_FORMAT),
            "verification_url": certificate.verification_url()}


@lru_cache
def _default_site_condition() -> str:
    quote = connection.ops.quote_name
    return (f"{quote('site_id')} IN (SELECT {quote('id')} FROM {quote(Site._meta.db_table)}"  # noqa: S608  (our own names)
            f" WHERE {quote('is_default_site')})")


def current_settings() -> CertificateSettings:
    """The default site's certificate settings in one query (``services.site_setting`` takes two, and a bulk
    issue asks once per certificate); the defaults when there is no site or no row yet. Not cached: a seal changed
    a moment ago must print at once. The query runs from SQL built once (``people.fast_sql``: the ORM's
    ``CertificateSettings.objects.filter(site__is_default_site=True).first()`` spent ~0.45 ms of each ~5 ms stamp
    compiling it; tests/certificates/test_stamp.py proves the two agree)."""
    from .services import site_setting

    found = one_row(CertificateSettings, _default_site_condition(), [])
    return found if found is not None else site_setting(CertificateSettings)


def _context(certificate: Certificate, certificate_settings: CertificateSettings, fields: dict, qr_code: str):
    return {"certificate": certificate, "font_name": register_font(), "fields": fields, "qr_code": qr_code,
            "verification_url": fields["verification_url"], "seal": _seal_uri(certificate_settings),
            "settings": certificate_settings}


def render_certificate_whole(certificate: Certificate) -> bytes:
    """The whole certificate through xhtml2pdf (the reference the stamped one must look like)."""
    fields = certificate_fields(certificate)
    context = _context(certificate, current_settings(), fields, data_uri(qr_png(fields["verification_url"])))
    try:
        return render_pdf(TEMPLATE, context)
    except PdfError as error:
        raise CertificateError(f"PDF rendering failed for certificate {certificate.pk}: {error}") from error


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF bytes for a certificate, from its data alone (so it can be rendered again at any time): its
    program's background with the holder's fields stamped on it, or rendered whole when they do not fit."""
    certificate_settings = current_settings()
    try:
        background = certificate_background(certificate, certificate_settings)
        stamped = stamp(background, certificate_fields(certificate))
    except PdfError as error:
        raise CertificateError(f"PDF rendering failed for certificate {certificate.pk}: {error}") from error
    return stamped if stamped is not None else render_certificate_whole(certificate)


# The background -------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Run:
    """Text drawn at one place: baseline origin in page space, size in points, fill colour."""

    text: str
    x: float
    y: float
    size: float
    rgb: tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class Slot:
    """Where one field is printed, and the text that follows it on its line (it moves with the field's width)."""

    marker: Run
    after: tuple[Run, ...] = ()
    wraps: bool = False  # the text after it went on to the next line


@dataclasses.dataclass(frozen=True)
class Background:
    """The background as ready-numbered PDF objects (all but its page), and what the stamp needs to add its own:
    the page's dictionary is written per certificate with the stamp's fonts and content stream added."""

    objects: bytes  # "1 0 obj … endobj" … as pypdf wrote them, the page object left out
    offsets: tuple[tuple[int, int], ...]  # (object number, offset in ``objects``)
    page_number: int
    root_number: int
    size: int  # one more than the highest object number
    page_start: bytes  # the page dictionary up to its font entries
    page_contents: bytes  # the background's content stream reference(s)
    width: float
    height: float
    slots: dict[str, Slot]
    qr_box: tuple[float, float, float, float] | None  # x, y, width, height
    right_limit: float  # where a stamped line must end (the frame's content edge)


def background_key(certificate: Certificate, certificate_settings: CertificateSettings) -> str:
    """A digest of everything the background is made from: a change to any of them is a new background."""
    source = _template_source()
    program = certificate.program
    parts = [LAYOUT_VERSION, source, settings.CERTIFICATE_FONT_PATH, settings.LANGUAGE_CODE, program.pk, program.name,
             program.description, certificate.issuer_name, certificate_settings.seal.name or "",
             certificate_settings.signatory_name, certificate_settings.signatory_title,
             certificate_settings.footer_note]
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f"certificate-background:{digest}"


@lru_cache(maxsize=1)
def _template_file() -> str:
    return get_template(TEMPLATE).origin.name


@lru_cache(maxsize=4)
def _template_text(path: str, modified: int) -> str:
    with open(path, encoding="utf-8") as source:
        return source.read()


def _template_source() -> str:
    """The template's text, read again only when its file changes (compiling it per certificate cost 0.7 ms)."""
    path = _template_file()
    return _template_text(path, os.stat(path).st_mtime_ns)


_in_process: dict[str, Background] = {}  # the few backgrounds a worker is stamping now, without a cache trip


def certificate_background(certificate: Certificate,
                           certificate_settings: CertificateSettings | None = None) -> Background:
    """The background of this certificate's program and issuer: from this process, the cache, or made now."""
    certificate_settings = certificate_settings or current_settings()
    key = background_key(certificate, certificate_settings)
    background = _in_process.get(key) or cache.get(key)
    if background is None:
        background = make_background(certificate, certificate_settings)
        cache.set(key, background, BACKGROUND_CACHE_SECONDS)
    if len(_in_process) >= 8:
        _in_process.clear()
    _in_process[key] = background
    return background


def _blank_qr_uri() -> str:
    buffer = io.BytesIO()
    PILImage.new("RGB", BLANK_QR_PIXELS, "white").save(buffer, format="PNG")
    return data_uri(buffer.getvalue())


def make_background(certificate: Certificate, certificate_settings: CertificateSettings) -> Background:
    """Render the template with markers and a blank QR image, find where they went, and take them out."""
    context = _context(certificate, certificate_settings, dict(MARKERS), _blank_qr_uri())
    reader = PdfReader(io.BytesIO(render_pdf(TEMPLATE, context)))
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    content = ContentStream(page.get_contents(), writer)
    walk = _Walk(page)
    kept = walk.run(content.operations)
    # Rename the background's resources (/F1 → /BgF1…) so that merging the stamp never has to rename anything.
    resources = page["/Resources"]
    images = resources.get("/XObject")
    for name in [name for name, size in walk.images.items() if size == BLANK_QR_PIXELS]:
        del images.get_object()[name]  # nothing draws it any more
    renamed = {}
    for kind in ("/Font", "/XObject", "/ExtGState", "/Pattern", "/Shading", "/ColorSpace"):
        if kind in resources:
            group = resources[kind].get_object()
            for name in list(group.keys()):
                renamed[name] = NameObject("/Bg" + name[1:])
                group[renamed[name]] = group.pop(name)
    content.operations = [([renamed.get(o, o) if isinstance(o, NameObject) else o for o in operands], op)
                          for operands, op in kept]
    # Its own graphics state: nothing it leaves set reaches the stamp drawn after it.
    content.operations = [([], b"q"), *content.operations, ([], b"Q")]
    page.replace_contents(content)
    output = io.BytesIO()
    writer.write(output)
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    data = output.getvalue()
    written = PdfReader(io.BytesIO(data))
    spans = _object_spans(data, {number: offset for number, (_generation, offset) in _xref(written).items()})
    page = written.pages[0]
    page_number = page.indirect_reference.idnum
    resources = page["/Resources"].get_object()
    others = b" ".join(_serialized(key) + b" " + _serialized(value) for key, value in resources.items()
                       if key != "/Font")
    fonts = b" ".join(_serialized(name) + b" " + _serialized(font)
                      for name, font in resources.get("/Font", {}).get_object().items())
    contents = page.get("/Contents")
    contents = (b" ".join(_serialized(item) for item in contents) if isinstance(contents, list)
                else _serialized(page.raw_get("/Contents")))
    objects, offsets = b"", []
    for number, body in spans:
        if number != page_number:
            offsets.append((number, len(objects)))
            objects += body
    return Background(
        objects=objects, offsets=tuple(offsets), page_number=page_number,
        root_number=written.trailer.raw_get("/Root").idnum, size=max(n for n, _body in spans) + 1,
        page_start=(b"<< /Type /Page /Parent " + _serialized(page.raw_get("/Parent"))
                    + b" /MediaBox [0 0 %s %s] /Resources << " % (_number(width), _number(height))
                    + others + b" /Font << " + fonts),
        page_contents=contents, width=width, height=height, slots=walk.slots(), qr_box=walk.qr_box,
        right_limit=width - walk.left_edge())


def _serialized(value) -> bytes:
    stream = io.BytesIO()
    value.write_to_stream(stream)
    return stream.getvalue()


def _number(value: float) -> bytes:
    return (b"%.4f" % value).rstrip(b"0").rstrip(b".")


def _xref(reader: PdfReader) -> dict[int, tuple[int, int]]:
    """Object number → (generation, offset) of a PDF with a classic cross-reference table."""
    return {number: (generation, offset) for generation, table in reader.xref.items()
            for number, offset in table.items()}


def _object_spans(data: bytes, offsets: dict[int, int]) -> list[tuple[int, bytes]]:
    """Each object's bytes ("N 0 obj … endobj"), in file order: objects are written one after another, the last
    one ending where the cross-reference table starts."""
    end = data.rindex(b"\nxref") + 1
    ordered = sorted((offset, number) for number, offset in offsets.items() if number)
    return [(number, data[offset:(ordered[i + 1][0] if i + 1 < len(ordered) else end)])
            for i, (offset, number) in enumerate(ordered)]


_REFERENCE = re.compile(rb"(\d+) 0 R")


def _link(background: Background, overlay: bytes) -> bytes:
    """One PDF of the background's objects and the stamp's (renumbered after them), the page showing both.
    (pypdf's merge_page does this generically, parsing both content streams, at ~5x the cost of the stamp.)"""
    reader = PdfReader(io.BytesIO(overlay))
    page = reader.pages[0]
    shift = background.size
    renumber = lambda match: b"%d 0 R" % (int(match.group(1)) + shift)  # noqa: E731
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    positions = {}
    base = len(out)
    out += background.objects
    for number, offset in background.offsets:
        positions[number] = base + offset
    overlay_numbers = []
    for number, body in _object_spans(overlay, {n: o for n, (_g, o) in _xref(reader).items()}):
        head, stream, tail = body.partition(b"stream")
        head = re.sub(rb"^\s*(\d+) 0 obj", lambda m: b"%d 0 obj" % (int(m.group(1)) + shift), head, count=1)
        positions[number + shift] = len(out)
        overlay_numbers.append(number + shift)
        out += _REFERENCE.sub(renumber, head) + stream + tail
    fonts = b" ".join(_serialized(name) + b" %d 0 R" % (font.idnum + shift)
                      for name, font in page["/Resources"]["/Font"].get_object().items())
    contents = page.raw_get("/Contents")
    stamp_contents = b" ".join(b"%d 0 R" % (item.idnum + shift) for item in (
        contents.get_object() if isinstance(contents.get_object(), list) else [contents]))
    positions[background.page_number] = len(out)
    out += (b"%d 0 obj\n" % background.page_number + background.page_start + b" " + fonts + b" >> >> /Contents ["
            + background.page_contents + b" " + stamp_contents + b"] >>\nendobj\n")
    size = max(positions) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % positions[number]) if number in positions else b"0000000000 65535 f \n"
    out += (b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, background.root_number, xref_at))
    return bytes(out)


def _multiply(m1, m2):
    a, b, c, d, e, f = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2)


IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class _Font:
    """What the walk needs of a font: bytes → text (its ToUnicode map) and the width of each code."""

    def __init__(self, font):
        font = font.get_object()
        self.codes: dict[int, str] = {}
        if "/ToUnicode" in font:
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for code, unicode in re.findall(r"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]{4,8})>", cmap):
                self.codes[int(code, 16)] = bytes.fromhex(unicode).decode("utf-16-be")
        self.first = int(font.get("/FirstChar", 0))
        self.widths = [float(w) for w in font.get("/Widths", [])]

    def text(self, data: bytes) -> str:
        return "".join(self.codes.get(byte, chr(byte)) for byte in data)

    def width(self, data: bytes, size: float) -> float:
        widths = self.widths
        return sum(widths[b - self.first] if 0 <= b - self.first < len(widths) else 0 for b in data) * size / 1000


def _string_bytes(part):
    """A string operand as its bytes (pypdf reads some as text); numbers as they are."""
    if isinstance(part, str):
        return part.get_original_bytes() if hasattr(part, "get_original_bytes") else part.encode("latin-1")
    return bytes(part) if isinstance(part, bytes) else part


class _Walk:
    """Follows a reportlab-made content stream (graphics and text state), noting where each marker and the blank
    QR image were drawn, and returns the operations without them (and without the text after a marker on its
    line, which the stamp draws moved by the field's width)."""

    def __init__(self, page):
        resources = page["/Resources"]
        self.fonts = {name: _Font(font) for name, font in resources.get("/Font", {}).items()}
        self.images = {name: (int(x.get_object().get("/Width", 0)), int(x.get_object().get("/Height", 0)))
                       for name, x in resources.get("/XObject", {}).items()}
        self.found: dict[str, Slot] = {}
        self.qr_box = None
        self.lefts: list[float] = []
        self.char_spacing = self.word_spacing = 0.0

    def run(self, operations) -> list:
        kept = []
        ctm, stack, rgb = IDENTITY, [], (0.0, 0.0, 0.0)
        tm = tlm = IDENTITY
        font, size, leading = None, 0.0, 0.0
        self.line_slot = None  # the field whose line is being read
        for operands, op in operations:
            if op == b"q":  # the text state is part of the graphics state: Q restores it too
                stack.append((ctm, rgb, font, size, leading, self.char_spacing, self.word_spacing))
            elif op == b"Q":
                ctm, rgb, font, size, leading, self.char_spacing, self.word_spacing = stack.pop()
            elif op == b"cm":
                ctm = _multiply(tuple(map(float, operands)), ctm)
            elif op == b"BT":
                tm = tlm = IDENTITY
                self.line_slot = None
            elif op == b"Tf":
                font, size = self.fonts.get(operands[0]), float(operands[1])
            elif op == b"TL":
                leading = float(operands[0])
            elif op in (b"Tc", b"Tw"):
                setattr(self, "char_spacing" if op == b"Tc" else "word_spacing", float(operands[0]))
            elif op in (b"Td", b"TD", b"T*", b"Tm"):
                if op == b"Tm":
                    tlm = tuple(map(float, operands))
                else:
                    tx, ty = (0.0, -leading) if op == b"T*" else map(float, operands)
                    leading = -ty if op == b"TD" else leading
                    tlm = _multiply((1, 0, 0, 1, tx, ty), tlm)
                tm = tlm
            elif op in (b"rg", b"g"):
                rgb = tuple(map(float, operands)) if op == b"rg" else (float(operands[0]),) * 3
            elif op == b"Do" and self.images.get(operands[0]) == BLANK_QR_PIXELS:
                self.qr_box = (ctm[4], ctm[5], ctm[0], ctm[3])
                continue  # the blank image goes: the stamp draws the code there
            elif op in (b"Tj", b"TJ"):
                if font is None:
                    raise PdfError("text before a font in the certificate template's PDF")
                parts = list(operands[0]) if op == b"TJ" else [operands[0]]
                parts, tm = self._show(parts, font, size, rgb, tm, ctm)
                if not any(isinstance(part, bytes) for part in parts):
                    continue
                operands = [ArrayObject(parts)] if op == b"TJ" else parts
            elif op in (b"'", b'"'):
                raise PdfError("unexpected text operator in the certificate template's PDF")
            kept.append((operands, op))
        return kept

    def _show(self, parts, font: _Font, size: float, rgb, tm, ctm) -> tuple[list, tuple]:
        """One text-showing operation: what of it stays in the background, and the text matrix after it."""
        kept = []
        for part in map(_string_bytes, parts):
            if not isinstance(part, bytes):  # a TJ adjustment, in thousandths of the size
                tm = _multiply((1, 0, 0, 1, -float(part) / 1000 * size, 0), tm)
                kept.append(part)
                continue
            text = font.text(part)
            start = 0
            while start < len(text):
                x, y, scale = self._at(tm, ctm)
                if self.line_slot is not None and abs(y - self.found[self.line_slot].marker.y) > 0.5:
                    # The field's paragraph goes on to another line: where it breaks depends on the field's width,
                    # so certificates of this background are rendered whole.
                    self.found[self.line_slot] = dataclasses.replace(self.found[self.line_slot], wraps=True)
                    self.line_slot = None
                if self.line_slot is not None:  # the rest of a field's line moves with it
                    slot = self.found[self.line_slot]
                    run = Run(text=text[start:], x=x, y=y, size=size * scale, rgb=rgb)
                    self.found[self.line_slot] = dataclasses.replace(slot, after=(*slot.after, run))
                    tm = _multiply((1, 0, 0, 1, self._width(font, part[start:], size), 0), tm)
                    break
                hits = [(text.find(marker, start), key) for key, marker in MARKERS.items()]
                at, key = min(((i, k) for i, k in hits if i >= 0), default=(len(text), None))
                if at > start:  # text of the background
                    self.lefts.append(x)
                    kept.append(ByteStringObject(part[start:at]))
                    tm = _multiply((1, 0, 0, 1, self._width(font, part[start:at], size), 0), tm)
                if key is None:
                    break
                x, y, scale = self._at(tm, ctm)
                self.found[key] = Slot(marker=Run(text=MARKERS[key], x=x, y=y, size=size * scale, rgb=rgb))
                self.lefts.append(x)
                tm = _multiply((1, 0, 0, 1, self._width(font, part[at:at + len(MARKERS[key])], size), 0), tm)
                self.line_slot, start = key, at + len(MARKERS[key])
        return kept, tm

    def _width(self, font: _Font, data: bytes, size: float) -> float:
        return font.width(data, size) + self.char_spacing * len(data) + self.word_spacing * data.count(b" ")

    @staticmethod
    def _at(tm, ctm) -> tuple[float, float, float]:
        position = _multiply(tm, ctm)
        return position[4], position[5], (position[0] ** 2 + position[1] ** 2) ** 0.5

    def slots(self) -> dict[str, Slot]:
        return dict(self.found)

    def left_edge(self) -> float:
        return min(self.lefts, default=0.0)


# The stamp ------------------------------------------------------------------------------------------------------

def _qr_modules(url: str) -> list[list[bool]]:
    # A fixed mask: choosing the "best" of eight (as people.pdf.qr_png does) costs 8 ms, 3x the whole stamp; any
    # mask scans the same.
    code = qrcode.QRCode(version=_qr_version(len(url)), border=QR_BORDER, mask_pattern=QR_MASK)
    code.add_data(url)
    try:
        code.make(fit=False)
    except DataOverflowError:  # not expected (byte mode is the longest), but never a broken code
        code = qrcode.QRCode(border=QR_BORDER, mask_pattern=QR_MASK)
        code.add_data(url)
        code.make(fit=True)
    return code.get_matrix()


@lru_cache(maxsize=8)
def _qr_version(length: int) -> int:
    """The smallest version for a URL of this length (every verification URL of a site has the same length):
    found once, not per certificate."""
    code = qrcode.QRCode(border=QR_BORDER, mask_pattern=QR_MASK)
    code.add_data("x" * length)
    code.make(fit=True)
    return code.version


def _draw_run(canvas: Canvas, font: str, run: Run, text: str, x: float) -> float:
    canvas.setFillColorRGB(*run.rgb)
    canvas.setFont(font, run.size)
    canvas.drawString(x, run.y, text)
    return x + stringWidth(text, font, run.size)


def stamp(background: Background, fields: dict[str, str]) -> bytes | None:
    """The background with ``fields`` and their QR code drawn on it; None when a field would not fit its line."""
    if any(slot.wraps for slot in background.slots.values()):
        return None
    font = register_font()
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=(background.width, background.height))
    for key, slot in background.slots.items():
        value = fields[key]
        x = _draw_run(canvas, font, slot.marker, value, slot.marker.x)
        shift = x - (slot.marker.x + stringWidth(slot.marker.text, font, slot.marker.size))
        for run in slot.after:
            end = _draw_run(canvas, font, run, run.text, run.x + shift)
            x = max(x, end)
        if x > background.right_limit + 0.5:
            return None
    if background.qr_box is not None:
        _draw_qr(canvas, background.qr_box, fields["verification_url"])
    canvas.showPage()
    # Streams in binary: ASCII85 (reportlab's default, for 7-bit channels nobody uses any more) costs more than
    # the rest of saving the stamp. Both encodings are valid PDF, so a render running meanwhile in another thread
    # is unaffected either way.
    use_a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        canvas.save()
    finally:
        rl_config.useA85 = use_a85
    return _link(background, overlay.getvalue())


def _draw_qr(canvas: Canvas, box: tuple[float, float, float, float], url: str) -> None:
    """The code's dark modules as filled squares in the box (one rectangle per run in a row): crisp at any zoom,
    as the whole render's PNG is at print size. Written as PDF operators directly: reportlab's path object formats
    each number through a slow general routine (~3 ms for a code)."""
    modules = _qr_modules(url)
    left, bottom, width, height = box
    side = width / len(modules)
    rectangles = ["q 0 g"]
    for row_number, row in enumerate(modules):
        top = bottom + height - (row_number + 1) * side
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                rectangles.append(f"{left + start * side:.3f} {top:.3f} {(column - start) * side:.3f} {side:.3f} re")
            column += 1
    rectangles.append("f Q")
    canvas.addLiteral("\n".join(rectangles))

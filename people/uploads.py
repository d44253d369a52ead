"""Validation of uploaded files by content, not only by name: a file must be what its extension says.

Wagtail checks a document's extension (WAGTAILDOCS_EXTENSIONS) and decodes images with Pillow (with a size and a
pixel limit); ``DocumentForm`` adds the content check for documents, so an executable or an HTML page renamed to
.pdf is refused before it is stored and served from our domain."""

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office (doc, xls, ppt)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",), "zip": (ZIP,), "docx": (ZIP,), "xlsx": (ZIP,), "pptx": (ZIP,),
    "doc": (OLE,), "xls": (OLE,), "ppt": (OLE,),
    # Lesson recordings (courses' video and audio blocks).
    "webm": (b"\x1aE\xdf\xa3",), "ogg": (b"OggS",), "mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
}
ISO_MEDIA = {"mp4", "m4a"}  # "ftyp" after the first box's 4-byte size
TEXT = {"txt", "csv"}
# Markup a browser would run if the file were ever served inline.
ACTIVE_MARKUP = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<?xml")
SNIFF_BYTES = 4096


def content_matches_extension(name: str, head: bytes) -> bool:
    """Whether the first bytes of a file fit its extension: a known signature for binary formats; for text,
    readable text (UTF-8, UTF-16 or GB18030) that is not HTML/SVG/XML."""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension in SIGNATURES:
        return head.startswith(SIGNATURES[extension])
    if extension in ISO_MEDIA:
        return head[4:8] == b"ftyp"
    if extension in TEXT:
        lowered = head.lower().lstrip()
        if lowered.startswith(ACTIVE_MARKUP) or b"<script" in lowered:
            return False
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return True
        if b"\x00" in head:
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
                return True
            except UnicodeDecodeError as error:
                if error.start >= len(head) - 4:  # a character cut by the sniffing window
                    return True
        return False
    return False


def check_upload(upload) -> None:
    """Raise a ValidationError (in the user's language) unless the upload's content fits its extension."""
    position = upload.tell()
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(position)
    if not content_matches_extension(upload.name, head):
        raise forms.ValidationError(
            _("The content of “%(name)s” does not match its file type; upload the original file.") % {
                "name": upload.name})


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form (WAGTAILDOCS_DOCUMENT_FORM_BASE) with the content check."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            check_upload(upload)
        return upload

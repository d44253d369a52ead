"""Serving a lesson's video and audio with HTTP range requests (RFC 9110 §14): a phone on a weak connection
seeks, resumes and fetches only what it plays, and Chromium and Safari need ranges to seek at all.

Django's FileResponse sends whole files only; this answers ``Range: bytes=a-b`` (one range) with 206 and
Content-Range, an unsatisfiable one with 416, anything else with the whole file (200)."""

import mimetypes
import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _chunks(handle, length: int):
    try:
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(request, file, *, filename: str) -> HttpResponse:
    """The file (a Django ``File``/``FieldFile``) as the request's Range header asks."""
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    size = file.size
    match = RANGE.match(request.headers.get("Range", "").strip())
    if not match or not any(match.groups()):
        response = FileResponse(file.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # a suffix: the last N bytes
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    handle = file.open("rb")
    handle.seek(start)
    response = StreamingHttpResponse(_chunks(handle, end - start + 1), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response

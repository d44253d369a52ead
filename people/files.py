"""Private files: personal documents (certificate PDFs and whatever else names a person) live in the "private"
entry of ``settings.STORAGES``, never under ``MEDIA_ROOT``, and leave the server only through a view that has
checked who may have them. Public media (page images, course documents) stays in the default storage.

A model field opts in with ``models.FileField(storage=private_storage, upload_to=...)``; a view answers with
``private_file_response`` after its own holder or jurisdiction check. Going through Django's storage API keeps the
door open for an S3-compatible store: only the "private" entry in settings changes."""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.encoding import escape_uri_path
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header


class PrivateFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` rooted at ``PRIVATE_MEDIA_ROOT`` (outside the web server's ``/media/``) that refuses
    to make public URLs: a private file has no address of its own, only the checked view that serves it."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("A private file has no public URL; serve it with people.files.private_file_response.")


def private_storage():
    """The storage of personal files (a callable, so tests and deployments can swap ``STORAGES["private"]``)."""
    return storages["private"]


def private_name(folder: str, extension: str) -> str:
    """A file name that carries nothing guessable: 192 random bits, no serial, no person, no date."""
    return f"{folder}/{secrets.token_urlsafe(24)}{extension}"


def private_file_response(file: FieldFile, *, filename: str, content_type: str) -> HttpResponse:
    """Hand a private file to a client the caller has already checked.

    With ``PRIVATE_FILES_PROXY = "x-accel-redirect"`` (nginx) the response is empty and names the file under the
    proxy's internal location ``PRIVATE_FILES_ACCEL_PREFIX``; with ``"x-sendfile"`` (Apache, lighttpd) it names
    the absolute path; with ``"signed-url"`` and the S3 storage it redirects to a signed URL of the object store that
    lives ``PRIVATE_URL_SECONDS`` (the app node does not carry the bytes). Otherwise (the demo, or a storage
    without local paths) Django streams the file itself."""
    mode = settings.PRIVATE_FILES_PROXY
    if mode == "signed-url" and not _has_local_path(file):
        return HttpResponseRedirect(file.storage.url(file.name, parameters={
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type}))
    if mode and mode != "signed-url" and _has_local_path(file):  # signed-url on local folders: streamed
        response = HttpResponse(content_type=content_type)
        if mode == "x-accel-redirect":
            response["X-Accel-Redirect"] = settings.PRIVATE_FILES_ACCEL_PREFIX.rstrip("/") + "/" + \
                escape_uri_path(file.name)
        elif mode == "x-sendfile":
            response["X-Sendfile"] = file.path
        else:
            raise ValueError(f"Unknown PRIVATE_FILES_PROXY: {mode!r}")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)


def _has_local_path(file: FieldFile) -> bool:
    try:
        return Path(file.path).is_absolute()
    except NotImplementedError:  # remote storages (S3) have no path; Django streams from them
        return False

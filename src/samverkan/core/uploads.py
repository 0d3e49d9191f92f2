"""Uploaded files that cannot carry an attack.

- The size limit holds while the body streams: LimitedUploadHandler passes at most
  SAMVERKAN_MAX_UPLOAD_BYTES of a file on to Django's handlers and discards the rest, so an
  oversized file is neither kept in memory nor written to disk; the form then says it is too
  large. The reverse proxy refuses bodies far above the limit before they reach the app
  (docs/security.md).
- The type is decided from the content (the `filetype` library's magic numbers): PDF, PNG and
  JPEG only. The name and Content-Type the browser declares are ignored.
- The stored name is generated; the file lands under MEDIA_ROOT (inside the data directory)
  with mode 0600 (FILE_UPLOAD_PERMISSIONS).
- Files are served back only by views that check the policy and write the audit log, with
  `attachment`, `nosniff` and a sandboxing CSP (`attachment_response`).
"""

import uuid
from io import BytesIO
from typing import Any, Final

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse

# What may be uploaded: the detected MIME type and the extension the stored file gets.
ALLOWED_TYPES: Final = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
}
# The magic numbers filetype reads never lie further in than this.
_HEAD_BYTES: Final = 262
# A served file can run nothing, load nothing and be framed by nobody.
ATTACHMENT_CSP: Final = "sandbox; default-src 'none'; frame-ancestors 'none'"


def max_upload_bytes() -> int:
    limit: int = settings.SAMVERKAN_MAX_UPLOAD_BYTES
    return limit


class RefusedUpload(UploadedFile):
    """Stands in for a file that went past the limit: its size says how far it went (at least
    one byte over), its content is empty, nothing of it was kept."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(BytesIO(b""), name=name, content_type="", size=size)


class LimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: stops passing a file's bytes on at the limit."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            # The rest of this file is read off the wire and dropped, chunk by chunk.
            self.refused = True
            return None
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.refused:
            return RefusedUpload(self.file_name or "", self.received)
        return None


def detected_type(upload: File[Any]) -> str | None:
    """The allowed MIME type the content shows, or None for any other content."""
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head) if head else None
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    mime: str = kind.mime
    return mime


def stored_name(upload: File[Any]) -> str:
    """A generated name with the extension of the detected type; never the uploader's name."""
    mime = detected_type(upload)
    if mime is None:
        raise ValueError("Only a checked upload is stored.")
    return f"{uuid.uuid4().hex}.{ALLOWED_TYPES[mime]}"


def attachment_response(stored: File[Any], *, filename_stem: str) -> HttpResponse:
    """A stored upload (at most the upload limit) as a download that no browser renders or
    runs in the app's origin."""
    with stored.open("rb"):
        mime = detected_type(stored) or "application/octet-stream"
        content = stored.read()
    extension = ALLOWED_TYPES.get(mime, "bin")
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cache-Control"] = "no-store"
    return response

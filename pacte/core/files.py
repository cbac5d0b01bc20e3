"""Uploaded files sent to the browser, once a view has found them in the database and checked who asks.

The media folder is never served by path: every file (a pride's picture, an indicator's proof, a land
application's attachment) has a view that looks it up by its row, decides whether this request may read it,
then calls `file_response()` with the name the database holds. Behind a front web server, set
SENDFILE_HEADER so that the server sends the bytes itself once the view has said yes:
- "X-Accel-Redirect" (nginx): the header points at SENDFILE_URL + name, an `internal` location aliased to
  MEDIA_ROOT, e.g. `location /protected-media/ { internal; alias /srv/pacte/media/; }`;
- "X-Sendfile" (Apache mod_xsendfile): the header holds the file's absolute path (`XSendFilePath` MEDIA_ROOT).
"""

import datetime
import hashlib
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, quote_etag

# The formats the upload forms accept (recognised by content, pacte.core.uploads); anything else is sent as
# an opaque download, so that a browser never renders an unexpected format from our origin.
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
OPAQUE = "application/octet-stream"
SENDFILE_HEADERS = ("X-Accel-Redirect", "X-Sendfile")
PUBLIC_MAX_AGE = 24 * 3600  # a public picture belongs to a frozen version: it does not change under its name
PRIVATE_CACHE = "private, no-store"  # a proof or an attachment: never kept by a shared cache, nor on disk


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(name)[1].lower(), OPAQUE)


def _validators(storage, name: str) -> tuple[str, datetime.datetime]:
    """The ETag and the modification time of a stored file (its name, size and time: no read of its bytes)."""
    modified = storage.get_modified_time(name)
    size = storage.size(name)
    digest = hashlib.sha256(f"{name}:{size}:{modified.timestamp()}".encode()).hexdigest()[:32]
    return quote_etag(digest), modified


def file_response(
    request, name: str, *, private: bool, attachment: bool = False, filename: str = "", storage=None
) -> HttpResponse:
    """The response sending the stored file `name` (as read from the database, never from the URL).

    `private`: the file is the territory's or the company's (Cache-Control private, no validators); otherwise it
    is public (cacheable, with ETag and Last-Modified, and 304 to a conditional request). `attachment` asks the
    browser to download it; a format outside CONTENT_TYPES is always a download. 404 when the file is gone.
    """
    storage = storage or default_storage
    if not name or not storage.exists(name):
        raise Http404
    content_type = content_type_for(name)
    attachment = attachment or content_type == OPAQUE
    filename = filename or posixpath.basename(name)
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition_header(attachment, filename),
        "X-Content-Type-Options": "nosniff",
    }
    if private:
        headers["Cache-Control"] = PRIVATE_CACHE
    else:
        etag, modified = _validators(storage, name)
        headers |= {"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}", "ETag": etag}
        headers["Last-Modified"] = http_date(modified.timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified.timestamp()))
        if not_modified is not None:  # 304 (or 412): the browser's copy is the right one
            for key in ("Cache-Control", "ETag", "Last-Modified", "X-Content-Type-Options"):
                not_modified[key] = headers[key]
            return not_modified
    header = settings.SENDFILE_HEADER
    if header:
        if header not in SENDFILE_HEADERS:
            raise ValueError(f"SENDFILE_HEADER must be one of {SENDFILE_HEADERS}, not {header!r}")
        if header == "X-Accel-Redirect":
            target = settings.SENDFILE_URL.rstrip("/") + "/" + quote(name)
        else:
            target = storage.path(name)
        response = HttpResponse(b"", headers=headers)
        response[header] = target
        return response
    response = FileResponse(storage.open(name, "rb"), as_attachment=attachment, filename=filename)
    for key, value in headers.items():  # after FileResponse's own guesses, which are by name only
        response[key] = value
    return response

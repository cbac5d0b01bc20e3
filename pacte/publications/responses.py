"""The HTTP answer for a document of the pact: the stored file of a published version, or a preview on demand.

A published version never changes, so its PDF and PowerPoint file are generated once (at publication, or at
the first download if that failed) and served from the database with an ETag (the SHA-256 of the bytes),
Last-Modified and a public Cache-Control; a conditional request gets a 304 without the bytes being read. The
team's preview of the live text (`?apercu=1`) is generated for each request and never stored nor cached.
"""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from .document import pact_document
from .models import PactVersion
from .services import document_render, pact_document_get

# The plain URL serves the latest version, which the next publication replaces: browsers and proxies check
# again after a few minutes (a 304 costs no generation). `?version=N` never changes.
LATEST_MAX_AGE = 5 * 60
VERSION_MAX_AGE = 24 * 60 * 60


def document_filename(slug: str, version: PactVersion | None, extension: str) -> str:
    """pacte-<slug>-v<N>.<ext> for a published version, pacte-<slug>-apercu.<ext> for the live text."""
    suffix = f"v{version.number}" if version is not None else "apercu"
    return f"pacte-{slug}-{suffix}.{extension}"


def document_response(
    request, territory, version: PactVersion | None, kind: str, *, content_type: str, extension: str, inline: bool
) -> HttpResponse:
    disposition = "inline" if inline else "attachment"
    filename = document_filename(territory.slug, version, extension)
    if version is None:  # the live text changes with the data: generated on demand, never cached
        response = HttpResponse(document_render(pact_document(territory), kind), content_type=content_type)
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
    stored = pact_document_get(version=version, kind=kind)
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["ETag"] = f'"{stored.sha256}"'
    response["Last-Modified"] = http_date(stored.created_at.timestamp())
    pinned = bool(request.GET.get("version"))
    response["Cache-Control"] = f"public, max-age={VERSION_MAX_AGE if pinned else LATEST_MAX_AGE}"
    conditional = get_conditional_response(
        request, etag=response["ETag"], last_modified=int(stored.created_at.timestamp()), response=response
    )
    if conditional is not response:  # 304 Not Modified (or 412), with the same validators, without the bytes
        return conditional
    response.content = bytes(stored.content)  # the one read of the bytes (memoryview on PostgreSQL)
    return response

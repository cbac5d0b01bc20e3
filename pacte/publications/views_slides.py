"""The pact as an editable PowerPoint file (/territoires/<slug>/pacte.pptx), for the same readers as the page."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from pacte.core.access import get_public_territory

from .selectors import document_for_request
from .slides import pact_pptx as build_pact_pptx

PPTX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@require_GET
def pact_pptx(request, slug):
    """The published pact (latest, or `?version=N`), or the live draft for the territory's own team (preview)."""
    territory = get_public_territory(request, slug)
    document, version = document_for_request(request, territory)
    suffix = f"v{version.number}" if version is not None else "apercu"
    response = HttpResponse(build_pact_pptx(document, version=version), content_type=PPTX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="pacte-{territory.slug}-{suffix}.pptx"'
    if version is None:
        response["Cache-Control"] = "private, no-store"
    return response

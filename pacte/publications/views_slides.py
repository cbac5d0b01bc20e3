"""The pact as an editable PowerPoint file (/territoires/<slug>/pacte.pptx), for the same readers as the page."""

from django.views.decorators.http import require_GET

from pacte.core.access import get_public_territory

from .models import DocumentKind
from .responses import document_response
from .selectors import refuse_if_withdrawn, version_for_request

PPTX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@require_GET
def pact_pptx(request, slug):
    """The published pact (latest, or `?version=N`, stored once generated), or the live draft for the
    territory's own team (a preview generated on demand)."""
    territory = get_public_territory(request, slug)
    refuse_if_withdrawn(request, territory)
    version = version_for_request(request, territory, with_content=False)
    return document_response(
        request, territory, version, DocumentKind.PPTX, content_type=PPTX_CONTENT_TYPE, extension="pptx", inline=False
    )

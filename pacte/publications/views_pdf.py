"""The pact as a PDF: the published version for everyone, `?version=N`, or `?apercu=1` for the team."""

from django.views.decorators.http import require_GET

from pacte.core.access import get_public_territory

from .models import DocumentKind
from .responses import document_filename, document_response
from .selectors import refuse_if_withdrawn, version_for_request


def pact_pdf_filename(slug: str, version) -> str:
    """pacte-<slug>-v<N>.pdf for a published version, pacte-<slug>-apercu.pdf for the live text."""
    return document_filename(slug, version, "pdf")


@require_GET
def pact_pdf(request, slug):
    """A published version's PDF is stored (generated once) and served with an ETag; the preview is not."""
    territory = get_public_territory(request, slug)
    refuse_if_withdrawn(request, territory)
    version = version_for_request(request, territory, with_content=False)
    return document_response(
        request, territory, version, DocumentKind.PDF, content_type="application/pdf", extension="pdf", inline=True
    )

"""The pact as a PDF: the published version for everyone, `?version=N`, or `?apercu=1` for the team."""

from django.http import HttpResponse

from pacte.core.access import get_public_territory

from .pdf import pact_pdf as render_pact_pdf
from .selectors import document_for_request


def pact_pdf_filename(slug: str, version) -> str:
    """pacte-<slug>-v<N>.pdf for a published version, pacte-<slug>-apercu.pdf for the live text."""
    return f"pacte-{slug}-v{version.number}.pdf" if version is not None else f"pacte-{slug}-apercu.pdf"


def pact_pdf(request, slug):
    territory = get_public_territory(request, slug)
    document, version = document_for_request(request, territory)
    content = render_pact_pdf(
        document,
        version=version.number if version is not None else None,
        published_on=version.published_on if version is not None else None,
        preview=version is None,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pact_pdf_filename(territory.slug, version)}"'
    if version is None:  # the live text changes with the data: never cached
        response["Cache-Control"] = "private, no-store"
    return response

"""The workshop's documents, for the territory's members (readers included): handout, link sheet, results."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from pacte.core.access import get_territory_for_user

from .. import documents
from ..models import Workshop

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workshop(request, slug, pk) -> Workshop:
    territory = get_territory_for_user(request, slug)
    return get_object_or_404(Workshop.objects.for_territory(territory).select_related("territory"), pk=pk)


def _response(content: bytes, content_type: str, filename: str, *, disposition: str = "inline") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@login_required
@require_GET
def handout(request, slug, pk):
    workshop = _workshop(request, slug, pk)
    return _response(
        documents.handout_pdf(workshop=workshop), PDF, documents.document_filename(workshop, "support", "pdf")
    )


@login_required
@require_GET
def link_sheet(request, slug, pk):
    workshop = _workshop(request, slug, pk)
    url = request.build_absolute_uri(reverse("workshops:join", args=[workshop.token]))
    return _response(
        documents.link_sheet_pdf(workshop=workshop, url=url), PDF, documents.document_filename(workshop, "lien", "pdf")
    )


@login_required
@require_GET
def results_xlsx(request, slug, pk):
    workshop = _workshop(request, slug, pk)
    return _response(
        documents.results_xlsx(workshop=workshop),
        XLSX,
        documents.document_filename(workshop, "resultats", "xlsx"),
        disposition="attachment",
    )


@login_required
@require_GET
def synthesis(request, slug, pk):
    workshop = _workshop(request, slug, pk)
    return _response(
        documents.synthesis_pdf(workshop=workshop), PDF, documents.document_filename(workshop, "synthese", "pdf")
    )

from django.db.models import CharField, Count, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import render

from pacte.core.access import get_public_territory
from pacte.core.files import file_response
from pacte.publications.models import PactStatus, PactVersion
from pacte.publications.page_cache import cached_public_page
from pacte.territories.models import Territory

from .selectors import pact_page, version_picture


def home(request):
    # The title of the latest published version (what citizens read), not the draft being edited.
    published_title = Subquery(
        PactVersion.objects.filter(territory=OuterRef("pk"))
        .order_by("-number")
        .values(t=KT("content__pact__title"))[:1]
    )
    territories = (
        Territory.objects.filter(pact__status=PactStatus.PUBLISHED, archived_at__isnull=True)
        .select_related("pact")
        .annotate(
            epci_count=Count("intercommunalities", distinct=True),
            published_title=Coalesce(published_title, "pact__title", output_field=CharField()),
        )
        .order_by("name")
    )
    return render(request, "public/home.html", {"territories": territories})


def pact_detail(request, slug):
    territory = get_public_territory(request, slug, withdrawn_notice=True)
    # A published version never changes: anonymous visitors read its rendering from the cache (one per version).
    return cached_public_page(
        request, territory, lambda: render(request, "public/pact.html", pact_page(request, territory))
    )


def pride_image(request, slug, number, index):
    """The picture of the `index`-th pride of published version `number`, looked up in the frozen version.

    Public when the pact is published; its team alone (as for the page) if it is not, or no longer, published."""
    territory = get_public_territory(request, slug)  # 404 unless published, or for the territory's readers
    name = version_picture(territory, number, index)  # 1 query
    if not name:
        raise Http404
    return file_response(request, name, private=not territory.pact.is_public)

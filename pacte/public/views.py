from django.db.models import CharField, Count, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.shortcuts import render

from pacte.core.access import get_public_territory
from pacte.publications.models import PactStatus, PactVersion
from pacte.territories.models import Territory

from .selectors import pact_page


def home(request):
    # The title of the latest published version (what citizens read), not the draft being edited.
    published_title = Subquery(
        PactVersion.objects.filter(territory=OuterRef("pk"))
        .order_by("-number")
        .values(t=KT("content__pact__title"))[:1]
    )
    territories = (
        Territory.objects.filter(pact__status=PactStatus.PUBLISHED)
        .select_related("pact")
        .annotate(
            epci_count=Count("intercommunalities", distinct=True),
            published_title=Coalesce(published_title, "pact__title", output_field=CharField()),
        )
        .order_by("name")
    )
    return render(request, "public/home.html", {"territories": territories})


def pact_detail(request, slug):
    territory = get_public_territory(request, slug)
    return render(request, "public/pact.html", pact_page(request, territory))

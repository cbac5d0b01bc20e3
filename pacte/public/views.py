from django.db.models import Count
from django.shortcuts import render

from pacte.core.access import get_public_territory
from pacte.publications.models import PactStatus
from pacte.territories.models import Territory

from .selectors import pact_page


def home(request):
    territories = (
        Territory.objects.filter(pact__status=PactStatus.PUBLISHED)
        .select_related("pact")
        .annotate(epci_count=Count("intercommunalities", distinct=True))
        .order_by("name")
    )
    return render(request, "public/home.html", {"territories": territories})


def pact_detail(request, slug):
    territory = get_public_territory(request, slug)
    return render(request, "public/pact.html", pact_page(territory))

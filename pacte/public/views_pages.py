"""The pages every French public-sector site carries in its footer: accessibility statement, legal notice, personal
data, site map. Static text, except the site map (the published pacts) and the operator's contact address."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from pacte.publications.models import PactStatus
from pacte.territories.models import Territory

# The RGAA status the footer and the statement show. No complete RGAA audit was done: by the RGAA's own rule the
# site is then declared "non conforme", whatever the automated checks find (templates/_footer_links.html says the
# same; tests/test_privacy.py checks that both agree).
ACCESSIBILITY_STATUS = "non conforme"

# The pages that the automated check (tests/test_accessibility.py) runs axe-core on, described in the statement.
CHECKED_PAGES = [
    _(
        "l'accueil et la page publique d'un pacte, ses indicateurs, son calendrier, ses appels à projets fonciers et "
        "la page d'un appel"
    ),
    _(
        "les pages de cette rubrique : déclaration d'accessibilité, mentions légales, données personnelles, plan du "
        "site"
    ),
    _(
        "dans l'espace d'une équipe : feuille de route, fichier de suivi, campagne d'entretiens et un entretien, "
        "fiertés, ateliers et un atelier, tableau d'atelier, vetos et ajustements, entreprises, indicateurs, groupes "
        "thématiques, foncier, classement d'un comité"
    ),
    _("la page d'un participant à un atelier ouvert et l'espace d'une entreprise"),
]


def _contact_email() -> str:
    return getattr(settings, "CONTACT_EMAIL", "")


@require_GET
def accessibility(request):
    return render(
        request,
        "public/accessibility.html",
        {"status": ACCESSIBILITY_STATUS, "checked_pages": CHECKED_PAGES, "contact_email": _contact_email()},
    )


@require_GET
def legal_notice(request):
    return render(request, "public/legal_notice.html", {"contact_email": _contact_email()})


@require_GET
def personal_data(request):
    return render(request, "public/personal_data.html", {"contact_email": _contact_email()})


@require_GET
def sitemap(request):
    territories = Territory.objects.filter(pact__status=PactStatus.PUBLISHED, archived_at__isnull=True).order_by("name")
    return render(request, "public/sitemap.html", {"territories": territories})

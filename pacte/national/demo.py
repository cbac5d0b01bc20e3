"""The national cockpit's demo: a few Territoires d'industrie besides Rochefort, on real EPCI, each at another step
of the method, so that the cockpit, the map and the public national page show something.

Their content is an illustration, marked "[Illustration]" in their pact's title and in their journal: a fresh
territory from the generic template (step 1), and territories loaded with the reference case's content staged at
steps 2, 3 and 4 (commitments drafted after the interviews, workshops held and pact validated, pact published).
Idempotent: a demo territory that exists already (same address) is left as it is.

    from pacte.national.demo import national_demo_load
    national_demo_load()   # → {"created": [...], "kept": [...]}
"""

import datetime

from django.db import transaction

from pacte.core.models import JournalVerb, journal_write
from pacte.publications.models import PactStatus
from pacte.publications.services import pact_version_freeze
from pacte.replication.services import (
    REFERENCE_CASE,
    _load_campaign,
    _load_content,
    _load_workshops,
    content_read,
    territory_create_from_template,
)
from pacte.territories.models import Territory
from pacte.territories.services import reference_data_populate, territory_create

ILLUSTRATION = "[Illustration]"

# slug, name, region, EPCI SIREN, the stage its content is loaded to.
DEMO_TERRITORIES = [
    ("vallee-de-l-arve", "Vallée de l'Arve", "Auvergne-Rhône-Alpes", ["247400724", "200033116"], "template"),
    ("lacq-orthez", "Lacq-Orthez", "Nouvelle-Aquitaine", ["200039204"], "interviews"),
    ("creusot-montceau", "Creusot-Montceau", "Bourgogne-Franche-Comté", ["247100290"], "validated"),
    ("grand-figeac", "Grand-Figeac", "Occitanie", ["200067361"], "published"),
]
PUBLISHED_ON = datetime.date(2025, 6, 12)


def _staged(*, slug: str, name: str, region: str, sirens: list[str], stage: str) -> Territory:
    """A territory loaded with the reference case's content up to `stage`."""
    content = content_read(REFERENCE_CASE)
    territory = territory_create(name=name, sirens=sirens, region=region, slug=slug)
    pact = _load_content(territory, content)
    pact.title = f"{ILLUSTRATION} Pacte industrie-territoire {name}"
    _load_campaign(territory, content.get("campaign") or {})
    if stage in ("validated", "published"):
        _load_workshops(territory, content.get("workshops") or [], content.get("commitments_versions") or [])
        pact.status = PactStatus.VALIDATED
    if stage == "published":
        pact.status = PactStatus.PUBLISHED
        pact.version = 1
        pact.published_on = PUBLISHED_ON
    pact.save()
    if stage == "published":
        pact_version_freeze(pact=pact)
    return territory


@transaction.atomic
def national_demo_load() -> dict:
    """The demo territories (marked "[Illustration]"), created once."""
    existing = set(Territory.objects.filter(slug__in=[d[0] for d in DEMO_TERRITORIES]).values_list("slug", flat=True))
    to_create = [d for d in DEMO_TERRITORIES if d[0] not in existing]
    sirens = {siren for d in to_create for siren in d[3]}
    if sirens:
        reference_data_populate(sirens=sirens, geometry_for=sirens)  # one pass over the reference data
    created = []
    for slug, name, region, epcis, stage in to_create:
        if stage == "template":
            territory = territory_create_from_template(name=name, sirens=epcis, region=region, slug=slug)
            pact = territory.pact
            pact.title = f"{ILLUSTRATION} Pacte industrie-territoire {name}"
            pact.save(update_fields=["title"])
        else:
            territory = _staged(slug=slug, name=name, region=region, sirens=epcis, stage=stage)
        journal_write(
            territory=territory,
            verb=JournalVerb.NATIONAL_DEMO_LOADED,
            message=f"{ILLUSTRATION} Territoire de démonstration du pilotage national : contenu d'illustration.",
        )
        created.append(slug)
    return {"created": created, "kept": sorted(existing)}

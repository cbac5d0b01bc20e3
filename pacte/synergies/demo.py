"""[Illustration] Offers and needs of Rochefort's demo member companies and two proposals, one realised.

The source names no synergy between companies: all of this is illustrative, marked "[Illustration]"."""

from decimal import Decimal

from django.db import transaction

from .matching import matching_run
from .models import Declaration, Membership, MembershipStatus, Status, Synergy
from .services import party_decide, synergy_status_change

ILLUSTRATION = "[Illustration]"
# (direction, kind, extra fields, description) given in turn to the member companies
DECLARATIONS = [
    (
        "offer",
        "waste",
        {"waste_code": "15 01 03", "quantity": Decimal("120"), "unit": "t"},
        "Palettes et emballages en bois",
    ),
    (
        "need",
        "waste",
        {"waste_code": "15 01 03", "quantity": Decimal("80"), "unit": "t"},
        "Bois d'emballage pour chaufferie",
    ),
    ("offer", "energy", {"energy_form": "heat", "temperature_c": 85}, "Chaleur fatale du four, toute l'année"),
    ("need", "purchases", {}, "Achat groupé d'électricité d'origine renouvelable"),
    ("need", "purchases", {}, "Achat groupé d'électricité d'origine renouvelable"),
    ("need", "skills", {}, "Formation commune à la maintenance industrielle"),
]

# [Illustration] Where each demo company's site is (the demo's member companies have no SIRENE establishment).
DEMO_COMMUNES = ["17299", "17219", "17449", "17306"]  # Rochefort, Marennes-Hiers-Brouage, Tonnay-Charente, Royan


@transaction.atomic
def synergies_demo_load(*, territory) -> dict[str, int]:
    """Idempotent: the illustrative declarations are replaced, the matching rerun, the first exchange realised."""
    companies = [
        m.company
        for m in Membership.objects.for_territory(territory)
        .filter(status=MembershipStatus.ACTIVE)
        .select_related("company")
        .order_by("company__name", "pk")
    ]
    if len(companies) < 2:
        return {"declarations": 0, "synergies": 0}
    Synergy.objects.for_territory(territory).filter(title__startswith=ILLUSTRATION).delete()
    Declaration.objects.for_territory(territory).filter(description__startswith=ILLUSTRATION).delete()
    for i, (direction, kind, fields, text) in enumerate(DECLARATIONS):
        company = companies[i % len(companies)]
        declaration = Declaration(
            company=company,
            territory=territory,
            direction=direction,
            kind=kind,
            description=f"{ILLUSTRATION} {text}",
            visibility="members",
            commune_code=DEMO_COMMUNES[(i % len(companies)) % len(DEMO_COMMUNES)],
            **fields,
        )
        declaration.full_clean()
        declaration.save()
    matching_run(territory=territory)
    synergies = list(Synergy.objects.for_territory(territory).filter(status=Status.PROPOSED).order_by("pk"))
    for synergy in synergies:
        if not synergy.title.startswith(ILLUSTRATION):
            synergy.title = f"{ILLUSTRATION} {synergy.title}"[:300]
            synergy.save(update_fields=["title"])
    exchange = next((s for s in synergies if s.mode == "exchange"), None)
    if exchange is not None:
        for party in exchange.parties.all():
            party_decide(party=party, consent=True, show_publicly=True)
        for status in (Status.INTRODUCED, Status.STUDY):
            synergy_status_change(synergy=exchange, status=status)
        synergy_status_change(
            synergy=exchange,
            status=Status.REALISED,
            year=2025,
            quantities={"tonnes_per_year": "80", "euros_per_year": "6000"},
        )
    return {"declarations": len(DECLARATIONS), "synergies": len(synergies)}

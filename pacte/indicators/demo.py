"""Illustrative indicator values for the demo territory (every comment says "[Illustration]").

For the companies whose adhesion is ACTIVE when called: values for 2025, and some for 2024. The set shows the
cases a reader must tell apart: a missing value (no row), a "sans objet", a zero, and one indicator whose
collective value is withheld (fewer than 3 companies answered). Idempotent: saving the same values again changes
nothing (indicator_value_save writes only what changed).
"""

from decimal import Decimal

from django.db import transaction

from pacte.companies.models import Company, MembershipStatus

from .collective import collective_values_refresh
from .models import Aggregation, Indicator, ValueType
from .services import indicator_value_save

ILLUSTRATION = "[Illustration]"
WITHHELD_CODE = "innovation-investissements-renovation"  # only 2 companies answer: secret statistique


def _value(indicator, i: int, year: int):
    """(value, denominator) for company number i, deterministic."""
    shift = 0 if year == 2025 else -1
    if indicator.value_type == ValueType.BOOLEAN:
        return Decimal((i + shift) % 3 != 2), None
    if indicator.aggregation == Aggregation.RATIO_OF_SUMS:
        surface = Decimal(2000 + 1500 * i)
        return (surface * Decimal(10 + (3 * i) % 60 + 2 * shift) / 100).quantize(Decimal(1)), surface
    if indicator.value_type == ValueType.AMOUNT:
        return Decimal(80000 + 45000 * i + 10000 * shift), None
    return Decimal(max(0, 2 + 3 * i + shift)), None


@transaction.atomic
def indicator_values_demo_load(*, territory) -> int:
    """Load the illustrative values; returns the number of values saved (created or changed)."""
    companies = list(
        Company.objects.for_territory(territory)
        .filter(memberships__status=MembershipStatus.ACTIVE)
        .distinct()
        .order_by("name", "pk")
    )
    indicators = list(Indicator.objects.for_territory(territory).order_by("theme__order", "order", "pk"))
    saved = 0
    for indicator in indicators:
        if indicator.aggregation == Aggregation.TERRITORY:
            for year, n in ((2024, 3), (2025, 4)):
                indicator_value_save(
                    indicator=indicator,
                    company=None,
                    year=year,
                    value=n,
                    comment=f"{ILLUSTRATION} Projets comptés par l'équipe du territoire.",
                    actor=None,
                    refresh=False,
                )
                saved += 1
            continue
        for i, company in enumerate(companies):
            if indicator.code == WITHHELD_CODE and i >= 2:
                break  # withheld for confidentiality: only 2 companies answer
            for year in (2025, 2024):
                if year == 2024 and i % 2:
                    continue  # some 2024 values only
                if i == 1 and indicator.code == "attractivite-actions-ouverture-public" and year == 2025:
                    continue  # a missing value: no row, never a zero
                comment = ILLUSTRATION
                not_applicable = False
                value, denominator = _value(indicator, i, year)
                if i == 2 and indicator.code == "environnement-surfaces-vegetalisees":
                    not_applicable, value, denominator = True, None, None
                    comment = f"{ILLUSTRATION} Sans objet : l'entreprise n'a pas de site en propre."
                elif i == 0 and indicator.code == "qualite-vie-engagements-territoire" and year == 2025:
                    value = Decimal(0)
                    comment = f"{ILLUSTRATION} Aucun engagement cette année (zéro, pas une valeur manquante)."
                indicator_value_save(
                    indicator=indicator,
                    company=company,
                    year=year,
                    value=value,
                    denominator=denominator,
                    not_applicable=not_applicable,
                    comment=comment,
                    public=(i == 0 and indicator.value_type == ValueType.BOOLEAN),
                    actor=None,
                    refresh=False,
                )
                saved += 1
    collective_values_refresh([indicator.pk for indicator in indicators])  # once, every year
    return saved

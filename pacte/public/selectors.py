"""Everything the public pact page shows, read in a fixed number of queries."""

from django.db.models import Prefetch

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Finding, Pride, PrideKind
from pacte.stakeholders.models import Stakeholder
from pacte.territories.maps import perimeter_svg
from pacte.territories.models import KeyFigure, SizeClassShare
from pacte.territories.services import intercommunalities_with_population


def _by_group(stakeholders) -> list[tuple[str, list]]:
    """Stakeholders under their group heading, groups in the order of their first member."""
    groups: dict[str, list] = {}
    for stakeholder in stakeholders:
        groups.setdefault(stakeholder.group, []).append(stakeholder)
    return sorted(groups.items(), key=lambda item: item[0] == "")  # ungrouped last


def pact_page(territory) -> dict:
    # 3 queries: EPCI with population and commune count, their communes (outlines included)
    intercommunalities = list(intercommunalities_with_population(territory))
    prides = list(Pride.objects.for_territory(territory))  # 1 query
    stakeholders = Stakeholder.objects.for_territory(territory).filter(acknowledged=True).order_by("order", "name")
    themes = Theme.objects.for_territory(territory).prefetch_related(  # 1 + 5 queries
        Prefetch(
            "commitments",
            queryset=Commitment.objects.order_by("order", "pk").prefetch_related(
                Prefetch("company_actions", queryset=CompanyAction.objects.order_by("order", "pk")),
                Prefetch("territory_actions", queryset=TerritoryAction.objects.order_by("order", "pk")),
            ),
        ),
        Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk")),
        Prefetch("thematic_groups", queryset=ThematicGroup.objects.order_by("order", "pk")),
    )
    return {
        "territory": territory,
        "pact": territory.pact,
        "intercommunalities": intercommunalities,
        "population": sum(e.population or 0 for e in intercommunalities),
        "commune_count": sum(e.commune_count for e in intercommunalities),
        "perimeter_svg": perimeter_svg(intercommunalities),
        "key_figures": KeyFigure.objects.for_territory(territory),  # 1 query
        "size_classes": SizeClassShare.objects.for_territory(territory),  # 1 query
        "axes": DiagnosticAxis.objects.for_territory(territory).prefetch_related(  # 2 queries
            Prefetch("findings", queryset=Finding.objects.filter(retained=True).order_by("order", "pk"))
        ),
        "innovative_prides": [p for p in prides if p.kind == PrideKind.INNOVATIVE],
        "emblematic_prides": [p for p in prides if p.kind == PrideKind.EMBLEMATIC],
        "themes": themes,
        "principles": GovernancePrinciple.objects.for_territory(territory),  # 1 query
        "events": EconomicEvent.objects.for_territory(territory),  # 1 query
        "acknowledged_groups": _by_group(stakeholders),  # 1 query
    }

"""Reads of indicator values: the territory's dashboard and the national comparison, in bounded queries."""

from collections import defaultdict

from django.db.models import Count, Q

from pacte.governance.models import Membership, MembershipStatus

from .aggregation import Collective, collective_value
from .models import Aggregation, Indicator, IndicatorValue


def member_count(*, territory) -> int:
    """Companies whose adhesion is active (the coverage's denominator)."""
    return Membership.objects.for_territory(territory).filter(status=MembershipStatus.ACTIVE).count()


def territory_dashboard(*, territory, years: list[int]) -> list[dict]:
    """For each indicator of the territory (by theme order): its collective value for each year.

    [{"indicator": Indicator, "years": {year: Collective}}]. 3 queries whatever the number of values.
    """
    indicators = list(
        Indicator.objects.for_territory(territory).select_related("theme").order_by("theme__order", "order", "pk")
    )  # 1 query
    members = member_count(territory=territory)  # 1 query
    rows = defaultdict(list)
    territory_values = {}
    for indicator_id, year, company_id, value, denominator, na in (
        IndicatorValue.objects.filter(indicator__in=[i.pk for i in indicators], year__in=years)
        .order_by()
        .values_list("indicator_id", "year", "company_id", "value", "denominator", "not_applicable")
    ):  # 1 query
        if company_id is None:
            territory_values[(indicator_id, year)] = (value, denominator, na)
        else:
            rows[(indicator_id, year)].append((value, denominator, na))
    dashboard = []
    for indicator in indicators:
        by_year = {}
        for year in years:
            if indicator.aggregation == Aggregation.TERRITORY:
                own = territory_values.get((indicator.pk, year))
                by_year[year] = collective_value(
                    aggregation=indicator.aggregation,
                    value_type=indicator.value_type,
                    rows=[own] if own else [],
                    members=members,
                )
            else:
                by_year[year] = collective_value(
                    aggregation=indicator.aggregation,
                    value_type=indicator.value_type,
                    rows=rows.get((indicator.pk, year), []),
                    members=members,
                )
        dashboard.append({"indicator": indicator, "years": by_year})
    return dashboard


def national_values(*, code: str, year: int) -> list[tuple[int, str, Collective]]:
    """Every territory's collective value of the indicator `code` for `year`: [(territory id, name, Collective)]."""
    indicators = list(Indicator.objects.filter(code=code).select_related("territory"))  # 1 query
    members = dict(
        Membership.objects.filter(status=MembershipStatus.ACTIVE, territory__in={i.territory_id for i in indicators})
        .order_by()
        .values_list("territory")
        .annotate(n=Count("pk"))
    )  # 1 query
    rows = defaultdict(list)
    for indicator_id, value, denominator, na in (
        IndicatorValue.objects.filter(Q(indicator__in=[i.pk for i in indicators]), year=year, company__isnull=False)
        .order_by()
        .values_list("indicator_id", "value", "denominator", "not_applicable")
    ):  # 1 query
        rows[indicator_id].append((value, denominator, na))
    return [
        (
            i.territory_id,
            i.territory.name,
            collective_value(
                aggregation=i.aggregation,
                value_type=i.value_type,
                rows=rows.get(i.pk, []),
                members=members.get(i.territory_id, 0),
            ),
        )
        for i in sorted(indicators, key=lambda i: i.territory.name)
    ]

"""Reads of indicator values: the territory's dashboard and the national comparison, in bounded queries.

The companies' values never travel to Python: the database sums them up per indicator and year (counts, sums,
largest values, the middle values for medians: `Totals`), and `collective_from_totals` applies the same rules as
`collective_value` (coverage, ratio of sums, yes count, median, statistical confidentiality) to those totals.
PostgreSQL computes the medians too (percentile_disc); SQLite, which has no ordered-set aggregate, reads the values of
the median indicators only, in one more query, and takes their median in Python.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q, Subquery, Sum

from pacte.governance.models import Membership, MembershipStatus

from .aggregation import Collective, Totals, collective_from_totals, totals_of
from .models import Aggregation, Indicator, IndicatorValue


class _LowMiddle(Aggregate):
    """The lower middle value (the median itself when their number is odd): PostgreSQL's percentile_disc, exact."""

    function = "PERCENTILE_DISC"
    name = "LowMiddle"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


class _HighMiddle(_LowMiddle):
    """The upper middle value: the lower middle value of the values in descending order."""

    name = "HighMiddle"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s DESC)"


_REPORTED = Q(not_applicable=False, value__isnull=False)
_PAIRED = _REPORTED & Q(denominator__isnull=False) & ~Q(denominator=0)
_OWN = ExpressionWrapper(Q(company__isnull=True), output_field=BooleanField())  # the territory's own value


def _in_sql_medians() -> bool:
    return connection.vendor == "postgresql"


def _totals(values, median_ids: set[int], group: list[str]) -> dict[tuple, Totals]:
    """{(*group, own): Totals} for the rows of the queryset `values`: 1 query (2 on SQLite with median indicators)."""
    # Only columns of the index (indicator, year) INCLUDE (company, value, denominator, not_applicable), if there is
    # one, are read: COUNT(indicator_id), never COUNT(id), so that PostgreSQL can answer from the index alone.
    aggregates = {
        "reporting": Count("indicator", filter=_REPORTED),
        "not_applicable_": Count("indicator", filter=Q(not_applicable=True)),
        "total": Sum("value", filter=_REPORTED),
        "largest": Max("value", filter=_REPORTED),
        "yes": Count("indicator", filter=_REPORTED & ~Q(value=0)),
        "pairs": Count("indicator", filter=_PAIRED),
        "numerators": Sum("value", filter=_PAIRED),
        "denominators": Sum("denominator", filter=_PAIRED),
        "largest_numerator": Max("value", filter=_PAIRED),
        "largest_denominator": Max("denominator", filter=_PAIRED),
    }
    sql_medians = median_ids and _in_sql_medians()
    if sql_medians:
        of_medians = _REPORTED & Q(indicator__in=median_ids)
        aggregates["low"] = _LowMiddle("value", filter=of_medians)
        aggregates["high"] = _HighMiddle("value", filter=of_medians)
    totals = {}
    for row in values.order_by().values(*group, own=_OWN).annotate(**aggregates):
        key = (*(row.pop(name) for name in group), row.pop("own"))
        row["not_applicable"] = row.pop("not_applicable_")
        low, high = row.pop("low", None), row.pop("high", None)
        if low is not None:
            # statistics.median: the middle value, or the mean of the two middle values.
            row["median"] = low if low == high else (Decimal(low) + Decimal(high)) / 2
        totals[key] = Totals(**row)
    if median_ids and not sql_medians:
        middles = defaultdict(list)
        for *key, value in (
            values.filter(_REPORTED, indicator__in=median_ids).order_by().values_list(*group, _OWN, "value")
        ):  # 1 query
            middles[tuple(key)].append((value, None, False))
        for key, rows in middles.items():
            totals[key].median = totals_of(rows).median
    return totals


def _members(territory_field: str):
    """The number of active members of the territory `territory_field` of the outer query (NULL when none)."""
    return Subquery(
        Membership.objects.filter(territory=OuterRef(territory_field), status=MembershipStatus.ACTIVE)
        .order_by()
        .values("territory")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _counted(values):
    """Only the values of companies whose adhesion is active (the coverage's denominator counts them), and the
    territory's own values: a former or invited company's figures never make the coverage read "5/4"."""
    return values.filter(
        Q(company__isnull=True)
        | Exists(Membership.objects.filter(company=OuterRef("company"), status=MembershipStatus.ACTIVE))
    )


def member_count(*, territory) -> int:
    """Companies whose adhesion is active (the coverage's denominator)."""
    return Membership.objects.for_territory(territory).filter(status=MembershipStatus.ACTIVE).count()


def _collective(indicator, totals: dict, key: tuple, members: int) -> Collective:
    own = indicator.aggregation == Aggregation.TERRITORY  # the territory's own value; the others: the companies'
    return collective_from_totals(
        aggregation=indicator.aggregation,
        value_type=indicator.value_type,
        totals=totals.get((*key, own)) or Totals(),
        members=members,
    )


def territory_dashboard(*, territory, years: list[int]) -> list[dict]:
    """For each indicator of the territory (by theme order): its collective value for each year.

    [{"indicator": Indicator, "years": {year: Collective}}]. 2 queries whatever the number of values (3 on SQLite
    when an indicator takes the median).
    """
    indicators = list(
        Indicator.objects.for_territory(territory)
        .select_related("theme")
        .annotate(active_members=_members("territory"))
        .order_by("theme__order", "order", "pk")
    )  # 1 query, with the number of members
    if not indicators:
        return []
    members = indicators[0].active_members or 0
    totals = _totals(
        _counted(IndicatorValue.objects.filter(indicator__in=[i.pk for i in indicators], year__in=years)),
        {i.pk for i in indicators if i.aggregation == Aggregation.MEDIAN},
        ["indicator_id", "year"],
    )  # 1 query (2 on SQLite with median indicators)
    return [
        {
            "indicator": indicator,
            "years": {year: _collective(indicator, totals, (indicator.pk, year), members) for year in years},
        }
        for indicator in indicators
    ]


def national_values(*, code: str, year: int) -> list[tuple[int, str, Collective]]:
    """Every territory's collective value of the indicator `code` for `year`: [(territory id, name, Collective)].

    2 queries whatever the number of territories and values (3 on SQLite for a median indicator)."""
    indicators = list(
        Indicator.objects.filter(code=code).select_related("territory").annotate(active_members=_members("territory"))
    )  # 1 query, with the number of members of each territory
    if not indicators:
        return []
    totals = _totals(
        _counted(IndicatorValue.objects.filter(indicator__in=[i.pk for i in indicators], year=year)),
        {i.pk for i in indicators if i.aggregation == Aggregation.MEDIAN},
        ["indicator_id"],
    )  # 1 query (2 on SQLite with median indicators)
    return [
        (i.territory_id, i.territory.name, _collective(i, totals, (i.pk,), i.active_members or 0))
        for i in sorted(indicators, key=lambda i: i.territory.name)
    ]

"""Reads of indicator values: the territory's dashboard and the national comparison, in bounded queries.

The companies' values never travel to Python: the database sums them up per indicator and year (counts, sums,
largest values, the middle values for medians: `Totals`), and `collective_from_totals` applies the same rules as
`collective_value` (coverage, ratio of sums, yes count, median, statistical confidentiality) to those totals.
PostgreSQL computes the medians too (percentile_disc); SQLite, which has no ordered-set aggregate, reads the values of
the median indicators only, in one more query, and takes their median in Python.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q, Subquery, Sum

from pacte.companies.models import Membership, MembershipStatus

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
    # The same over the values not published by consent (the disclosure control's differencing rule).
    hidden = Q(public=False)
    aggregates.update(
        h_reporting=Count("indicator", filter=_REPORTED & hidden),
        h_total=Sum("value", filter=_REPORTED & hidden),
        h_largest=Max("value", filter=_REPORTED & hidden),
        h_yes=Count("indicator", filter=_REPORTED & hidden & ~Q(value=0)),
        h_pairs=Count("indicator", filter=_PAIRED & hidden),
        h_numerators=Sum("value", filter=_PAIRED & hidden),
        h_denominators=Sum("denominator", filter=_PAIRED & hidden),
        h_largest_numerator=Max("value", filter=_PAIRED & hidden),
        h_largest_denominator=Max("denominator", filter=_PAIRED & hidden),
    )
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
        hidden_totals = Totals(**{name[2:]: row.pop(name) for name in list(row) if name.startswith("h_")})
        totals[key] = Totals(**row)
        if (hidden_totals.reporting, hidden_totals.pairs) != (row["reporting"], row["pairs"]):
            totals[key].hidden = hidden_totals  # some values are published by consent
    if median_ids and not sql_medians:
        middles = defaultdict(list)
        for *key, value in (
            values.filter(_REPORTED, indicator__in=median_ids).order_by().values_list(*group, _OWN, "value")
        ):  # 1 query
            middles[tuple(key)].append((value, None, False))
        for key, rows in middles.items():
            totals[key].median = totals_of(rows).median
    return totals


def in_year(year: int) -> Q:
    """Memberships that make a company count for `year` (the coverage counts that year's members, not today's):
    active or ended (with its end date), not ended before the year's start, and started before the end of the
    following year (or undated): a company that joins reports the figures of the year before as its baseline
    (joining in 2026, its 2025 values count), and a company that leaves still counts in the years it was there."""
    start, baseline_end = datetime.date(year, 1, 1), datetime.date(year + 1, 12, 31)
    return (
        (Q(status=MembershipStatus.ACTIVE) | Q(status=MembershipStatus.ENDED, ends_on__isnull=False))
        & (Q(starts_on__isnull=True) | Q(starts_on__lte=baseline_end))
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=start))
    )


def _members(territory_field: str, year: int):
    """The number of member companies in `year` of the territory `territory_field` of the outer query (NULL: 0)."""
    return Subquery(
        Membership.objects.filter(in_year(year), territory=OuterRef(territory_field))
        .order_by()
        .values("territory")
        .annotate(n=Count("company", distinct=True))
        .values("n")
    )


def _counted(values, years):
    """Only the values of companies that were members in the value's year (the coverage's denominator counts them),
    and the territory's own values: a former or invited company's figures never make the coverage read "5/4"."""
    member = Q()
    for year in sorted(set(years)):
        member |= Q(year=year) & Exists(Membership.objects.filter(in_year(year), company=OuterRef("company")))
    return values.filter(Q(company__isnull=True) | member)


def members_by_year(territory_ids, years) -> dict[tuple[int, int], int]:
    """{(territory id, year): member companies that year}: 1 query."""
    years = sorted(set(years))
    if not years:
        return {}
    rows = (
        Membership.objects.filter(territory__in=list(territory_ids))
        .order_by()
        .values("territory")
        .annotate(**{f"y{y}": Count("company", distinct=True, filter=in_year(y)) for y in years})
    )
    return {(row["territory"], y): row[f"y{y}"] for row in rows for y in years}


def member_count(*, territory) -> int:
    """Companies whose adhesion is active today."""
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
        .annotate(**{f"members_{year}": _members("territory", year) for year in years})
        .order_by("theme__order", "order", "pk")
    )  # 1 query, with the number of members of each year
    if not indicators:
        return []
    members = {year: getattr(indicators[0], f"members_{year}") or 0 for year in years}
    totals = _totals(
        _counted(IndicatorValue.objects.filter(indicator__in=[i.pk for i in indicators], year__in=years), years),
        {i.pk for i in indicators if i.aggregation == Aggregation.MEDIAN},
        ["indicator_id", "year"],
    )  # 1 query (2 on SQLite with median indicators)
    return [
        {
            "indicator": indicator,
            "years": {year: _collective(indicator, totals, (indicator.pk, year), members[year]) for year in years},
        }
        for indicator in indicators
    ]


def national_values(*, code: str, year: int) -> list[tuple[int, str, Collective]]:
    """Every territory's collective value of the indicator `code` for `year`: [(territory id, name, Collective)],
    computed from the companies' values (the national pages read the stored `CollectiveValue` rows instead:
    `national_collective_values`).

    2 queries whatever the number of territories and values (3 on SQLite for a median indicator)."""
    indicators = list(
        Indicator.objects.filter(code=code)
        .select_related("territory")
        .annotate(active_members=_members("territory", year))
    )  # 1 query, with the number of members of each territory that year
    if not indicators:
        return []
    totals = _totals(
        _counted(IndicatorValue.objects.filter(indicator__in=[i.pk for i in indicators], year=year), [year]),
        {i.pk for i in indicators if i.aggregation == Aggregation.MEDIAN},
        ["indicator_id"],
    )  # 1 query (2 on SQLite with median indicators)
    return [
        (i.territory_id, i.territory.name, _collective(i, totals, (i.pk,), i.active_members or 0))
        for i in sorted(indicators, key=lambda i: i.territory.name)
    ]

"""The stored collective values (`CollectiveValue`: one row per territory, indicator and year), kept up to date by
every write of the values and memberships, and the national reads that touch one row per territory.

`collective_values_refresh(indicator_ids, years)` recomputes the given (indicator, year) rows from the companies'
values with the dashboard's rules (selectors: database totals, members of the year, disclosure control), in a few
queries whatever their number; call it in the same transaction as the write (bulk writes: once, at the end).
"""

import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count

from .aggregation import Collective
from .disclosure import Audience, Disclosed, disclose
from .models import Aggregation, CollectiveValue, Indicator, IndicatorValue, ValueType
from .selectors import _collective, _counted, _totals, members_by_year

STORED_FIELDS = (
    "indicator_code",
    "value",
    "share",
    "numerator",
    "denominator",
    "reporting",
    "not_applicable",
    "members",
    "withheld_reason",
)
BATCH = 2000


def _q(number, places: str = "0.0001"):
    """Stored as the column stores it (4 decimals), so that an unchanged value compares equal."""
    return None if number is None else Decimal(number).quantize(Decimal(places))


@transaction.atomic
def collective_values_refresh(indicator_ids, years=None) -> int:
    """Recompute the collective values of these indicators for these years (None: every year with a value or a
    row). Creates, updates (only what changed) and deletes (no value left) rows; returns the rows written."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return 0
    indicators = list(Indicator.objects.filter(pk__in=ids).order_by())  # 1 query
    if years is None:
        years = set(IndicatorValue.objects.filter(indicator__in=ids).order_by().values_list("year", flat=True))
        years |= set(CollectiveValue.objects.filter(indicator__in=ids).order_by().values_list("year", flat=True))
    years = sorted(set(years))
    if not years or not indicators:
        return 0
    members = members_by_year({i.territory_id for i in indicators}, years)  # 1 query
    totals = _totals(
        _counted(IndicatorValue.objects.filter(indicator__in=ids, year__in=years), years),
        {i.pk for i in indicators if i.aggregation == Aggregation.MEDIAN},
        ["indicator_id", "year"],
    )  # 1 query (2 on SQLite with median indicators)
    existing = {
        (row.indicator_id, row.year): row
        for row in CollectiveValue.objects.filter(indicator__in=ids, year__in=years).order_by()
    }  # 1 query
    create, update, delete = [], [], []
    for indicator in indicators:
        own = indicator.aggregation == Aggregation.TERRITORY
        for year in years:
            row = existing.get((indicator.pk, year))
            if (indicator.pk, year, own) not in totals:
                if row is not None:
                    delete.append(row.pk)
                continue
            c = _collective(indicator, totals, (indicator.pk, year), members.get((indicator.territory_id, year), 0))
            fields = {
                "indicator_code": indicator.code,
                "value": _q(c.value),
                "share": _q(c.share, "0.1"),
                "numerator": _q(c.numerator),
                "denominator": _q(c.denominator),
                "reporting": c.reporting,
                "not_applicable": c.not_applicable,
                "members": c.members,
                "withheld_reason": c.withheld_reason,
            }
            if row is None:
                create.append(
                    CollectiveValue(territory_id=indicator.territory_id, indicator=indicator, year=year, **fields)
                )
            elif any(getattr(row, name) != new for name, new in fields.items()):
                for name, new in fields.items():
                    setattr(row, name, new)
                update.append(row)
    if delete:
        CollectiveValue.objects.filter(pk__in=delete).delete()
    CollectiveValue.objects.bulk_create(create, batch_size=BATCH)
    CollectiveValue.objects.bulk_update(update, [*STORED_FIELDS, "updated_at"], batch_size=BATCH)
    return len(create) + len(update) + len(delete)


def collective_values_refresh_territory(territory, years=None) -> int:
    """Every indicator of the territory (a membership changed: the year's members and counted values change)."""
    ids = list(Indicator.objects.filter(territory=territory).values_list("pk", flat=True))
    return collective_values_refresh(ids, years)


def as_collective(row: CollectiveValue) -> Collective:
    return Collective(
        value=row.value,
        share=row.share,
        reporting=row.reporting,
        not_applicable=row.not_applicable,
        members=row.members,
        withheld_reason=row.withheld_reason,
        numerator=row.numerator,
        denominator=row.denominator,
    )


# --- national reads --------------------------------------------------------------------------------------------


def national_codes() -> list[dict]:
    """The indicator codes found in the stored collective values: [{"code", "name", "territories"}], by code."""
    names = {}
    for code, name in Indicator.objects.exclude(code="").order_by("code", "pk").values_list("code", "name"):
        names.setdefault(code, name)
    counts = dict(
        Indicator.objects.exclude(code="")
        .order_by()
        .values("code")
        .annotate(n=Count("territory", distinct=True))
        .values_list("code", "n")
    )
    return [{"code": code, "name": names[code], "territories": counts.get(code, 0)} for code in sorted(names)]


_DEFINITION_NAMES = ("name", "unit", "value_type", "aggregation")
_ROW_FIELDS = (
    "value",
    "share",
    "numerator",
    "denominator",
    "reporting",
    "not_applicable",
    "members",
    "withheld_reason",
)


@dataclass(slots=True)
class StoredRow:
    """The columns of a CollectiveValue the national reads need (what `disclose` and `as_collective` read)."""

    value: Decimal | None
    share: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    reporting: int
    not_applicable: int
    members: int
    withheld_reason: str


@dataclass
class NationalLine:
    territory_id: int
    territory_name: str
    territory_slug: str
    region: str
    indicator: Indicator
    row: StoredRow
    shown: Disclosed
    compared: Decimal | None = None  # what the distribution reads: the value (yes/no: the share), None if hidden
    rank: int | None = None  # 1 = the largest publishable value
    quartile: int | None = None  # 1 (lowest quarter) … 4 (highest quarter)


@dataclass
class NationalComparison:
    code: str
    year: int
    lines: list[NationalLine]
    published: int
    withheld: int
    median: Decimal | None  # of the compared values (yes/no: of the shares)
    quartiles: tuple[Decimal, Decimal, Decimal] | None
    total: Decimal | None  # sums; ratios of sums; yes counts (their share in `total_share`)
    total_share: Decimal | None
    total_kind: str  # "sum" | "ratio" | "yes" | "" (no national total for this aggregation)
    indicator: Indicator | None


def national_comparison(*, code: str, year: int) -> NationalComparison:
    """Every territory's stored collective value of `code` for `year`, through the disclosure control (public
    audience: ANCT never sees a withheld figure), their distribution, each territory's position and the national
    total where the aggregation allows it (over the publishable values only: a total including a withheld value
    would give it away by difference). 1 query, one row per territory."""
    indicator = None
    lines = []
    for values in (
        CollectiveValue.objects.filter(indicator_code=code, year=year)
        .order_by("territory__name", "pk")
        .values_list(
            "territory_id",
            "territory__name",
            "territory__slug",
            "territory__region",
            *_ROW_FIELDS,
            *(f"indicator__{name}" for name in _DEFINITION_NAMES),
        )
    ):  # 1 query, plain tuples: no model instance per territory
        territory_id, name, slug, region, *fields = values
        row = StoredRow(*fields[: len(_ROW_FIELDS)])
        if indicator is None:  # the definition (type, unit, name) as the first territory's indicator states it
            indicator = Indicator(code=code, **dict(zip(_DEFINITION_NAMES, fields[len(_ROW_FIELDS) :], strict=True)))
        lines.append(
            NationalLine(
                territory_id=territory_id,
                territory_name=name,
                territory_slug=slug,
                region=region,
                indicator=indicator,
                row=row,
                shown=disclose(row, audience=Audience.PUBLIC),
            )
        )
    for line in lines:  # yes/no: territories of different sizes compare by their share of "oui"
        shown = line.shown
        line.compared = shown.share if indicator.aggregation == Aggregation.YES_COUNT else shown.value
    publishable = [line for line in lines if line.compared is not None]
    values = sorted(line.compared for line in publishable)
    median = statistics.median(values) if values else None
    quartiles = tuple(statistics.quantiles(values, n=4, method="inclusive")) if len(values) >= 2 else None
    for rank, line in enumerate(sorted(publishable, key=lambda line: -line.compared), start=1):
        line.rank = rank
        if quartiles:
            line.quartile = 1 + sum(1 for q in quartiles if line.compared > q)
    total = share = None
    kind = ""
    if indicator is not None and publishable:
        aggregation = indicator.aggregation
        if aggregation == Aggregation.SUM or (
            aggregation == Aggregation.TERRITORY and indicator.value_type in (ValueType.COUNT, ValueType.AMOUNT)
        ):
            kind, total = "sum", sum(line.row.value for line in publishable)
        elif aggregation == Aggregation.YES_COUNT:
            kind, total = "yes", sum(line.row.value for line in publishable)
            answered = sum(line.row.reporting for line in publishable)
            share = (Decimal(100) * total / answered).quantize(Decimal("0.1")) if answered else None
        elif aggregation == Aggregation.RATIO_OF_SUMS:
            numerators = [line.row.numerator for line in publishable if line.row.denominator]
            denominators = [line.row.denominator for line in publishable if line.row.denominator]
            if denominators and sum(denominators):
                kind = "ratio"
                total = sum(numerators) / sum(denominators)
                if indicator.value_type == ValueType.PERCENTAGE:
                    total *= 100
    return NationalComparison(
        code=code,
        year=year,
        lines=lines,
        published=len(publishable),
        withheld=sum(1 for line in lines if line.shown.withheld),
        median=median,
        quartiles=quartiles,
        total=total,
        total_share=share,
        total_kind=kind,
        indicator=indicator,
    )


# --- the pact's documents ---------------------------------------------------------------------------------------


def published_figures(territory) -> dict[int, dict]:
    """{indicator id: its latest collective value as the public documents (PDF, PPTX) print it}, through the
    disclosure control (public audience: a withheld value is "secret statistique" and its reason, never the
    figure). 1 query. JSON-serialisable (the pact document is frozen in its published versions)."""
    from .charts import collective_text

    latest = {}
    for row in (
        CollectiveValue.objects.for_territory(territory).select_related("indicator").order_by("indicator_id", "year")
    ):  # 1 query; the last year read wins
        latest[row.indicator_id] = row
    figures = {}
    for indicator_id, row in latest.items():
        if row.value is None:
            continue  # "— non renseigné": nothing to print
        shown = disclose(row, audience=Audience.PUBLIC)
        own = row.indicator.aggregation == Aggregation.TERRITORY
        figures[indicator_id] = {
            "code": row.indicator_code,
            "year": row.year,
            "withheld": not shown.shown,
            "text": collective_text(row.indicator, as_collective(row)) if shown.shown else secret_text(),
            "coverage": "" if own or not shown.shown else f"{row.reporting}/{row.members}",
            "reason": shown.reason_text,
        }
    return figures


def secret_text() -> str:
    from .disclosure import secret_label

    return secret_label()

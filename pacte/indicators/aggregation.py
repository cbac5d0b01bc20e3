"""The territory's collective value of an indicator, from the companies' values, and whether it may be published.

Rules (issue "step 5" and the source):
- missing, zero and not applicable are three different things: a missing value is no row and never counts as
  zero; "not applicable" rows are counted apart; the coverage says how many member companies are behind a value;
- rates and intensities are the ratio of the sums (sum of numerators / sum of denominators), never the average of
  the companies' ratios; yes/no indicators give the number and the share of companies answering yes; scores give
  the median;
- statistical confidentiality: `disclosure.withheld_reason` (at least 3 companies, none above 85 %, differencing
  with the values published by consent, yes/no not (nearly) unanimous, medians of at least 5 values).
"""

import statistics
from dataclasses import dataclass
from decimal import Decimal

from .disclosure import MAX_WEIGHT, MIN_COMPANIES, reason_text, withheld_reason
from .models import Aggregation, ValueType

__all__ = ["MAX_WEIGHT", "MIN_COMPANIES", "Collective", "Totals", "collective_from_totals", "collective_value"]


@dataclass
class Collective:
    value: Decimal | None  # the collective value (a count for yes/no indicators)
    share: Decimal | None  # yes/no indicators: the share of reporting companies answering yes (0–100)
    reporting: int  # companies with a value
    not_applicable: int  # companies for which the indicator does not apply
    members: int  # member companies in the year (the coverage's denominator)
    withheld_reason: str = ""  # disclosure.WithheldReason code, "" when publishable
    numerator: Decimal | None = None  # ratios of sums: the sums behind the ratio (national totals)
    denominator: Decimal | None = None

    @property
    def withheld(self) -> bool:
        return bool(self.withheld_reason)

    @property
    def reason(self) -> str:
        return reason_text(self.withheld_reason)

    @property
    def coverage(self) -> str:
        return f"{self.reporting}/{self.members}"

    @property
    def missing(self) -> int:
        return max(0, self.members - self.reporting - self.not_applicable)


@dataclass
class Totals:
    """What the rules read of the rows of one indicator and one year, summed up beforehand (by the database: SUM,
    COUNT … FILTER, MAX, the middle values), so that the rows themselves never travel.

    "Reported": a row that is neither not applicable nor empty. "Pairs": reported rows with a denominator other
    than 0 (ratio indicators). `hidden`: the same totals over the rows not published by consent (differencing)."""

    reporting: int = 0
    not_applicable: int = 0
    total: Decimal | None = None  # sum of the reported values
    largest: Decimal | None = None  # the largest reported value
    yes: int = 0  # reported values other than 0
    median: Decimal | None = None  # median of the reported values (only needed for medians)
    pairs: int = 0
    numerators: Decimal | None = None  # sums over the pairs
    denominators: Decimal | None = None
    largest_numerator: Decimal | None = None
    largest_denominator: Decimal | None = None
    hidden: "Totals | None" = None


def totals_of(rows) -> Totals:
    """The Totals of (value, denominator, not_applicable[, public]) rows, in Python (what the database computes)."""
    rows = [tuple(row) + (False,) * (4 - len(row)) for row in rows]
    reported = [(Decimal(v), d, p) for v, d, na, p in rows if not na and v is not None]
    values = [v for v, _d, _p in reported]
    pairs = [(v, Decimal(d)) for v, d, _p in reported if d not in (None, 0)]
    totals = Totals(
        reporting=len(values),
        not_applicable=sum(1 for _v, _d, na, _p in rows if na),
        total=sum(values) if values else None,
        largest=max(values) if values else None,
        yes=sum(1 for v in values if v),
        median=Decimal(statistics.median(values)) if values else None,
        pairs=len(pairs),
        numerators=sum(n for n, _d in pairs) if pairs else None,
        denominators=sum(d for _n, d in pairs) if pairs else None,
        largest_numerator=max(n for n, _d in pairs) if pairs else None,
        largest_denominator=max(d for _n, d in pairs) if pairs else None,
    )
    if any(p for _v, _d, _na, p in rows):
        totals.hidden = totals_of([(v, d, na) for v, d, na, p in rows if not p])
    return totals


def collective_from_totals(*, aggregation: str, value_type: str, totals: Totals, members: int) -> Collective:
    """The collective value of the rows whose Totals these are, with the disclosure control's verdict."""
    result = Collective(None, None, totals.reporting, totals.not_applicable, members)
    if not totals.reporting:
        return result
    if aggregation == Aggregation.SUM:
        result.value = totals.total
    elif aggregation == Aggregation.YES_COUNT:
        result.value = Decimal(totals.yes)
        result.share = (Decimal(100) * totals.yes / totals.reporting).quantize(Decimal("0.1"))
    elif aggregation == Aggregation.RATIO_OF_SUMS:
        result.reporting = totals.pairs
        if not totals.pairs:
            return result
        ratio = totals.numerators / totals.denominators
        result.value = ratio * 100 if value_type == ValueType.PERCENTAGE else ratio
        result.numerator, result.denominator = totals.numerators, totals.denominators
    elif aggregation == Aggregation.MEDIAN:
        result.value = totals.median
    else:  # the territory's own value: one row at most
        result.value = totals.total
    result.withheld_reason = withheld_reason(aggregation=aggregation, totals=totals, hidden=totals.hidden)
    return result


def collective_value(*, aggregation: str, value_type: str, rows, members: int) -> Collective:
    """`rows`: (value, denominator, not_applicable[, published by consent]) of each company for one indicator and
    one year."""
    return collective_from_totals(
        aggregation=aggregation, value_type=value_type, totals=totals_of(rows), members=members
    )

"""The territory's collective value of an indicator, from the companies' values, and whether it may be published.

Rules (issue "step 5" and the source):
- missing, zero and not applicable are three different things: a missing value is no row and never counts as
  zero; "not applicable" rows are counted apart; the coverage says how many member companies are behind a value;
- rates and intensities are the ratio of the sums (sum of numerators / sum of denominators), never the average of
  the companies' ratios; yes/no indicators give the number and the share of companies answering yes; scores give
  the median;
- statistical confidentiality: a collective value is published only with at least 3 companies behind it and none
  weighing more than 85 % of it.
"""

import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .models import Aggregation, ValueType

MIN_COMPANIES = 3
MAX_WEIGHT = Decimal("0.85")


@dataclass
class Collective:
    value: Decimal | None  # the collective value (a count for yes/no indicators)
    share: Decimal | None  # yes/no indicators: the share of reporting companies answering yes (0–100)
    reporting: int  # companies with a value
    not_applicable: int  # companies for which the indicator does not apply
    members: int  # member companies (the coverage's denominator)
    withheld: bool = False
    reason: str = ""

    @property
    def coverage(self) -> str:
        return f"{self.reporting}/{self.members}"

    @property
    def missing(self) -> int:
        return max(0, self.members - self.reporting - self.not_applicable)


def _weight_too_big(parts: list[Decimal]) -> bool:
    total = sum(parts)
    return total > 0 and max(parts) / total > MAX_WEIGHT


def collective_value(*, aggregation: str, value_type: str, rows, members: int) -> Collective:
    """`rows`: (value, denominator, not_applicable) of each company for one indicator and one year."""
    rows = list(rows)
    not_applicable = sum(1 for _value, _den, na in rows if na)
    reported = [(v, d) for v, d, na in rows if not na and v is not None]
    result = Collective(None, None, len(reported), not_applicable, members)
    if not reported:
        return result
    values = [Decimal(v) for v, _d in reported]
    if aggregation == Aggregation.SUM:
        result.value = sum(values)
        dominant = _weight_too_big(values)
    elif aggregation == Aggregation.YES_COUNT:
        yes = sum(1 for v in values if v)
        result.value = Decimal(yes)
        result.share = (Decimal(100) * yes / len(values)).quantize(Decimal("0.1"))
        dominant = False  # a count of companies reveals no company's figure
    elif aggregation == Aggregation.RATIO_OF_SUMS:
        pairs = [(Decimal(v), Decimal(d)) for v, d in reported if d not in (None, 0)]
        result.reporting = len(pairs)
        if not pairs:
            result.value = None
            return result
        numerators, denominators = [n for n, _d in pairs], [d for _n, d in pairs]
        ratio = sum(numerators) / sum(denominators)
        result.value = ratio * 100 if value_type == ValueType.PERCENTAGE else ratio
        dominant = _weight_too_big(numerators) or _weight_too_big(denominators)
    elif aggregation == Aggregation.MEDIAN:
        result.value = Decimal(statistics.median(values))
        dominant = False
    else:  # the territory's own value: nothing to protect
        result.value = values[0]
        return result
    if result.reporting < MIN_COMPANIES:
        result.withheld = True
        result.reason = _("Moins de %(n)s entreprises ont répondu : publier la valeur révélerait leurs chiffres.") % {
            "n": MIN_COMPANIES
        }
    elif dominant:
        result.withheld = True
        result.reason = _("Une entreprise pèse plus de 85 % du total : publier la valeur révélerait son chiffre.")
    return result


@dataclass
class Totals:
    """What `collective_value` reads of the rows of one indicator and one year, summed up beforehand (by the
    database: SUM, COUNT … FILTER, MAX, the middle values), so that the rows themselves never travel.

    "Reported": a row that is neither not applicable nor empty. "Pairs": reported rows with a denominator other
    than 0 (ratio indicators)."""

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


def totals_of(rows) -> Totals:
    """The Totals of (value, denominator, not_applicable) rows, in Python (what the database computes)."""
    rows = list(rows)
    reported = [(Decimal(v), d) for v, d, na in rows if not na and v is not None]
    values = [v for v, _d in reported]
    pairs = [(v, Decimal(d)) for v, d in reported if d not in (None, 0)]
    return Totals(
        reporting=len(values),
        not_applicable=sum(1 for _v, _d, na in rows if na),
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


def _dominated(largest: Decimal | None, total: Decimal | None) -> bool:
    """`_weight_too_big` from the largest part and the total instead of the parts."""
    return total is not None and total > 0 and largest / total > MAX_WEIGHT


def collective_from_totals(*, aggregation: str, value_type: str, totals: Totals, members: int) -> Collective:
    """The same Collective as `collective_value` on the rows whose Totals these are (same rules, same messages)."""
    result = Collective(None, None, totals.reporting, totals.not_applicable, members)
    if not totals.reporting:
        return result
    if aggregation == Aggregation.SUM:
        result.value = totals.total
        dominant = _dominated(totals.largest, totals.total)
    elif aggregation == Aggregation.YES_COUNT:
        result.value = Decimal(totals.yes)
        result.share = (Decimal(100) * totals.yes / totals.reporting).quantize(Decimal("0.1"))
        dominant = False
    elif aggregation == Aggregation.RATIO_OF_SUMS:
        result.reporting = totals.pairs
        if not totals.pairs:
            return result
        ratio = totals.numerators / totals.denominators
        result.value = ratio * 100 if value_type == ValueType.PERCENTAGE else ratio
        dominant = _dominated(totals.largest_numerator, totals.numerators) or _dominated(
            totals.largest_denominator, totals.denominators
        )
    elif aggregation == Aggregation.MEDIAN:
        result.value = totals.median
        dominant = False
    else:  # the territory's own value: one row at most
        result.value = totals.total
        return result
    if result.reporting < MIN_COMPANIES:
        result.withheld = True
        result.reason = _("Moins de %(n)s entreprises ont répondu : publier la valeur révélerait leurs chiffres.") % {
            "n": MIN_COMPANIES
        }
    elif dominant:
        result.withheld = True
        result.reason = _("Une entreprise pèse plus de 85 % du total : publier la valeur révélerait son chiffre.")
    return result

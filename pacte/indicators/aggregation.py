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

"""The one disclosure control: whether a figure about companies may be shown to an audience, and why not.

Every output of a collective value goes through `disclose` (team dashboard, public page, PDF, PPTX, national
views; open data and the API read `CollectiveValue.withheld_reason`, computed here by `withheld_reason`).

Rules (issue 14, after the source's statistical confidentiality):
- at least 3 contributing companies, none above 85 % of the total (sums; numerators and denominators of ratios);
- differencing: once the values that companies published by consent (`IndicatorValue.public`) are taken out, the
  remainder must still have at least 3 contributors, none above 85 % of the remainder, and (yes/no) not be
  (nearly) unanimous: otherwise anyone computes the unpublished values from the collective one;
- yes/no counts: withheld when all or none answer yes, or when fewer than 3 answer differently from the rest;
- medians and other order statistics: at least 5 values (the median of 3 is one company's value);
- the territory's own value (no company behind it) is always shown.
The team of the territory sees its withheld values, marked as such; every other audience (the public, ANCT)
never sees them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Aggregation, WithheldReason

MIN_COMPANIES = 3
MAX_WEIGHT = Decimal("0.85")
MIN_ORDER_VALUES = 5  # medians, quartiles
MIN_DIFFERENT = 3  # yes/no: at least 3 answer yes and at least 3 answer no


class Audience(models.TextChoices):
    TEAM = "team", _("L'équipe du territoire")
    PUBLIC = "public", _("Le public")


REASON_TEXTS = {
    WithheldReason.TOO_FEW: _(
        "Moins de 3 entreprises ont répondu : publier la valeur révélerait leurs chiffres (secret statistique)."
    ),
    WithheldReason.DOMINANT: _(
        "Une entreprise pèse plus de 85 % du total : publier la valeur révélerait son chiffre (secret statistique)."
    ),
    WithheldReason.DIFFERENCING: _(
        "Des entreprises ont publié leur propre valeur : avec la valeur collective, on calculerait celle des "
        "autres (secret statistique)."
    ),
    WithheldReason.UNANIMOUS: _(
        "Toutes les entreprises, ou presque, ont donné la même réponse : publier le décompte révélerait la réponse "
        "de chacune (secret statistique)."
    ),
    WithheldReason.ORDER_STATISTIC: _(
        "Moins de 5 valeurs : une médiane serait la valeur d'une entreprise (secret statistique)."
    ),
}


def reason_text(code: str) -> str:
    """The French explanation of a reason code ("" for a publishable figure)."""
    return str(REASON_TEXTS[code]) if code in REASON_TEXTS else ""


def _dominated(largest, total) -> bool:
    return total is not None and largest is not None and total > 0 and Decimal(largest) / Decimal(total) > MAX_WEIGHT


def _rule_breaker(aggregation: str, t, *, remainder: bool = False) -> str:
    """The first rule broken by the contributions summed up in `t` (aggregation.Totals), as a reason code.
    `remainder`: the contributions left once the published ones are removed (no order-statistic rule there)."""
    ratio = aggregation == Aggregation.RATIO_OF_SUMS
    count = t.pairs if ratio else t.reporting
    if count < MIN_COMPANIES:
        return WithheldReason.TOO_FEW
    if aggregation == Aggregation.SUM and _dominated(t.largest, t.total):
        return WithheldReason.DOMINANT
    if ratio and (_dominated(t.largest_numerator, t.numerators) or _dominated(t.largest_denominator, t.denominators)):
        return WithheldReason.DOMINANT
    if aggregation == Aggregation.YES_COUNT and min(t.yes, t.reporting - t.yes) < MIN_DIFFERENT:
        return WithheldReason.UNANIMOUS
    if aggregation == Aggregation.MEDIAN and count < MIN_ORDER_VALUES and not remainder:
        return WithheldReason.ORDER_STATISTIC
    return ""


def withheld_reason(*, aggregation: str, totals, hidden=None) -> str:
    """Why the collective value of these contributions must not be published ("" if it may).

    `totals`: aggregation.Totals of the counted companies' values; `hidden`: the same over the values the companies
    did not publish by consent (None: none was published)."""
    if aggregation == Aggregation.TERRITORY:
        return ""
    ratio = aggregation == Aggregation.RATIO_OF_SUMS
    if not (totals.pairs if ratio else totals.reporting):
        return ""  # no value: nothing to protect ("— non renseigné")
    reason = _rule_breaker(aggregation, totals)
    if reason or hidden is None:
        return reason
    published = (totals.pairs - hidden.pairs) if ratio else (totals.reporting - hidden.reporting)
    if published > 0 and _rule_breaker(aggregation, hidden, remainder=True):
        return WithheldReason.DIFFERENCING
    return ""


@dataclass(frozen=True)
class Disclosed:
    """What an audience may read of a figure: `shown` False means value and share are None and `reason` says why;
    `withheld` True with `shown` True: the team reads its own withheld figure, marked "non publiée"."""

    shown: bool
    withheld: bool
    reason: str  # WithheldReason code, "" when publishable
    reason_text: str
    value: Decimal | None
    share: Decimal | None


def disclose(figure, *, audience: str) -> Disclosed:
    """The single gate: `figure` is a CollectiveValue row or an aggregation.Collective (anything with `value`,
    `share` and `withheld_reason`)."""
    code = figure.withheld_reason or ""
    shown = not code or audience == Audience.TEAM
    return Disclosed(
        shown=shown,
        withheld=bool(code),
        reason=code,
        reason_text=reason_text(code),
        value=figure.value if shown else None,
        share=figure.share if shown else None,
    )


def secret_label() -> str:
    return gettext("secret statistique")

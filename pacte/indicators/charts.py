"""Indicator figures as a French reader reads them, and their trend as a small SVG drawn server-side (web = PDF)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacte.territories.charts import TERRITORY_COLOUR

from .aggregation import Collective
from .models import Aggregation, ValueType

MISSING_COLOUR = "#929292"


def number_fr(value, decimals: int = 0) -> str:
    """12345.6 → "12 345,6" (narrow no-break space between thousands, comma for decimals, no trailing zeros)."""
    if value is None:
        return ""
    value = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    integer, _dot, fraction = f"{abs(value):f}".partition(".")
    groups = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    fraction = fraction.rstrip("0")
    return sign + "\u202f".join(groups or ["0"]) + ("," + fraction if fraction else "")


def _decimals(indicator) -> int:
    if indicator.value_type in (ValueType.PERCENTAGE, ValueType.RATIO, ValueType.SCORE, ValueType.AMOUNT):
        return 1 if indicator.value_type != ValueType.AMOUNT else 0
    return 0


def value_text(indicator, value, denominator=None, not_applicable=False) -> str:
    """One company's (or the territory's) value as read on a page."""
    if not_applicable:
        return _("sans objet")
    if value is None:
        return _("— non renseigné")
    if indicator.value_type == ValueType.BOOLEAN:
        return _("oui") if value else _("non")
    if denominator:
        share = Decimal(value) / Decimal(denominator)
        if indicator.value_type == ValueType.PERCENTAGE:
            return f"{number_fr(value, 2)} / {number_fr(denominator, 2)} ({number_fr(share * 100, 1)} %)"
        return f"{number_fr(value, 2)} / {number_fr(denominator, 2)} ({number_fr(share, 3)})"
    suffix = " %" if indicator.value_type == ValueType.PERCENTAGE else (f" {indicator.unit}" if indicator.unit else "")
    return number_fr(value, 4) + suffix


def collective_text(indicator, collective: Collective) -> str:
    """The collective value as read on the dashboard: missing never reads as zero."""
    if collective.value is None:
        return _("— non renseigné")
    if indicator.aggregation == Aggregation.YES_COUNT:
        message = ngettext(  # the catalogue's French rule: 0 and 1 take the singular
            "%(n)s entreprise sur %(r)s (%(s)s %%)", "%(n)s entreprises sur %(r)s (%(s)s %%)", int(collective.value)
        )
        return message % {
            "n": number_fr(collective.value),
            "r": collective.reporting,
            "s": number_fr(collective.share, 1),
        }
    if indicator.value_type == ValueType.PERCENTAGE:
        return f"{number_fr(collective.value, 1)} %"
    text = number_fr(collective.value, _decimals(indicator) if indicator.aggregation != Aggregation.SUM else 2)
    return f"{text} {indicator.unit}".strip()


def short_text(indicator, value) -> str:
    """A bar's label: the figure without its unit."""
    if value is None:
        return "—"
    return number_fr(value, 1 if indicator.value_type in (ValueType.PERCENTAGE, ValueType.RATIO) else 0)


def trend_svg(indicator, points: list[tuple[int, Decimal | None, bool]], *, hide_withheld: bool = False) -> str:
    """Small vertical bars, one per year: `points` are (year, value, withheld).

    A missing year shows "—" and no bar (never a zero bar); with hide_withheld (the public page) a withheld year
    shows "s" (secret statistique) and no bar, so the picture reveals nothing the figures hide.
    """
    if not points:
        return ""
    shown = [(year, None if (withheld and hide_withheld) else value, withheld) for year, value, withheld in points]
    values = [Decimal(v) for _y, v, _w in shown if v is not None]
    biggest = max([abs(v) for v in values] or [Decimal(1)]) or Decimal(1)
    slot, bar, top, chart_height = 52, 28, 16, 44
    width, height = slot * len(shown), top + chart_height + 16

    def column(i, year, value, withheld):
        x = i * slot + (slot - bar) // 2
        base = top + chart_height
        if value is None:
            if withheld and hide_withheld:  # said in words, not a lone "s"
                return format_html(
                    '<text x="{}" y="{}" font-size="9" text-anchor="middle" fill="{}" class="pacte-secret">{}'
                    '<tspan x="{}" dy="10">{}</tspan></text>'
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#3a3a3a">{}</text>',
                    x + bar // 2,
                    base - 14,
                    "#666666",
                    _("secret"),
                    x + bar // 2,
                    _("statistique"),
                    x + bar // 2,
                    base + 13,
                    year,
                )
            return format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>'
                '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#3a3a3a">{}</text>',
                x + bar // 2,
                base - 4,
                MISSING_COLOUR,
                "—",
                x + bar // 2,
                base + 13,
                year,
            )
        length = max(Decimal(1), Decimal(chart_height - 4) * abs(Decimal(value)) / biggest) if value else Decimal(0)
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
            '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#161616">{}</text>'
            '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#3a3a3a">{}</text>',
            x,
            f"{base - length:.1f}",
            bar,
            f"{length:.1f}",
            TERRITORY_COLOUR,
            x + bar // 2,
            f"{base - length - 3:.1f}",
            short_text(indicator, value),
            x + bar // 2,
            base + 13,
            year,
        )

    def said(value, withheld):
        if value is not None:
            return short_text(indicator, value)
        return _("secret statistique") if withheld and hide_withheld else _("non renseigné")

    description = "; ".join(f"{year} : {said(value, withheld)}" for year, value, withheld in shown)
    title = _("Évolution de « %(i)s » : %(d)s") % {"i": indicator.name, "d": description}
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{t}" font-family="Marianne, Arial, sans-serif" class="pacte-chart pacte-trend">'
        '<title>{t}</title><line x1="0" y1="{b}" x2="{w}" y2="{b}" stroke="#dddddd"/>{cols}</svg>',
        w=width,
        h=height,
        t=title,
        b=top + chart_height,
        cols=format_html_join("", "{}", ((column(i, *p),) for i, p in enumerate(shown))),
    )

"""Indicators across territories, for ANCT (superusers only): the list of indicator codes, and for one code and
one year each territory's collective value through the disclosure control, their distribution, each territory's
position and the national total where the aggregation allows it. Reads the stored collective values: one row per
territory, a constant number of queries."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import ngettext

from .charts import collective_text, number_fr
from .collective import as_collective, national_codes, national_comparison
from .models import Aggregation, CollectiveValue, ValueType

FIRST_YEAR = 2000


def _anct(request) -> None:
    """ANCT's national pages: superusers only; a territory team gets 403 (anonymous: login, by login_required)."""
    if not request.user.is_superuser:
        raise PermissionDenied


def _year(request, years: list[int]) -> int:
    default = years[0] if years else datetime.date.today().year - 1
    try:
        year = int(request.GET.get("annee", default))
    except ValueError:
        return default
    return year if FIRST_YEAR <= year <= datetime.date.today().year + 1 else default


@login_required
def codes(request):
    _anct(request)
    return render(request, "indicators/national_codes.html", {"codes": national_codes()})  # 2 queries


def _figure(indicator, value) -> str:
    if value is None:
        return "—"
    if indicator.value_type == ValueType.PERCENTAGE or indicator.aggregation == Aggregation.YES_COUNT:
        return f"{number_fr(value, 1)} %"
    decimals = 3 if indicator.aggregation == Aggregation.RATIO_OF_SUMS else 1
    return f"{number_fr(value, decimals)} {indicator.unit}".strip()


@login_required
def comparison(request, code):
    _anct(request)
    years = list(
        CollectiveValue.objects.filter(indicator_code=code).order_by("-year").values_list("year", flat=True).distinct()
    )  # 1 query
    if not years:
        raise Http404
    year = _year(request, years)
    result = national_comparison(code=code, year=year)  # 1 query
    indicator = result.indicator
    lines = [
        {
            "line": line,
            "text": collective_text(line.indicator, as_collective(line.row)) if line.shown.shown else "",
            "coverage": f"{line.row.reporting}/{line.row.members}",
        }
        for line in result.lines
    ]
    total_text = ""
    if result.total_kind == "yes":
        total_text = ngettext(
            "%(n)s entreprise répond oui (%(s)s %%)", "%(n)s entreprises répondent oui (%(s)s %%)", int(result.total)
        ) % {"n": number_fr(result.total), "s": number_fr(result.total_share, 1)}
    elif result.total_kind:
        total_text = _figure(indicator, result.total)
    return render(
        request,
        "indicators/national_comparison.html",
        {
            "code": code,
            "year": year,
            "years": years,
            "indicator": indicator,
            "result": result,
            "lines": lines,
            "median": _figure(indicator, result.median) if indicator else "",
            "quartiles": [_figure(indicator, q) for q in result.quartiles] if result.quartiles else [],
            "total_text": total_text,
        },
    )

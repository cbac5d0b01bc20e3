"""Indicators: the team's dashboard and indicator pages, the definitions, the company's own entry, the public page."""

import dataclasses
import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pacte.companies.models import Company, MembershipStatus
from pacte.core.access import (
    companies_for_user,
    get_company_for_user,
    get_public_territory,
    get_territory_for_user,
    territory_ids_for_request,
)
from pacte.core.files import file_response

from .aggregation import collective_value
from .charts import collective_text, trend_svg, value_text
from .disclosure import Audience, disclose, secret_label
from .forms import DefinitionForm, TeamValueForm, ValueForm, errors_to_form
from .models import Aggregation, Indicator, IndicatorValue, IndicatorValueChange, Level, Verification
from .selectors import member_count, members_by_year, territory_dashboard
from .services import DEFINITION_FIELDS, indicator_definition_update, indicator_value_save, indicator_value_verify

YEARS_SHOWN = 4


def _last_year(request) -> int:
    """The dashboard's last year: ?annee=, else last year (a year's values are reported the year after)."""
    default = datetime.date.today().year - 1
    try:
        year = int(request.GET.get("annee", default))
    except ValueError:
        return default
    return year if 2000 <= year <= default + 2 else default


def _years(last: int) -> list[int]:
    return list(range(last - YEARS_SHOWN + 1, last + 1))


def person_name(user) -> str:
    """Who did something, as people call them: their name, else their email, else their login."""
    if user is None:
        return ""
    return user.get_full_name().strip() or user.email or user.get_username()


def _snapshot_text(indicator, snapshot: dict | None) -> str:
    """A value of the history as read on a page (French number, unit, oui/non, sans objet)."""
    if snapshot is None:
        return ""

    def number(key):
        raw = snapshot.get(key)
        try:
            return None if raw in (None, "") else Decimal(raw)
        except (InvalidOperation, TypeError):
            return None

    return value_text(indicator, number("value"), number("denominator"), bool(snapshot.get("not_applicable")))


def _verification_label(snapshot: dict | None) -> str:
    code = (snapshot or {}).get("verification", "")
    return Verification(code).label if code in Verification.values else code


def history_rows(indicator, changes) -> list[dict]:
    """The changes of an indicator's values, in words: who (their name), before → after, the verification."""
    return [
        {
            "change": change,
            "who": person_name(change.changed_by),
            "before": _snapshot_text(indicator, change.before),
            "after": _snapshot_text(indicator, change.after),
            "verification": _verification_label(change.after),
        }
        for change in changes
    ]


def _distance(value, target) -> str:
    if value is None or target is None:
        return ""
    gap = value - target
    from .charts import number_fr

    return ("+" if gap > 0 else "") + number_fr(gap, 2)


def dashboard_rows(dashboard: list[dict], years: list[int], *, public: bool) -> list[dict]:
    """The dashboard by theme, as the page reads it (texts, chart); `public` hides withheld figures."""
    themes = []
    for entry in dashboard:
        indicator = entry["indicator"]
        if public and indicator.level == Level.INDIVIDUAL:
            continue
        cells = []
        for year in years:
            c = entry["years"][year]
            shown = disclose(c, audience=Audience.PUBLIC if public else Audience.TEAM)  # the one control
            if not shown.shown:  # the withheld figure never reaches the public page, not even its context
                c = dataclasses.replace(c, value=None, share=None, numerator=None, denominator=None)
            cells.append(
                {
                    "year": year,
                    "collective": c,
                    "text": collective_text(indicator, c) if shown.shown else secret_label(),
                    "hidden": not shown.shown,
                    "missing": c.value is None and shown.shown,
                }
            )
        latest = next((cell for cell in reversed(cells) if not cell["missing"]), None)
        value = latest["collective"].value if latest and not latest["hidden"] else None
        row = {
            "indicator": indicator,
            "cells": cells,
            "latest": latest,
            "chart": mark_safe(  # built with format_html: every value escaped
                trend_svg(
                    indicator,
                    [(c["year"], c["collective"].value, c["collective"].withheld) for c in cells],
                    hide_withheld=public,
                )
            ),
            "own_value": indicator.aggregation == Aggregation.TERRITORY,
            "distance_1y": _distance(value, indicator.target_1y),
            "distance_3y": _distance(value, indicator.target_3y),
        }
        if not themes or themes[-1]["theme"].pk != indicator.theme_id:
            themes.append({"theme": indicator.theme, "rows": []})
        themes[-1]["rows"].append(row)
    return themes


@login_required
def dashboard(request, slug):
    territory = get_territory_for_user(request, slug)  # 2 queries: the territory, the access
    last = _last_year(request)
    years = _years(last)
    data = territory_dashboard(territory=territory, years=years)  # 3 queries
    return render(
        request,
        "indicators/dashboard.html",
        {
            "territory": territory,
            "years": years,
            "last_year": last,
            "themes": dashboard_rows(data, years, public=False),
            "members": data[0]["years"][last].members if data else member_count(territory=territory),
            "can_write": territory.pk in territory_ids_for_request(request, write=True),  # 1 query
        },
    )


def _indicator_of(territory, pk) -> Indicator:
    """An indicator of this territory only: another territory's pk is a 404, even through one's own slug."""
    return get_object_or_404(Indicator.objects.for_territory(territory).select_related("theme"), pk=pk)


def _member_companies(territory):
    return (
        Company.objects.for_territory(territory)
        .filter(memberships__status=MembershipStatus.ACTIVE)
        .distinct()
        .order_by("name", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug)
    indicator = _indicator_of(territory, pk)
    can_write = territory.pk in territory_ids_for_request(request, write=True)
    companies = _member_companies(territory)
    form = None
    if can_write:
        form = TeamValueForm(
            request.POST or None,
            request.FILES or None,
            indicator=indicator,
            companies=companies,
            initial={"year": _last_year(request), "verification": Verification.DECLARED},
        )
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            existing = IndicatorValue.objects.filter(
                indicator=indicator, company=data.get("company"), year=data["year"]
            ).first()
            try:
                indicator_value_save(
                    indicator=indicator,
                    company=data.get("company"),
                    year=data["year"],
                    value=data.get("value"),
                    denominator=data.get("denominator"),
                    not_applicable=data["not_applicable"],
                    comment=data["comment"] or (existing.comment if existing else ""),
                    proof=data.get("proof"),
                    public=existing.public if existing else False,  # the company's consent, never the team's
                    verification=data["verification"],
                    actor=request.user,
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("La valeur a été enregistrée."))
                return redirect("indicators:detail", slug=territory.slug, pk=indicator.pk)
    values = list(
        IndicatorValue.objects.filter(indicator=indicator)
        .select_related("company")
        .order_by("-year", "company__name", "pk")
    )  # 1 query
    members = member_count(territory=territory)  # 1 query
    by_year = defaultdict(list)
    for v in values:
        by_year[v.year].append(v)
    year_members = members_by_year([territory.pk], by_year)  # 1 query
    years = []
    for year in sorted(by_year, reverse=True):
        rows = [
            (v.value, v.denominator, v.not_applicable, v.public)
            for v in by_year[year]
            if (v.company_id is None) == (indicator.aggregation == Aggregation.TERRITORY)
        ]
        collective = collective_value(
            aggregation=indicator.aggregation,
            value_type=indicator.value_type,
            rows=rows,
            members=year_members.get((territory.pk, year), 0),
        )
        years.append(
            {
                "year": year,
                "collective": collective,
                "text": collective_text(indicator, collective),
                "values": [
                    {"value": v, "text": value_text(indicator, v.value, v.denominator, v.not_applicable)}
                    for v in by_year[year]
                ],
            }
        )
    changes = list(
        IndicatorValueChange.objects.filter(value__indicator=indicator)
        .select_related("changed_by", "value__company")
        .order_by("-changed_at", "-pk")[:50]
    )  # 1 query
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "territory": territory,
            "indicator": indicator,
            "years": years,
            "changes": history_rows(indicator, changes),
            "form": form,
            "can_write": can_write,
            "members": members,
        },
    )


@login_required
@require_POST
def value_verify(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    value = get_object_or_404(IndicatorValue.objects.for_territory(territory), pk=pk)
    indicator_value_verify(value=value, actor=request.user)
    messages.success(request, _("La valeur est marquée vérifiée par le territoire."))
    return redirect("indicators:detail", slug=territory.slug, pk=value.indicator_id)


@login_required
def value_proof(request, pk):
    """A value's proof, for its company's representatives and its territory's team only (never a public URL)."""
    value = get_object_or_404(IndicatorValue.objects.exclude(proof=""), pk=pk)
    allowed = value.territory_id in territory_ids_for_request(request) or (
        value.company_id is not None and companies_for_user(request.user).filter(pk=value.company_id).exists()
    )
    if not allowed:  # 404, not 403: whoever may not read it does not learn that it exists
        raise Http404
    return file_response(request, value.proof.name, private=True, attachment=True)


@login_required
@require_http_methods(["GET", "POST"])
def definition_edit(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    indicator = _indicator_of(territory, pk)
    form = DefinitionForm(request.POST or None, initial={f: getattr(indicator, f) for f in DEFINITION_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            indicator_definition_update(indicator=indicator, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("La définition de l'indicateur a été enregistrée."))
            return redirect("indicators:detail", slug=territory.slug, pk=indicator.pk)
    return render(
        request, "indicators/definition_form.html", {"territory": territory, "indicator": indicator, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def company_indicators(request, pk):
    """The company's own indicators for a year: one form per indicator, its previous values."""
    company = get_company_for_user(request, pk)  # 404 unknown, 403 neither its representative nor its team
    membership = company.memberships.order_by("-pk").first()  # 1 query: the current adhesion
    if request.method == "POST" and (membership is None or membership.status != MembershipStatus.ACTIVE):
        raise PermissionDenied  # only a member company reports values (they count in the collective ones)
    year = _last_year(request)
    indicators = list(
        Indicator.objects.for_territory(company.territory)
        .filter(level__in=[Level.INDIVIDUAL, Level.BOTH])
        .exclude(aggregation=Aggregation.TERRITORY)
        .select_related("theme")
        .order_by("theme__order", "order", "pk")
    )  # 1 query
    values = list(
        IndicatorValue.objects.filter(company=company, indicator__in=[i.pk for i in indicators]).order_by("-year")
    )  # 1 query
    by_indicator = defaultdict(list)
    for v in values:
        by_indicator[v.indicator_id].append(v)
    posted = None
    if request.method == "POST":
        posted = next((i for i in indicators if str(i.pk) == request.POST.get("indicator")), None)
        if posted is None:
            raise Http404
    rows = []
    for indicator in indicators:
        current = next((v for v in by_indicator[indicator.pk] if v.year == year), None)
        initial = {}
        if current:
            initial = {
                "value": ""
                if current.value is None
                else (
                    str(int(current.value)) if current.value == int(current.value) else str(current.value).rstrip("0")
                ),
                "denominator": "" if current.denominator is None else str(current.denominator.normalize()),
                "not_applicable": current.not_applicable,
                "comment": current.comment,
                "public": current.public,
            }
        bound = indicator == posted
        form = ValueForm(
            request.POST if bound else None,
            request.FILES if bound else None,
            indicator=indicator,
            prefix=f"i{indicator.pk}",
            initial=initial,
        )
        if bound and form.is_valid():
            data = form.cleaned_data
            try:
                indicator_value_save(
                    indicator=indicator,
                    company=company,
                    year=year,
                    value=data.get("value"),
                    denominator=data.get("denominator"),
                    not_applicable=data["not_applicable"],
                    comment=data["comment"],
                    proof=data.get("proof"),
                    public=data.get("public", False),
                    verification=Verification.DECLARED,  # the company's own entry is a declaration
                    actor=request.user,
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("« %(i)s » : valeur %(y)s enregistrée.") % {"i": indicator.name, "y": year})
                return redirect(f"{request.path}?annee={year}")
        rows.append(
            {
                "indicator": indicator,
                "form": form,
                "current": current,
                "previous": [
                    {"value": v, "text": value_text(indicator, v.value, v.denominator, v.not_applicable)}
                    for v in by_indicator[indicator.pk]
                    if v.year != year
                ],
            }
        )
    return render(
        request,
        "indicators/company.html",
        {"company": company, "year": year, "years": _years(year + 1)[::-1], "rows": rows},
    )


def public_indicators(request, slug):
    """Citizens: the latest collective values (withheld ones say why), and company values published by consent."""
    territory = get_public_territory(request, slug)  # 1 query (+1 for the team's preview of a draft)
    last = _last_year(request)
    years = _years(last)
    data = territory_dashboard(territory=territory, years=years)  # 3 queries
    published = defaultdict(list)
    for v in (
        IndicatorValue.objects.for_territory(territory)
        .filter(public=True, company__isnull=False, year__in=years)
        .select_related("company")
        .order_by("-year", "company__name")
    ):  # 1 query
        published[v.indicator_id].append(v)
    themes = dashboard_rows(data, years, public=True)
    for theme in themes:
        for row in theme["rows"]:
            row["published"] = [
                {"value": v, "text": value_text(row["indicator"], v.value, v.denominator, v.not_applicable)}
                for v in published.get(row["indicator"].pk, [])
            ]
    return render(
        request,
        "public/indicators.html",
        {"territory": territory, "years": years, "last_year": last, "themes": themes},
    )

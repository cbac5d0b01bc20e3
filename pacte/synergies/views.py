"""Pages of the mutualisation app: the team's pipeline, the company's declarations and proposals, the public page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pacte.core.access import get_company_for_user, get_public_territory, get_territory_for_user, user_can_write
from pacte.territories.models import Commune

from .forms import DeclarationForm, KindFilterForm, RealisedForm, SettingsForm
from .maps import synergies_svg
from .matching import commune_centroids, matching_run
from .models import DEFAULT_MAX_KM, TRANSITIONS, Declaration, Kind, Role, Status, Synergy, SynergyParty, Visibility
from .services import (
    declaration_delete,
    declaration_save,
    declaration_visible_to,
    opportunities_for,
    party_decide,
    public_figures,
    settings_for,
    settings_update,
    synergies_xlsx,
    synergy_status_change,
)


def _parties():
    return Prefetch("parties", queryset=SynergyParty.objects.select_related("company", "declaration"))


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the territory team -----------------------------------------------------------------------------------------


def _map(territory, synergies, declarations) -> str:
    communes = list(Commune.objects.filter(intercommunality__territories=territory).distinct())
    centroids = commune_centroids(d.commune_code for d in declarations)
    companies = {}
    for declaration in declarations:
        if declaration.commune_code in centroids:
            companies.setdefault(declaration.company.name, centroids[declaration.commune_code])
    lines = []
    for synergy in synergies:
        if synergy.status == Status.ABANDONED:
            continue
        ends = [p.declaration for p in synergy.parties.all() if p.declaration is not None]
        points = [centroids[d.commune_code] for d in ends if d.commune_code in centroids]
        for point in points[1:]:
            lines.append((Status.REALISED if synergy.status == Status.REALISED else Status.PROPOSED, points[0], point))
    return synergies_svg(communes, companies, lines)


@login_required
@require_GET
def pipeline(request, slug):
    territory = get_territory_for_user(request, slug)
    filters = KindFilterForm(request.GET or None)
    kind = filters.cleaned_data["nature"] if filters.is_valid() else ""
    synergies = Synergy.objects.for_territory(territory).prefetch_related(_parties())
    declarations = Declaration.objects.for_territory(territory).select_related("company")
    if kind:
        synergies, declarations = synergies.filter(kind=kind), declarations.filter(kind=kind)
    synergies, declarations = list(synergies), list(declarations)
    columns = [
        {"status": value, "label": label, "synergies": [s for s in synergies if s.status == value]}
        for value, label in Status.choices
    ]
    return render(
        request,
        "synergies/pipeline.html",
        {
            "territory": territory,
            "filters": filters,
            "kind": kind,
            "columns": columns,
            "declarations": declarations,
            "map": _map(territory, synergies, declarations),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_POST
def propose(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    result = matching_run(territory=territory, actor=request.user)
    messages.success(
        request,
        _("Synergies proposées : %(c)s nouvelles, %(u)s mises à jour.") % {"c": result.created, "u": result.updated},
    )
    return redirect("synergies:pipeline", territory.slug)


@login_required
@require_http_methods(["GET", "POST"])
def synergy_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    synergy = get_object_or_404(Synergy.objects.for_territory(territory).prefetch_related(_parties()), pk=pk)
    realised_form = RealisedForm(
        request.POST if request.POST.get("status") == Status.REALISED else None,
        initial={"year": timezone.localdate().year},
    )
    if request.method == "POST":
        status = request.POST.get("status", "")
        try:
            if status == Status.REALISED:
                if not realised_form.is_valid():
                    raise ValidationError(_("Réalisée : vérifiez l'année et les quantités."))
                data = realised_form.cleaned_data
                synergy_status_change(
                    synergy=synergy, status=status, actor=request.user, year=data.pop("year"), quantities=data
                )
            else:
                synergy_status_change(
                    synergy=synergy, status=status, actor=request.user, reason=request.POST.get("reason", "")
                )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Statut de la synergie enregistré."))
            return redirect("synergies:detail", territory.slug, synergy.pk)
    return render(
        request,
        "synergies/synergy_detail.html",
        {
            "territory": territory,
            "synergy": synergy,
            "parties": list(synergy.parties.all()),
            "next_statuses": [s for s in Status if s in TRANSITIONS[synergy.status]],
            "realised_form": realised_form,
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request, slug):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    current = settings_for(territory)
    form = SettingsForm(request.POST or None, current={k: current.limit(k) for k in Kind.values})
    if request.method == "POST" and form.is_valid():
        settings_update(territory=territory, max_km=form.cleaned_data, actor=request.user)
        messages.success(request, _("Distances maximales enregistrées."))
        return redirect("synergies:pipeline", territory.slug)
    return render(
        request,
        "synergies/settings.html",
        {
            "territory": territory,
            "form": form,
            "defaults": DEFAULT_MAX_KM,
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_GET
def export(request, slug):
    territory = get_territory_for_user(request, slug)
    synergies = Synergy.objects.for_territory(territory).prefetch_related(_parties()).order_by("status", "-score", "pk")
    response = HttpResponse(
        synergies_xlsx(synergies), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="mutualisation-{territory.slug}.xlsx"'
    return response


# --- the company's space ----------------------------------------------------------------------------------------


def _company_login_required(view):
    return login_required(view, login_url="members:new_link")


def _proposals(company):
    """The synergies that concern the company, with what it may read of the other sides."""
    parties = (
        SynergyParty.objects.filter(company=company)
        .select_related("synergy")
        .prefetch_related(
            Prefetch("synergy__parties", queryset=SynergyParty.objects.select_related("company", "declaration"))
        )
        .order_by("-synergy__score", "synergy__pk")
    )
    proposals = []
    for party in parties:
        others = []
        for other in party.synergy.parties.all():
            if other.company_id == company.pk:
                continue
            visible = declaration_visible_to(other.declaration, company=company)
            others.append({"party": other, "visible": visible})
        proposals.append({"party": party, "synergy": party.synergy, "others": others})
    return proposals


@_company_login_required
@require_http_methods(["GET", "POST"])
def company_declarations(request, pk):
    company = get_company_for_user(request, pk)
    form = DeclarationForm(request.POST or None, instance=Declaration(company=company, territory=company.territory))
    if request.method == "POST" and form.is_valid():
        try:
            declaration_save(declaration=form.instance, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Déclaration enregistrée."))
            return redirect("synergies:company", company.pk)
    return render(
        request,
        "synergies/company.html",
        {
            "company": company,
            "territory": company.territory,
            "is_team": user_can_write(request, company.territory),
            "declarations": company.synergy_declarations.all(),
            "proposals": _proposals(company),
            "opportunities": opportunities_for(company),
            "form": form,
        },
    )


@_company_login_required
@require_http_methods(["GET", "POST"])
def declaration_edit(request, pk, declaration_pk):
    company = get_company_for_user(request, pk)
    declaration = get_object_or_404(Declaration.objects.filter(company=company), pk=declaration_pk)
    form = DeclarationForm(request.POST or None, instance=declaration)
    if request.method == "POST" and form.is_valid():
        try:
            declaration_save(declaration=form.instance, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Déclaration modifiée."))
            return redirect("synergies:company", company.pk)
    return render(
        request,
        "synergies/declaration_edit.html",
        {
            "company": company,
            "declaration": declaration,
            "form": form,
            "is_team": user_can_write(request, company.territory),
        },
    )


@_company_login_required
@require_POST
def declaration_remove(request, pk, declaration_pk):
    company = get_company_for_user(request, pk)
    declaration = get_object_or_404(Declaration.objects.filter(company=company), pk=declaration_pk)
    declaration_delete(declaration=declaration, actor=request.user)
    messages.success(request, _("Déclaration supprimée."))
    return redirect("synergies:company", company.pk)


@_company_login_required
@require_POST
def party_decide_view(request, pk, synergy_pk):
    company = get_company_for_user(request, pk)
    party = get_object_or_404(
        SynergyParty.objects.filter(company=company).select_related("synergy__territory", "company"),
        synergy_id=synergy_pk,
    )
    consent = request.POST.get("decision") == "accept"
    party_decide(party=party, consent=consent, show_publicly=request.POST.get("public") == "on", actor=request.user)
    messages.success(
        request, _("Vous acceptez la mise en relation.") if consent else _("Vous déclinez la mise en relation.")
    )
    return redirect("synergies:company", company.pk)


# --- the public page --------------------------------------------------------------------------------------------


@require_GET
def public(request, slug):
    territory = get_public_territory(request, slug)
    realised = [
        s
        for s in Synergy.objects.for_territory(territory)
        .filter(status=Status.REALISED)
        .prefetch_related(_parties())
        .order_by("-realised_year", "pk")
        if s.shown_publicly
    ]
    offers_needs = (
        Declaration.objects.for_territory(territory)
        .filter(visibility=Visibility.PUBLIC)
        .select_related("company")
        .order_by("direction", "kind", "pk")
    )
    return render(
        request,
        "synergies/public.html",
        {
            "territory": territory,
            "realised": realised,
            "figures": public_figures(territory),
            "declarations": offers_needs,
            "roles": Role,
        },
    )

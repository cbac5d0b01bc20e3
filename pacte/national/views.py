"""ANCT's national pages (superuser only: the cockpit and the bulk set-up) and the public national page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacte.core.models import ncount
from pacte.core.spreadsheets import SpreadsheetRefused
from pacte.core.throttle import client_address, throttle
from pacte.publications.models import PactStatus
from pacte.territories.models import Intercommunality, Territory

from .cockpit import cockpit_map, cockpit_rows, cockpit_xlsx, step_counts
from .forms import CockpitFilterForm, CommuneSearchForm, TerritoriesFileForm
from .importing import (
    ImportRefused,
    parsed_from_json,
    parsed_to_json,
    territories_file_parse,
    territories_import_apply,
    territories_plan,
)
from .maps import MapEntry, france_map_svg
from .search import commune_search

IMPORT_SALT = "pacte.national.import"
IMPORT_MAX_AGE = 3600
SEARCHES_PER_MINUTE = 30
PUBLISHED_COLOUR = "#000091"
# The cockpit's columns, each sortable (query-string name of pacte.national.cockpit.SORTS, header).
COLUMNS = [
    ("nom", gettext_lazy("Territoire")),
    ("region", gettext_lazy("Région")),
    ("etape", gettext_lazy("Étape atteinte")),
    ("version", gettext_lazy("Pacte publié")),
    ("entretiens", gettext_lazy("Entretiens réalisés")),
    ("ateliers", gettext_lazy("Ateliers tenus")),
    ("adherents", gettext_lazy("Entreprises adhérentes")),
    ("indicateurs", gettext_lazy("Indicateurs renseignés")),
    ("foncier", gettext_lazy("Appels à projets fonciers")),
]


def _national(request):
    """ANCT (national, superuser) only."""
    if not request.user.is_superuser:
        raise PermissionDenied


def _filters(request) -> dict:
    form = CockpitFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return {
        "form": form,
        "region": data.get("region") or "",
        "step": data.get("etape"),
        "sort": data.get("tri") or "nom",
        "descending": data.get("ordre") == "desc",
    }


@login_required
def cockpit(request):
    """Every territory on one page: step reached, pact, figures; filters, sort, map and export."""
    _national(request)
    filters = _filters(request)
    rows = cockpit_rows(
        region=filters["region"], step=filters["step"], sort=filters["sort"], descending=filters["descending"]
    )
    svg, off_map = cockpit_map(rows)
    columns = []
    for key, label in COLUMNS:
        query = request.GET.copy()
        query["tri"] = key
        current = key == filters["sort"]
        query["ordre"] = "asc" if current and filters["descending"] else ("desc" if current else "asc")
        direction = ("descending" if filters["descending"] else "ascending") if current else ""
        columns.append({"key": key, "label": label, "url": "?" + query.urlencode(), "aria_sort": direction})
    return render(
        request,
        "national/cockpit.html",
        {
            "rows": rows,
            "form": filters["form"],
            "columns": columns,
            "shown": ncount(_("%(n)s territoire affiché."), _("%(n)s territoires affichés."), len(rows)),
            "export_query": request.GET.urlencode(),
            "counts": step_counts(rows),
            "map_svg": svg,
            "off_map": off_map,
        },
    )


@login_required
def cockpit_export(request):
    _national(request)
    filters = _filters(request)
    rows = cockpit_rows(
        region=filters["region"], step=filters["step"], sort=filters["sort"], descending=filters["descending"]
    )
    response = HttpResponse(
        cockpit_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="territoires-d-industrie.xlsx"'
    return response


@login_required
def territories_import(request):
    """Bulk set-up: a file → a preview of every row (errors, creations, updates) → « Créer », all in one go."""
    _national(request)
    form = TerritoriesFileForm()
    context = {"form": form}
    if request.method == "POST" and "payload" in request.POST:
        try:
            data = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
            if data.get("user") != request.user.pk:
                raise signing.BadSignature
            parsed = parsed_from_json(data["rows"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            messages.error(request, _("Cet aperçu a expiré ou est invalide : déposez à nouveau le fichier."))
            return redirect("national:import")
        try:
            plan = territories_import_apply(parsed=parsed, actor=request.user, base_url=request.build_absolute_uri("/"))
        except ImportRefused as error:
            context.update(plan=territories_plan(parsed), refused=str(error))
            return render(request, "national/import.html", context, status=409)
        messages.success(request, plan.done_message)
        return redirect("national:cockpit")
    if request.method == "POST":
        form = TerritoriesFileForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                parsed = territories_file_parse(filename=upload.name, content=upload.read())
            except SpreadsheetRefused as error:
                form.add_error("file", str(error))
            else:
                plan = territories_plan(parsed)
                context.update(
                    plan=plan,
                    payload=signing.dumps(
                        {"user": request.user.pk, "rows": parsed_to_json(parsed)}, salt=IMPORT_SALT, compress=True
                    ),
                )
        status = 200 if form.is_valid() and "plan" in context else (400 if request.method == "POST" else 200)
        return render(request, "national/import.html", context, status=status)
    return render(request, "national/import.html", context)


def _published_territories():
    return (
        Territory.objects.filter(pact__status=PactStatus.PUBLISHED, archived_at__isnull=True)
        .select_related("pact")
        .prefetch_related(
            Prefetch("intercommunalities", queryset=Intercommunality.objects.only("siren").order_by("siren"))
        )
        .order_by("name")
    )


def _search(request) -> tuple[CommuneSearchForm, str, list | None]:
    form = CommuneSearchForm(request.GET or None)
    query = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    if not query:
        return form, "", None
    throttle(scope="commune-search", key=client_address(request), limit=SEARCHES_PER_MINUTE, period=60)
    return form, query, commune_search(query)


def public_territories(request):
    """The public national page: the published pacts on a map and in a list, and « mon territoire » (a GET form;
    as the visitor types, HTMX asks the same address for the suggestions alone)."""
    form, query, matches = _search(request)
    if request.htmx:
        return render(request, "national/_matches.html", {"query": query, "matches": matches, "suggestions": True})
    territories = list(_published_territories())
    entries = [
        MapEntry(
            name=t.name,
            sirens=[e.siren for e in t.intercommunalities.all()],
            url=reverse("public:pact", args=[t.slug]),
            colour=PUBLISHED_COLOUR,
            label=_("pacte publié"),
        )
        for t in territories
    ]
    svg, off_map = france_map_svg(
        entries,
        title=_("Carte des Territoires d'industrie dont le pacte est publié"),
        legend=[(PUBLISHED_COLOUR, _("Territoire d'industrie au pacte publié"))],
    )
    return render(
        request,
        "national/public.html",
        {
            "form": form,
            "query": query,
            "matches": matches,
            "territories": territories,
            "map_svg": svg,
            "off_map": off_map,
        },
    )

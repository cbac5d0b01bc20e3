"""Workspace pages of the register: upload and progress, key figures, the industrial universe, the feed of step 1."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pacte.core.access import get_territory_for_user, user_can_write
from pacte.core.models import ncount
from pacte.interviews.models import Pride
from pacte.interviews.models import SizeClass as PrideSize
from pacte.interviews.services_prides import pride_panel
from pacte.territories.models import Commune

from . import services, sirene
from .forms import FiguresApplyForm, SireneUploadForm
from .maps import universe_svg
from .models import ImportStatus, SireneImport

PAGE_SIZE = 50


@login_required
def upload(request, slug):
    territory = get_territory_for_user(request, slug)
    can_write = user_can_write(request, territory)
    if request.method == "POST":
        territory = get_territory_for_user(request, slug, write=True)
        form = SireneUploadForm(request.POST, request.FILES)
        if form.is_valid():
            record = services.sirene_import_start(
                territory=territory,
                establishments=form.cleaned_data["establishments"],
                units=form.cleaned_data.get("units"),
                stock_month=form.cleaned_data.get("stock_month") or "",
                actor=request.user,
            )
            return redirect("companies:progress", territory.slug, record.pk)
    else:
        form = SireneUploadForm()
    return render(
        request,
        "companies/upload.html",
        {
            "territory": territory,
            "can_write": can_write,
            "form": form,
            "imports": services.sirene_imports_recent(territory=territory),
        },
    )


@login_required
def progress(request, slug, pk):
    territory = get_territory_for_user(request, slug)
    record = get_object_or_404(SireneImport.objects.for_territory(territory), pk=pk)
    context = {
        "territory": territory,
        "record": record,
        "running": record.status in (ImportStatus.PENDING, ImportStatus.RUNNING),
    }
    if request.htmx:
        return render(request, "companies/_progress.html", context)
    return render(request, "companies/progress.html", context)


@login_required
def figures(request, slug):
    territory = get_territory_for_user(request, slug)
    if request.method == "POST":
        territory = get_territory_for_user(request, slug, write=True)
        form = FiguresApplyForm(request.POST)
        if form.is_valid():
            done = services.key_figures_apply(
                territory=territory,
                count_mode=form.cleaned_data["count_mode"],
                sizes=form.cleaned_data["sizes"],
                actor=request.user,
            )
            if done:
                messages.success(request, _("Enregistré dans le pacte : %(what)s") % {"what": " ".join(done)})
            else:
                messages.info(request, _("Rien n'a été modifié."))
            return redirect("companies:figures", territory.slug)
    else:
        form = FiguresApplyForm()
    offer = services.figures_offer(territory=territory)
    rows = [
        {
            "key": key,
            "label": label,
            "territory": offer.figures["size_classes"][key],
            "national": offer.national[key],
            "current": offer.current_shares.get(services.TO_SHARE_CLASS[key]),
        }
        for key, label in (
            ("micro", _("Micro-entreprises")),
            ("pme", _("PME (hors micro-entreprises)")),
            ("eti", _("Entreprises de taille intermédiaire")),
            ("ge", _("Grandes entreprises")),
        )
    ]
    return render(
        request,
        "companies/figures.html",
        {
            "territory": territory,
            "can_write": user_can_write(request, territory),
            "form": form,
            "offer": offer,
            "rows": rows,
            "national_min": sirene.NATIONAL_MIN_TERRITORIES,
        },
    )


@login_required
def universe(request, slug):
    territory = get_territory_for_user(request, slug)
    communes = {c.insee_code: c for c in Commune.objects.filter(intercommunality__territories=territory).distinct()}
    filters = services.universe_filters(request.GET, communes=communes)
    counts = services.universe_counts(territory=territory, filters=filters)
    page = Paginator(services.universe_named(territory=territory, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = services.universe_rows(territory=territory, establishments=page.object_list)
    panel = pride_panel(Pride.objects.for_territory(territory))
    missing = [size for size, count in _panel_counts(panel) if not count]
    suggestions = services.pride_suggestions(territory=territory, missing=missing)
    for row in [*rows, *(r for items in suggestions.values() for r in items)]:
        commune = communes.get(row.establishment.commune_code)
        row.commune = commune.name if commune is not None else row.establishment.commune_code
    divisions = sorted(sirene.INDUSTRIAL_DIVISIONS)
    return render(
        request,
        "companies/universe.html",
        {
            "territory": territory,
            "can_write": user_can_write(request, territory),
            "filters": filters,
            "counts": counts,
            "count_label": ncount(
                _("%(n)s établissement industriel actif"), _("%(n)s établissements industriels actifs"), counts["total"]
            ),
            "page": page,
            "rows": rows,
            "page_query": urlencode(filters),
            "divisions": divisions,
            "sizes": [(key, label) for key, label in SIZE_LABELS],
            "communes": sorted(communes.values(), key=lambda c: c.name),
            "map": universe_svg(communes.values(), counts["by_commune"]),
            "suggestions": [(SUGGESTION_LABELS[k], v) for k, v in suggestions.items()],
            "has_register": sirene.latest_stock_month(territory) != "",
        },
    )


SIZE_LABELS = [
    ("micro", gettext_lazy("Micro-entreprise")),
    ("pme", gettext_lazy("PME (hors micro)")),
    ("eti", gettext_lazy("ETI")),
    ("ge", gettext_lazy("Grande entreprise")),
    ("inconnue", gettext_lazy("Catégorie inconnue")),
]
SUGGESTION_LABELS = {
    "startup": gettext_lazy("Start-up"),
    "pme": gettext_lazy("PME"),
    "eti": gettext_lazy("ETI"),
    "grand_groupe": gettext_lazy("Grand groupe"),
}


def _panel_counts(panel):
    return [(size.value, count) for size, (_label, count) in zip(PrideSize, panel.by_class, strict=True)]


@login_required
@require_POST
def feed(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    sirets = [s.strip() for s in request.POST.getlist("siret") if s.strip()]
    if not sirets:
        messages.warning(request, _("Cochez au moins un établissement à ajouter au fichier de suivi."))
    else:
        added, present = services.tracking_file_feed(territory=territory, sirets=sirets)
        if added:
            messages.success(
                request,
                ncount(
                    _("%(n)s entreprise ajoutée au fichier de suivi : "),
                    _("%(n)s entreprises ajoutées au fichier de suivi : "),
                    len(added),
                )
                + ", ".join(added)
                + ".",
            )
        if present:
            messages.info(
                request,
                ncount(
                    _("%(n)s entreprise était déjà dans le fichier de suivi : "),
                    _("%(n)s entreprises étaient déjà dans le fichier de suivi : "),
                    len(present),
                )
                + ", ".join(present)
                + ".",
            )
    communes = {
        c: c
        for c in Commune.objects.filter(intercommunality__territories=territory).values_list("insee_code", flat=True)
    }
    kept = services.universe_filters(QueryDict(request.POST.get("query", "")), communes=communes)
    url = reverse("companies:universe", args=[territory.slug])
    return redirect(f"{url}?{urlencode(kept)}" if kept else url)

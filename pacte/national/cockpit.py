"""ANCT's cockpit: every territory on one page (step reached, pact, figures), its filters, sort, export and map."""

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacte.roadmap.national import ALL_DONE, territories_progress
from pacte.territories.models import Territory

from .maps import MapEntry, france_map_svg

STEP_LABELS = {
    1: gettext_lazy("Étape 1 — Engagements et entretiens"),
    2: gettext_lazy("Étape 2 — Ateliers et validation"),
    3: gettext_lazy("Étape 3 — Rédaction du pacte"),
    4: gettext_lazy("Étape 4 — Appropriation"),
    5: gettext_lazy("Étape 5 — Gouvernance"),
    ALL_DONE: gettext_lazy("5 étapes terminées"),
}
# DSFR illustrative colours, from the first step to the last (the table says the same in words).
STEP_COLOURS = {1: "#E4794A", 2: "#C3992A", 3: "#68A532", 4: "#009081", 5: "#6A6AF4", ALL_DONE: "#000091"}

# Sortable columns: query-string name → key of a row.
SORTS = {
    "nom": lambda r: r.territory.name.casefold(),
    "region": lambda r: (r.territory.region or "~").casefold(),
    "etape": lambda r: r.step_reached,
    "version": lambda r: r.version or 0,
    "publication": lambda r: r.published_on or datetime.date.min,
    "entretiens": lambda r: r.interviews,
    "ateliers": lambda r: r.workshops_held,
    "adherents": lambda r: r.members,
    "indicateurs": lambda r: r.coverage if r.coverage is not None else -1,
    "foncier": lambda r: r.land_calls,
}


@dataclass
class CockpitRow:
    territory: Territory
    step_reached: int
    statuses: list[str]
    version: int | None
    published_on: datetime.date | None
    interviews: int
    workshops_held: int
    members: int
    indicators_with_value: int
    indicators_total: int
    land_calls: int
    sirens: list[str]
    step_label: str = ""

    @property
    def step_colour(self) -> str:
        return STEP_COLOURS[self.step_reached]

    @property
    def coverage(self) -> int | None:
        """Percentage of the territory's indicators with at least one value entered (None: no indicator)."""
        if not self.indicators_total:
            return None
        return round(100 * self.indicators_with_value / self.indicators_total)

    @property
    def pact_status(self) -> str:
        pact = getattr(self.territory, "pact", None)
        return pact.get_status_display() if pact else "—"


def cockpit_rows(*, region: str = "", step: int | None = None, sort: str = "nom", descending: bool = False):
    """Every territory (archived ones included, marked) with its progress: 7 queries whatever their number
    (territories_progress's 6, and the EPCI of every territory)."""
    territories = Territory.objects.all()
    if region:
        territories = territories.filter(region=region)
    sirens = defaultdict(list)  # the EPCI of every territory, as plain values (1 query, no model instances)
    for territory_id, siren in (
        Territory.intercommunalities.through.objects.filter(territory__in=territories)
        .order_by("intercommunality__siren")
        .values_list("territory_id", "intercommunality__siren")
    ):
        sirens[territory_id].append(siren)
    rows = []
    labels = {step: str(label) for step, label in STEP_LABELS.items()}  # translated once, not once per row
    for progress in territories_progress(territories):
        facts = progress.facts
        rows.append(
            CockpitRow(
                territory=progress.territory,
                step_reached=progress.step_reached,
                statuses=progress.statuses,
                version=facts["version_number"],
                published_on=facts["version_published_on"],
                interviews=facts["interviews_done"],
                workshops_held=progress.workshops_held,
                members=facts["adhesions_active"],
                indicators_with_value=facts["indicators_with_value"],
                indicators_total=facts["indicators_total"],
                land_calls=facts["land_calls"],
                sirens=sirens[progress.territory.pk],
                step_label=labels[progress.step_reached],
            )
        )
    if step:
        rows = [r for r in rows if r.step_reached == step]
    key = SORTS.get(sort, SORTS["nom"])
    rows.sort(key=lambda r: (key(r), r.territory.name.casefold()), reverse=descending)
    return rows


def step_counts(rows) -> list[tuple[int, str, str, int]]:
    """(step, label, colour, number of territories) for the legend and the summary."""
    counts = {step: 0 for step in STEP_LABELS}
    for row in rows:
        counts[row.step_reached] += 1
    return [(step, str(STEP_LABELS[step]), STEP_COLOURS[step], counts[step]) for step in STEP_LABELS]


def cockpit_map(rows) -> tuple[str, list[str]]:
    """The map of France coloured by step reached, each territory linked to its roadmap."""
    entries = [
        MapEntry(
            name=row.territory.name,
            sirens=row.sirens,
            url=reverse("roadmap:roadmap", args=[row.territory.slug]),
            colour=row.step_colour,
            label=row.step_label,
        )
        for row in rows
    ]
    legend = [(colour, label) for _step, label, colour, _n in step_counts(rows)]
    return france_map_svg(entries, title=_("Carte des Territoires d'industrie par étape atteinte"), legend=legend)


# --- export --------------------------------------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _safe(cell, value):
    """A value that can never become a formula (as the tracking file's export does)."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True


def cockpit_xlsx(rows) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Territoires")
    headers = [
        _("Territoire"),
        _("Région"),
        _("Étape atteinte"),
        _("Numéro de l'étape"),
        _("État du pacte"),
        _("Version publiée"),
        _("Publiée le"),
        _("Entretiens réalisés"),
        _("Ateliers tenus"),
        _("Entreprises adhérentes"),
        _("Indicateurs renseignés"),
        _("Indicateurs du pacte"),
        _("Appels à projets fonciers"),
        _("Archivé"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows, 2):
        values = [
            row.territory.name,
            row.territory.region,
            row.step_label,
            row.step_reached,
            row.pact_status,
            row.version,
            row.published_on,
            row.interviews,
            row.workshops_held,
            row.members,
            row.indicators_with_value,
            row.indicators_total,
            row.land_calls,
            _("oui") if row.territory.archived_at else _("non"),
        ]
        for index, value in enumerate(values, 1):
            cell = sheet.cell(row=number, column=index)
            _safe(cell, value)
            if isinstance(value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["C"].width = 36
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()

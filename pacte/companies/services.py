"""The register's uses: imports from the workspace, key figures written to the pact, the industrial universe, the
tracking file fed, SIREN checks for the pages of other apps. Nothing here imports an app above companies
(indicators, governance, land…): tests/test_companies_definitions.py checks it.
"""

import datetime
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacte.core.identifiers import siren_compact, siren_is_valid
from pacte.stakeholders.models import Category, Stakeholder, name_key
from pacte.stakeholders.services import contact_save, stakeholder_find
from pacte.territories.models import Commune, KeyFigure, SizeClassShare

from . import sirene
from .models import Company, Establishment, ImportStatus, LegalUnit, SireneImport, SizeClass

logger = logging.getLogger(__name__)

# --- imports from the workspace ------------------------------------------------------------------------------


def sirene_import_start(*, territory, establishments, units=None, stock_month: str = "", actor) -> SireneImport:
    """Keep the uploaded files in a private temporary folder and import them, in a thread of its own
    (SIRENE_IMPORT_IN_BACKGROUND=False imports before answering, e.g. in tests). Returns the import's record."""
    folder = tempfile.mkdtemp(prefix="sirene-")
    paths = []
    for upload in (establishments, units):
        if upload is None:
            paths.append(None)
            continue
        path = os.path.join(folder, f"{len(paths)}.data")
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        paths.append(path)
    record = SireneImport.objects.create(
        territory=territory,
        filename=establishments.name[:255],
        units_filename=units.name[:255] if units is not None else "",
        stock_month=stock_month,
        started_by=actor,
    )
    arguments = (record.pk, paths[0], paths[1], stock_month, folder)
    if getattr(settings, "SIRENE_IMPORT_IN_BACKGROUND", True):
        transaction.on_commit(
            lambda: threading.Thread(
                target=_import_in_thread, args=arguments, name=f"sirene-{record.pk}", daemon=True
            ).start()
        )
    else:
        _import_run(*arguments)
        record.refresh_from_db()
    return record


def _import_in_thread(*arguments) -> None:
    close_old_connections()
    try:
        _import_run(*arguments)
    finally:
        connections.close_all()


def _import_run(record_pk: int, path: str, units_path: str | None, stock_month: str, folder: str) -> None:
    record = SireneImport.objects.select_related("territory").get(pk=record_pk)
    SireneImport.objects.filter(pk=record_pk).update(status=ImportStatus.RUNNING)
    last = [0.0]

    def report(progress):  # at most one write a second
        now = timezone.now().timestamp()
        if now - last[0] >= 1 and progress.step == "establishments":
            last[0] = now
            SireneImport.objects.filter(pk=record_pk).update(rows_read=progress.rows_read, rows_kept=progress.rows_kept)

    try:
        sirene.sirene_import(
            territory=record.territory,
            establishments_path=path,
            units_path=units_path,
            stock_month=stock_month or None,
            limits=sirene.UPLOAD_LIMITS,
            report=report,
            record=record,
        )
    except sirene.SireneRefused as error:
        SireneImport.objects.filter(pk=record_pk).update(
            status=ImportStatus.FAILED, error=str(error), finished_at=timezone.now()
        )
    except Exception:
        logger.exception("SIRENE import %s failed", record_pk)
        SireneImport.objects.filter(pk=record_pk).update(
            status=ImportStatus.FAILED,
            error=_("L'import a échoué de façon inattendue ; rien n'a été modifié. Réessayez ou prévenez l'ANCT."),
            finished_at=timezone.now(),
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sirene_imports_recent(*, territory, limit: int = 10):
    return (
        SireneImport.objects.for_territory(territory)
        .select_related("started_by")
        .order_by("-started_at", "-pk")[:limit]
    )


# --- key figures ---------------------------------------------------------------------------------------------

SIRENE_SOURCE_PREFIX = "Insee, répertoire Sirene"
COUNT_LABEL = "établissements industriels employeurs"
# The published reference for all Territoires d'industrie (ANCT, Insee, November 2024), kept until enough
# territories have imported their register.
NATIONAL_REFERENCE = {"micro": 46.0, "pme": 35.0, "eti": 13.0, "ge": 5.0}
TO_SHARE_CLASS = {"micro": "micro", "pme": "sme", "eti": "mid", "ge": "large"}  # territories.SizeClass values


def month_label(month: str) -> str:
    """ "2024-11" → "novembre 2024" (in the active language)."""
    try:
        day = datetime.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        return month
    return date_format(day, "F Y")


def source_label(month: str) -> str:
    return _("Insee, répertoire Sirene, stock de %(month)s") % {"month": month_label(month)}


def _french_number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


@dataclass
class FiguresOffer:
    """What the key figures page shows: the computed figures, beside what the pact holds today."""

    figures: dict
    source: str
    national: dict
    national_is_computed: bool
    territories_imported: int
    current_figures: list = field(default_factory=list)
    current_shares: dict = field(default_factory=dict)


def figures_offer(*, territory) -> FiguresOffer:
    figures = sirene.key_figures(territory=territory)
    national, count = sirene.national_shares()
    return FiguresOffer(
        figures=figures,
        source=source_label(figures["source_date"]) if figures["source_date"] else "",
        national=national or _published_national(territory),
        national_is_computed=national is not None,
        territories_imported=count,
        current_figures=list(KeyFigure.objects.for_territory(territory)),
        current_shares={
            s.size_class: s for s in SizeClassShare.objects.for_territory(territory)
        },  # keyed by territories.SizeClass
    )


def _published_national(territory) -> dict:
    """The territory's own national column if it has one, else the published reference."""
    rows = {s.size_class: float(s.national_share) for s in SizeClassShare.objects.for_territory(territory)}
    return {key: rows.get(TO_SHARE_CLASS[key], NATIONAL_REFERENCE[key]) for key in sirene.SIZE_KEYS}


def _set_date(figure, month: str) -> None:
    """Another app may give key figures a date: set it when the field exists."""
    if not hasattr(KeyFigure, "date"):
        return
    model_field = KeyFigure._meta.get_field("date")
    if model_field.get_internal_type() == "DateField":
        figure.date = datetime.datetime.strptime(month, "%Y-%m").date()
    else:
        figure.date = month


@transaction.atomic
def key_figures_apply(*, territory, count_mode: str = "", sizes: bool = False, actor=None) -> list[str]:
    """Write the computed figures into the pact, as the team chose.

    count_mode: "" (leave), "beside" (the Sirene figure added next to hand-typed ones, or updated if it is there),
    "replace" (the figure labelled "établissements industriels employeurs" takes the computed value and source).
    sizes: the size-class table takes the computed shares (its national column: computed over every imported
    territory from 10 of them, else kept as published). Returns what was written, in French.
    """
    figures = sirene.key_figures(territory=territory)
    month = figures["source_date"]
    if not month:
        return []
    done = []
    source = source_label(month)
    value = _french_number(figures["industrial_employer_establishments"])
    if count_mode in ("beside", "replace"):
        existing = list(KeyFigure.objects.for_territory(territory))
        target = next((f for f in existing if f.source.startswith(SIRENE_SOURCE_PREFIX)), None)
        if count_mode == "replace":
            target = next((f for f in existing if name_key(f.label) == name_key(COUNT_LABEL)), target)
        if target is None:
            last = max((f.order for f in existing), default=-1)
            target = KeyFigure(territory=territory, order=last + 1, label=COUNT_LABEL)
        target.value, target.source = value, source
        _set_date(target, month)
        target.save()
        done.append(
            _("Chiffre clé « %(value)s %(label)s » (%(source)s).")
            % {"value": value, "label": target.label, "source": source}
        )
    if sizes:
        national, _count = sirene.national_shares()
        national = national or _published_national(territory)
        for order, key in enumerate(sirene.SIZE_KEYS):
            SizeClassShare.objects.update_or_create(
                territory=territory,
                size_class=TO_SHARE_CLASS[key],
                defaults={
                    "order": order,
                    "territory_share": Decimal(str(figures["size_classes"][key])),
                    "national_share": Decimal(str(national[key])),
                },
            )
        done.append(_("Répartition par taille d'entreprise (%(source)s).") % {"source": source})
    return done


# --- the industrial universe ---------------------------------------------------------------------------------

SIZE_FILTERS = {
    "micro": SizeClass.MICRO,
    "pme": SizeClass.PME,
    "eti": SizeClass.ETI,
    "ge": SizeClass.GE,
    "inconnue": "",
}


def universe_filters(params, *, communes: dict) -> dict:
    """The valid filters among GET parameters (an unknown value is ignored)."""
    filters = {}
    division = (params.get("division") or "").strip()
    if division in sirene.INDUSTRIAL_DIVISIONS:
        filters["division"] = division
    size = (params.get("taille") or "").strip()
    if size in SIZE_FILTERS:
        filters["taille"] = size
    commune = (params.get("commune") or "").strip()
    if commune in communes:
        filters["commune"] = commune
    employer = (params.get("employeur") or "").strip()
    if employer in ("oui", "non"):
        filters["employeur"] = employer
    return filters


def _lookups(filters: dict) -> dict:
    lookups = {}
    if "division" in filters:
        lookups["naf_division"] = filters["division"]
    if "taille" in filters:
        lookups["size_class"] = SIZE_FILTERS[filters["taille"]]
    if "commune" in filters:
        lookups["commune_code"] = filters["commune"]
    if "employeur" in filters:
        lookups["employer"] = filters["employeur"] == "oui"
    return lookups


def universe_queryset(*, territory, filters: dict):
    """The active industrial establishments of the perimeter under the filters (diffusible or not)."""
    return Establishment.objects.for_territory(territory).filter(active=True, industrial=True, **_lookups(filters))


def universe_counts(*, territory, filters: dict) -> dict:
    """Counts under the filters, one query: all, named (diffusible), employer, by commune."""
    queryset = universe_queryset(territory=territory, filters=filters)
    totals = queryset.aggregate(
        total=Count("pk"),
        hidden=Count("pk", filter=Q(diffusible=False) | Q(legal_unit__diffusible=False)),
        employers=Count("pk", filter=Q(employer=True)),
    )
    totals["by_commune"] = dict(
        queryset.order_by().values_list("commune_code").annotate(n=Count("pk")).values_list("commune_code", "n")
    )
    return totals


def universe_named(*, territory, filters: dict):
    """The establishments that may be named (both it and its legal unit diffusible), for the list."""
    return (
        universe_queryset(territory=territory, filters=filters)
        .filter(diffusible=True)
        .exclude(legal_unit__diffusible=False)
        .select_related("legal_unit")
        .order_by("commune_code", "legal_unit__name", "siret")
    )


def establishment_name(establishment) -> str:
    unit = establishment.legal_unit
    unit_name = unit.name if unit is not None and unit.diffusible else ""
    return establishment.sign_name or establishment.usual_name or unit_name or establishment.siret


def company_name(establishment) -> str:
    """The entity's name in the tracking file: the legal unit's name (a second establishment is the same one)."""
    unit = establishment.legal_unit
    if unit is not None and unit.diffusible and unit.name:
        return unit.name
    return establishment.usual_name or establishment.sign_name


def _member_sirens(territory) -> set[str]:
    """SIRENs of the territory's member companies."""
    return set(Company.objects.filter(territory=territory).exclude(siren="").values_list("siren", flat=True))


def _tracked_keys(territory) -> tuple[set[str], set[str]]:
    """What the tracking file holds: its companies' SIRENs and the name keys of its entities."""
    stakeholders = Stakeholder.objects.for_territory(territory)
    sirens = set(stakeholders.exclude(siren="").values_list("siren", flat=True))
    return sirens, {name_key(name) for name in stakeholders.values_list("name", flat=True)}


def _pride_keys(territory) -> set[str]:
    pride = apps.get_model("interviews", "Pride")
    return {name_key(n) for n in pride.objects.filter(territory=territory).values_list("company", flat=True)}


@dataclass
class UniverseRow:
    establishment: Establishment
    name: str
    company: str
    tracked: bool
    member: bool
    pride: bool
    commune: str = ""


def universe_rows(*, territory, establishments) -> list[UniverseRow]:
    """The page's rows with their marks (3 queries whatever the number of rows)."""
    tracked_sirens, tracked_names = _tracked_keys(territory)
    members = _member_sirens(territory)
    prides = _pride_keys(territory)
    rows = []
    for establishment in establishments:
        company = company_name(establishment)
        keys = {name_key(company), name_key(establishment.sign_name), name_key(establishment.usual_name)} - {""}
        rows.append(
            UniverseRow(
                establishment=establishment,
                name=establishment_name(establishment),
                company=company,
                tracked=establishment.siren in tracked_sirens or bool(keys & tracked_names),
                member=establishment.siren in members,
                pride=bool(keys & prides),
            )
        )
    return rows


# --- feeding the tracking file (step 1) ----------------------------------------------------------------------


@transaction.atomic
def tracking_file_feed(*, territory, sirets: list[str]) -> tuple[list[str], list[str]]:
    """Add the companies of the selected establishments to the tracking file as "Entreprises", one entity per
    legal unit (a second establishment, or a later feed, finds it by its SIREN note or its name). Returns the names
    added and the names already there."""
    establishments = (
        Establishment.objects.for_territory(territory)
        .filter(siret__in=sirets[:500], diffusible=True)
        .exclude(legal_unit__diffusible=False)
        .select_related("legal_unit")
    )
    added, present, seen = [], [], set()
    tracked_sirens, _names = _tracked_keys(territory)
    for establishment in establishments:
        name = company_name(establishment)
        if not name or establishment.siren in seen:
            continue
        seen.add(establishment.siren)
        if establishment.siren in tracked_sirens or stakeholder_find(territory=territory, name=name) is not None:
            present.append(name)
            continue
        contact_save(
            territory=territory,
            contact=None,
            stakeholder_name=name,
            category=Category.COMPANIES,
            values={
                "notes": _("Ajoutée depuis le répertoire Sirene (SIREN %(siren)s).") % {"siren": establishment.siren}
            },
            siren=establishment.siren,
        )
        added.append(name)
    return added, present


# --- the prides panel ----------------------------------------------------------------------------------------

STARTUP_YEARS = 5


def pride_suggestions(*, territory, missing: list[str], limit: int = 5) -> dict[str, list[UniverseRow]]:
    """For each missing size class of the prides panel (interviews.SizeClass values), a few industrial employer
    establishments of the perimeter that could fill it: start-up = a PME created less than 5 years ago."""
    base = universe_named(territory=territory, filters={}).filter(employer=True)
    recent = timezone.localdate() - datetime.timedelta(days=365 * STARTUP_YEARS)
    queries = {
        "startup": base.filter(
            size_class__in=[SizeClass.MICRO, SizeClass.PME], legal_unit__isnull=False, created_on__gte=recent
        ),
        "pme": base.filter(size_class=SizeClass.PME),
        "eti": base.filter(size_class=SizeClass.ETI),
        "grand_groupe": base.filter(size_class=SizeClass.GE),
    }
    return {
        key: universe_rows(territory=territory, establishments=queries[key].order_by("-created_on", "siret")[:limit])
        for key in missing
        if key in queries
    }


# --- SIREN checks for other apps (member companies, land applicants) ------------------------------------------


class RegisterStatus:
    ACTIVE = "active"
    CLOSED = "closed"
    UNKNOWN = "unknown"  # not in the perimeter's register (or not at all)
    INVALID = "invalid"  # not a SIREN (Luhn key)
    NO_REGISTER = "no_register"  # the territory has imported no register yet


STATUS_LABELS = {
    RegisterStatus.CLOSED: gettext_lazy("SIREN fermé selon le répertoire Sirene"),
    RegisterStatus.UNKNOWN: gettext_lazy("SIREN inconnu du répertoire Sirene du territoire"),
    RegisterStatus.INVALID: gettext_lazy("SIREN invalide"),
}


def sirens_register_status(*, territory, sirens) -> dict[str, str]:
    """The register's word on each SIREN (2 queries): active, closed, unknown, invalid or no_register.

    Closed: the legal unit is closed (etatAdministratifUniteLegale "C"), or none of its establishments in the
    perimeter is active. Unknown means unknown *in the perimeter's register*: a company with no establishment in
    the territory's communes is unknown here.
    """
    sirens = {siren_compact(s) for s in sirens if s}
    if not Establishment.objects.for_territory(territory).exists():
        return dict.fromkeys(sirens, RegisterStatus.NO_REGISTER)
    valid = {s for s in sirens if siren_is_valid(s)}
    units = dict(LegalUnit.objects.for_territory(territory).filter(siren__in=valid).values_list("siren", "active"))
    establishments = dict(
        Establishment.objects.for_territory(territory)
        .filter(siren__in=valid)
        .order_by()
        .values_list("siren")
        .annotate(active=Count("pk", filter=Q(active=True)))  # MAX(boolean) does not exist on PostgreSQL
        .values_list("siren", "active")
    )
    statuses = {}
    for siren in sirens:
        if siren not in valid:
            statuses[siren] = RegisterStatus.INVALID
        elif siren not in units and siren not in establishments:
            statuses[siren] = RegisterStatus.UNKNOWN
        elif units.get(siren) is False or not establishments.get(siren, True):
            statuses[siren] = RegisterStatus.CLOSED
        else:
            statuses[siren] = RegisterStatus.ACTIVE
    return statuses


def _flag(status: str) -> str:
    return str(STATUS_LABELS[status]) if status in STATUS_LABELS else ""


def siren_flags(*, territory, sirens) -> dict[str, str]:
    """{SIREN as given: French warning} for a list of companies ('' when nothing is wrong or no register is
    imported): 2 queries whatever their number."""
    statuses = sirens_register_status(territory=territory, sirens=[s for s in sirens if s])
    return {siren: _flag(statuses.get(siren_compact(siren), "")) for siren in sirens if siren}


def siren_flag(*, territory, siren: str) -> str:
    """A French warning for a page showing one company ('' when nothing is wrong or no register is imported)."""
    return siren_flags(territory=territory, sirens=[siren]).get(siren, "")


def legal_unit_summary(*, territory, siren: str) -> dict | None:
    """Name, size class and communes of a SIREN from the register (to fill a member company), None if unknown."""
    unit = LegalUnit.objects.for_territory(territory).filter(siren=siren_compact(siren)).first()
    if unit is None:
        return None
    communes = sorted(
        set(
            Establishment.objects.for_territory(territory)
            .filter(siren=unit.siren, active=True)
            .values_list("commune_code", flat=True)
        )
    )
    return {
        "siren": unit.siren,
        "name": unit.name if unit.diffusible else "",
        "size_class": sirene.size_class(unit.category, unit.headcount_band),
        "active": unit.active,
        "communes": communes,
    }


def register_card(*, territory, siren: str) -> dict | None:
    """What the SIRENE register says of a company's SIREN, for the pages of a member company or a land applicant:
    its warning ('' when all is well), and its name, size and communes when the register knows it. None when the
    territory has imported no register or the SIREN is empty. 3–4 queries."""
    if not siren:
        return None
    status = sirens_register_status(territory=territory, sirens=[siren]).get(siren_compact(siren), "")
    if status == RegisterStatus.NO_REGISTER:
        return None
    summary = legal_unit_summary(territory=territory, siren=siren)
    names = {}
    if summary and summary["communes"]:
        names = dict(Commune.objects.filter(insee_code__in=summary["communes"]).values_list("insee_code", "name"))
    return {
        "flag": _flag(status),
        "name": summary["name"] if summary else "",
        "size": str(SizeClass(summary["size_class"]).label) if summary else "",
        "communes": [names.get(code, code) for code in summary["communes"]] if summary else [],
        "month": sirene.latest_stock_month(territory),
    }

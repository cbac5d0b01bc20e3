"""The open datasets: each one a Table Schema (its fields) and the rows it publishes, read in bounded queries.

Every dataset reads only what is public (pacte.opendata.selectors): territories whose pact is published and not
archived, the latest published version of each pact (its frozen text, never the draft), land calls once opened
(never one in preparation), and collective indicator values whose `withheld_reason` is empty; a withheld value is
published empty with its reason code (the disclosure control's, pacte.indicators.models.WithheldReason).

The API (pacte.opendata.api) serves the same rows with filters and pagination.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Sum
from django.db.models.fields.json import KT
from django.urls import reverse

from pacte.governance.models import EconomicEvent
from pacte.indicators.models import CollectiveValue, Level, WithheldReason
from pacte.land.models import CallStatus, LandCall, Parcel
from pacte.territories.models import Commune, Intercommunality

from .selectors import NO_FILTERS, Filters, public_territories, published_versions, territory_filter

LICENSE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
CHUNK = 2000  # rows read per database round trip when a dataset is exported whole


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: string, integer, number, date, boolean
    title: str
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()

    def descriptor(self) -> dict:
        descriptor = {"name": self.name, "type": self.type, "title": self.title, "description": self.description}
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            descriptor["constraints"] = constraints
        return descriptor


@dataclass(frozen=True)
class Dataset:
    name: str  # the stable file name: /donnees/<name>.csv, .json, .schema.json
    title: str
    description: str
    fields: tuple[Field, ...]
    rows: Callable[[Filters], Iterable[dict]]
    primary_key: tuple[str, ...] = ()
    live: bool = False  # read from live data of published territories (else: changes only with a publication)

    def schema(self) -> dict:
        schema = {"fields": [f.descriptor() for f in self.fields], "missingValues": [""]}
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        return schema


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _territory_url(slug: str) -> str:
    return absolute(reverse("public:pact", args=[slug]))


# Territories and perimeters -------------------------------------------------------------------------------------


def territory_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    """One row per public territory, with its EPCI (3 queries)."""
    territories = (
        public_territories(filters)
        .select_related("pact")
        .prefetch_related(
            Prefetch(
                "intercommunalities",
                queryset=Intercommunality.objects.annotate(
                    commune_count=Count("communes", distinct=True), population=Sum("communes__population")
                ).order_by("siren"),
            )
        )
        .order_by("name", "pk")
    )
    for t in territories:
        epcis = list(t.intercommunalities.all())
        yield {
            "territoire": t.slug,
            "nom": t.name,
            "region": t.region,
            "departement": t.department,
            "epci_sirens": ";".join(e.siren for e in epcis),
            "epci_noms": ";".join(e.name for e in epcis),
            "nombre_epci": len(epcis),
            "nombre_communes": sum(e.commune_count for e in epcis),
            "population": sum(e.population or 0 for e in epcis),
            "version_pacte": t.pact.version,
            "url_pacte": _territory_url(t.slug),
        }


def perimeter_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    """One row per commune of each public territory (1 query, streamed)."""
    communes = (
        Commune.objects.filter(**territory_filter(filters, "intercommunality__territories__"))
        .values_list(
            "intercommunality__territories__slug",
            "intercommunality__siren",
            "intercommunality__name",
            "intercommunality__kind",
            "insee_code",
            "name",
            "population",
        )
        .order_by("intercommunality__territories__slug", "intercommunality__siren", "insee_code")
    )
    for slug, siren, epci, kind, insee, name, population in communes.iterator(chunk_size=CHUNK):
        yield {
            "territoire": slug,
            "epci_siren": siren,
            "epci_nom": epci,
            "epci_type": kind,
            "commune_insee": insee,
            "commune_nom": name,
            "population": population,
        }


# Published pacts, their commitments and actions (from the frozen version) ----------------------------------------


def pact_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    """One row per published pact, as its latest version reads (1 query, without the versions' whole content)."""
    versions = published_versions(filters).values_list(
        "territory__slug",
        "territory__name",
        "territory__region",
        "number",
        "published_on",
        KT("content__pact__title"),
        KT("content__themes"),
    )
    for slug, name, region, number, published_on, title, themes in versions.iterator(chunk_size=200):
        commitments = sum(len(theme.get("commitments", [])) for theme in json.loads(themes or "[]"))
        yield {
            "territoire": slug,
            "nom_territoire": name,
            "region": region,
            "version": number,
            "publie_le": published_on,
            "titre": title or "",
            "nombre_engagements": commitments,
            "url": absolute(reverse("public:pact", args=[slug]) + f"?version={number}"),
        }


def _frozen_commitments(filters: Filters) -> Iterator[tuple[str, int, int, dict, dict]]:
    """(territory slug, version, rank in the pact, theme, commitment) of every published pact (1 query)."""
    versions = published_versions(filters).values_list("territory__slug", "number", KT("content__themes"))
    for slug, number, themes in versions.iterator(chunk_size=200):
        rank = 0
        for theme in json.loads(themes or "[]"):
            for commitment in theme.get("commitments", []):
                rank += 1
                yield slug, number, rank, theme, commitment


def commitment_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    for slug, number, rank, theme, c in _frozen_commitments(filters):
        yield {
            "territoire": slug,
            "version": number,
            "rang": rank,
            "thematique_code": theme.get("code", ""),
            "thematique": theme.get("name", ""),
            "titre_court": c.get("short_title", ""),
            "titre": c.get("title", ""),
            "note": c.get("note", ""),
            "introduction_entreprises": c.get("company_intro", ""),
            "introduction_territoire": c.get("territory_intro", ""),
            "nombre_actions_entreprises": len(c.get("company_actions", [])),
            "nombre_actions_territoire": len(c.get("territory_actions", [])),
        }


SIDES = (("company_actions", "entreprises"), ("territory_actions", "territoire"))


def action_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    for slug, number, rank, theme, c in _frozen_commitments(filters):
        for key, side in SIDES:
            for index, action in enumerate(c.get(key, []), start=1):
                yield {
                    "territoire": slug,
                    "version": number,
                    "engagement_rang": rank,
                    "engagement": c.get("short_title", ""),
                    "thematique_code": theme.get("code", ""),
                    "partie": side,
                    "numero": index,
                    "texte": action.get("text", ""),
                    "precisions": "\n".join(action.get("details", [])),
                }


# Collective indicator values ------------------------------------------------------------------------------------


def collective_values(filters: Filters = NO_FILTERS):
    """The collective values citizens may read: of public territories, never of an individual-only indicator."""
    values = CollectiveValue.objects.filter(**territory_filter(filters)).exclude(indicator__level=Level.INDIVIDUAL)
    if filters.year is not None:
        values = values.filter(year=filters.year)
    if filters.indicator:
        values = values.filter(indicator_code=filters.indicator)
    return values.order_by("territory__slug", "indicator_code", "indicator_id", "year")


COLLECTIVE_COLUMNS = (
    "territory__slug",
    "territory__region",
    "indicator_id",
    "indicator_code",
    "indicator__name",
    "indicator__unit",
    "indicator__aggregation",
    "year",
    "value",
    "share",
    "reporting",
    "not_applicable",
    "members",
    "withheld_reason",
)


def collective_row(values: tuple) -> dict:
    (slug, region, indicator_id, code, name, unit, aggregation, year, value, share, reporting, na, members, reason) = (
        values
    )
    withheld = bool(reason)
    return {
        "territoire": slug,
        "region": region,
        "indicateur_id": indicator_id,
        "indicateur_code": code,
        "indicateur": name,
        "unite": unit,
        "agregation": aggregation,
        "annee": year,
        # The disclosure control's verdict: a withheld value (and its share) is never published, only its reason.
        "valeur": None if withheld else value,
        "part": None if withheld else share,
        "entreprises_repondantes": reporting,
        "sans_objet": na,
        "entreprises_adherentes": members,
        "motif_secret": reason or "",
    }


def collective_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    """1 query, streamed in chunks: 21,960 rows for 183 territories × 30 indicators × 4 years."""
    for values in collective_values(filters).values_list(*COLLECTIVE_COLUMNS).iterator(chunk_size=CHUNK):
        yield collective_row(values)


# Economic events and land calls ---------------------------------------------------------------------------------


def event_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    events = EconomicEvent.objects.filter(**territory_filter(filters))
    if filters.year is not None:
        events = events.filter(date__year=filters.year)
    rows = events.values_list("pk", "territory__slug", "name", "date", "organiser", "description")
    for pk, slug, name, date, organiser, description in rows.order_by("date", "pk").iterator(chunk_size=CHUNK):
        yield {
            "id": pk,
            "territoire": slug,
            "nom": name,
            "date": date,
            "organisateur": organiser,
            "description": description,
        }


def land_calls(filters: Filters = NO_FILTERS):
    """Land calls once opened (never one in preparation), of public territories."""
    calls = LandCall.objects.filter(**territory_filter(filters)).exclude(status=CallStatus.DRAFT)
    if filters.status:
        calls = calls.filter(status=filters.status)
    if filters.year is not None:
        calls = calls.filter(opens_on__year=filters.year)
    return (
        calls.select_related("territory")
        .prefetch_related(Prefetch("parcels", queryset=Parcel.objects.select_related("commune").order_by("name")))
        .order_by("-opens_on", "pk")
    )


def land_call_row(call: LandCall) -> dict:
    parcels = list(call.parcels.all())
    return {
        "id": call.pk,
        "territoire": call.territory.slug,
        "titre": call.title,
        "description": call.description,
        "statut": call.status,
        "statut_libelle": str(call.get_status_display()),
        "ouverture": call.opens_on,
        "cloture": call.closes_on,
        "parcelles": ";".join(p.name for p in parcels),
        "communes_insee": ";".join(sorted({p.commune.insee_code for p in parcels})),
        "surface_ha": sum((p.area_ha for p in parcels), Decimal(0)),
        "url": absolute(reverse("land:public_call", args=[call.territory.slug, call.pk])),
    }


def land_call_rows(filters: Filters = NO_FILTERS) -> Iterator[dict]:
    """3 queries (calls, parcels with their commune)."""
    for call in land_calls(filters):
        yield land_call_row(call)


# The catalogue ---------------------------------------------------------------------------------------------------

TERRITORY = Field("territoire", "string", "Territoire", "Identifiant d'adresse du Territoire d'industrie.", True)
VERSION = Field("version", "integer", "Version", "Numéro de la version publiée du pacte.", True)

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="territoires",
        title="Territoires d'industrie et leurs pactes publiés",
        description="Les Territoires d'industrie dont le pacte est publié : région, département, intercommunalités "
        "(EPCI) qui les composent, nombre de communes, population municipale et adresse du pacte.",
        primary_key=("territoire",),
        rows=territory_rows,
        fields=(
            TERRITORY,
            Field("nom", "string", "Nom", "Nom du Territoire d'industrie.", True),
            Field("region", "string", "Région", "Région administrative."),
            Field("departement", "string", "Département", "Code du département principal."),
            Field("epci_sirens", "string", "SIREN des EPCI", "SIREN des intercommunalités, séparés par « ; »."),
            Field("epci_noms", "string", "Noms des EPCI", "Noms des intercommunalités, dans le même ordre."),
            Field("nombre_epci", "integer", "Nombre d'EPCI", "Nombre d'intercommunalités du territoire."),
            Field("nombre_communes", "integer", "Nombre de communes", "Nombre de communes du territoire."),
            Field("population", "integer", "Population", "Population municipale totale (INSEE)."),
            Field("version_pacte", "integer", "Version du pacte", "Dernière version publiée du pacte."),
            Field("url_pacte", "string", "Adresse du pacte", "Page publique du pacte."),
        ),
    ),
    Dataset(
        name="perimetres",
        title="Périmètres des Territoires d'industrie (communes)",
        description="Une ligne par commune de chaque territoire publié : l'intercommunalité (SIREN, nom, type) et "
        "la commune (code INSEE, nom, population).",
        rows=perimeter_rows,
        fields=(
            TERRITORY,
            Field("epci_siren", "string", "SIREN de l'EPCI", "SIREN de l'intercommunalité.", True),
            Field("epci_nom", "string", "Nom de l'EPCI", "Nom de l'intercommunalité."),
            Field("epci_type", "string", "Type d'EPCI", "CA, CC, CU, ME (métropole)…"),
            Field("commune_insee", "string", "Code INSEE", "Code officiel géographique de la commune.", True),
            Field("commune_nom", "string", "Commune", "Nom de la commune, avec son article."),
            Field("population", "integer", "Population", "Population municipale (INSEE)."),
        ),
    ),
    Dataset(
        name="pactes",
        title="Pactes industrie-territoire publiés",
        description="La dernière version publiée de chaque pacte : numéro, date de publication, titre, nombre "
        "d'engagements réciproques et adresse de cette version. Aucun brouillon n'y figure.",
        primary_key=("territoire",),
        rows=pact_rows,
        fields=(
            TERRITORY,
            Field("nom_territoire", "string", "Territoire", "Nom du Territoire d'industrie."),
            Field("region", "string", "Région", "Région administrative."),
            VERSION,
            Field("publie_le", "date", "Publié le", "Date de publication de cette version."),
            Field("titre", "string", "Titre", "Titre du pacte dans cette version."),
            Field("nombre_engagements", "integer", "Engagements", "Nombre d'engagements réciproques."),
            Field("url", "string", "Adresse", "Page publique de cette version du pacte."),
        ),
    ),
    Dataset(
        name="engagements",
        title="Engagements réciproques des pactes publiés",
        description="Les engagements réciproques des entreprises et du territoire, tels que les dit la dernière "
        "version publiée de chaque pacte (texte figé à sa publication).",
        primary_key=("territoire", "rang"),
        rows=commitment_rows,
        fields=(
            TERRITORY,
            VERSION,
            Field("rang", "integer", "Rang", "Rang de l'engagement dans le pacte (1, 2, …).", True),
            Field("thematique_code", "string", "Code de la thématique", "Code stable de la thématique."),
            Field("thematique", "string", "Thématique", "Nom de la thématique."),
            Field("titre_court", "string", "Intitulé court", "Intitulé court de l'engagement."),
            Field("titre", "string", "Engagement", "Intitulé complet de l'engagement."),
            Field("note", "string", "Note", "Précision donnée sous l'engagement."),
            Field("introduction_entreprises", "string", "Les entreprises", "Introduction des actions des entreprises."),
            Field("introduction_territoire", "string", "Le territoire", "Introduction des actions du territoire."),
            Field("nombre_actions_entreprises", "integer", "Actions des entreprises", "Nombre d'actions."),
            Field("nombre_actions_territoire", "integer", "Actions du territoire", "Nombre d'actions."),
        ),
    ),
    Dataset(
        name="actions",
        title="Actions des engagements réciproques",
        description="Les actions de chaque engagement, du côté des entreprises et du côté du territoire, dans la "
        "dernière version publiée de chaque pacte.",
        primary_key=("territoire", "engagement_rang", "partie", "numero"),
        rows=action_rows,
        fields=(
            TERRITORY,
            VERSION,
            Field("engagement_rang", "integer", "Rang de l'engagement", "Renvoie au jeu « engagements ».", True),
            Field("engagement", "string", "Engagement", "Intitulé court de l'engagement."),
            Field("thematique_code", "string", "Code de la thématique", "Code stable de la thématique."),
            Field(
                "partie",
                "string",
                "Partie",
                "Qui s'engage : entreprises ou territoire.",
                True,
                enum=("entreprises", "territoire"),
            ),  # fmt: skip
            Field("numero", "integer", "Numéro", "Numéro de l'action dans sa partie (1, 2, …).", True),
            Field("texte", "string", "Action", "Texte de l'action."),
            Field("precisions", "string", "Précisions", "Précisions de l'action, une par ligne."),
        ),
    ),
    Dataset(
        name="indicateurs",
        live=True,
        title="Valeurs collectives des indicateurs",
        description="Pour chaque territoire publié, indicateur et année : la valeur collective des entreprises "
        "adhérentes. Une valeur couverte par le secret statistique est vide et son motif est donné "
        "(motif_secret) : moins de 3 entreprises, une entreprise au-delà de 85 %, valeur déductible des valeurs "
        "publiées individuellement, réponses (presque) toutes identiques, médiane de moins de 5 valeurs.",
        rows=collective_rows,
        fields=(
            TERRITORY,
            Field("region", "string", "Région", "Région administrative."),
            Field("indicateur_id", "integer", "Identifiant de l'indicateur", "Identifiant technique, stable.", True),
            Field("indicateur_code", "string", "Code de l'indicateur", "Code stable d'une année à l'autre."),
            Field("indicateur", "string", "Indicateur", "Nom de l'indicateur."),
            Field("unite", "string", "Unité", "Unité de la valeur."),
            Field("agregation", "string", "Agrégation", "Somme, nombre de oui, rapport des sommes, médiane…"),
            Field("annee", "integer", "Année", "Année de la valeur.", True),
            Field("valeur", "number", "Valeur collective", "Vide si la valeur est couverte par le secret."),
            Field("part", "number", "Part (%)", "Part des entreprises (indicateurs oui/non), vide si secret."),
            Field("entreprises_repondantes", "integer", "Entreprises ayant répondu", "Nombre de réponses."),
            Field("sans_objet", "integer", "Sans objet", "Réponses « sans objet »."),
            Field("entreprises_adherentes", "integer", "Entreprises adhérentes", "Adhérentes dans l'année."),
            Field(
                "motif_secret",
                "string",
                "Motif du secret",
                "Vide si la valeur est publiée ; sinon son motif.",
                enum=("", *WithheldReason.values),
            ),  # fmt: skip
        ),
    ),
    Dataset(
        name="rencontres",
        live=True,
        title="Rencontres économiques",
        description="Le calendrier des rencontres économiques des territoires publiés.",
        primary_key=("id",),
        rows=event_rows,
        fields=(
            Field("id", "integer", "Identifiant", "Identifiant stable de la rencontre.", True),
            TERRITORY,
            Field("nom", "string", "Rencontre", "Nom de la rencontre."),
            Field("date", "date", "Date", "Date de la rencontre.", True),
            Field("organisateur", "string", "Organisée par", "Organisateur."),
            Field("description", "string", "Description", "Présentation de la rencontre."),
        ),
    ),
    Dataset(
        name="appels-fonciers",
        live=True,
        title="Appels à projets fonciers",
        description="Les appels à projets sur le foncier industriel des territoires publiés, dès leur ouverture "
        "(jamais un appel en préparation) : parcelles, communes, surface, dates et statut.",
        primary_key=("id",),
        rows=land_call_rows,
        fields=(
            Field("id", "integer", "Identifiant", "Identifiant stable de l'appel.", True),
            TERRITORY,
            Field("titre", "string", "Titre", "Titre de l'appel."),
            Field("description", "string", "Présentation", "Présentation de l'appel."),
            Field(
                "statut",
                "string",
                "Statut",
                "open : ouvert ; closed : clos, en instruction ; decided : avis rendu.",
                True,
                enum=("open", "closed", "decided"),
            ),  # fmt: skip
            Field("statut_libelle", "string", "Statut (libellé)", "Le statut en toutes lettres."),
            Field("ouverture", "date", "Ouverture", "Date d'ouverture des candidatures."),
            Field("cloture", "date", "Clôture", "Date de clôture des candidatures."),
            Field("parcelles", "string", "Parcelles", "Noms des parcelles, séparés par « ; »."),
            Field("communes_insee", "string", "Communes", "Codes INSEE des communes des parcelles (« ; »)."),
            Field("surface_ha", "number", "Surface (ha)", "Surface totale des parcelles, en hectares."),
            Field("url", "string", "Adresse", "Page publique de l'appel."),
        ),
    ),
)
BY_NAME = {d.name: d for d in DATASETS}


# Writing -------------------------------------------------------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def json_value(value):
    if isinstance(value, Decimal):
        text = decimal_text(value)
        return float(text) if "." in text else int(text)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value

"""The public read-only API /api/v1/ (django-ninja): the rows of the open datasets, filtered and paginated.

Only published content: the same rows as the datasets (pacte.opendata.datasets), which read only public territories,
the latest published version of each pact, opened land calls and collective values through the disclosure control.
Every answer is cacheable (Cache-Control, ETag); every address is throttled (pacte.core.throttle: the project's
cache, Redis when shared). OpenAPI 3 at /api/v1/openapi.json, interactive documentation at /api/v1/docs (local
files only: the Swagger UI that django-ninja ships, started by a script of ours; no inline script, no CDN).
"""

import datetime
import hashlib
import math
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import Throttled as NinjaThrottled
from ninja.errors import ValidationError
from ninja.openapi.docs import DocsBase
from ninja.throttling import BaseThrottle
from pydantic import create_model

from pacte.core.throttle import Throttled, client_address, retry_after_text, throttle
from pacte.land.models import CallStatus
from pacte.territories.geography import region_match

from .datasets import (
    BY_NAME,
    COLLECTIVE_COLUMNS,
    LICENSE,
    Dataset,
    collective_row,
    collective_values,
    land_call_row,
    land_calls,
)
from .selectors import Filters

API_PER_MINUTE = 120  # requests per address and minute
API_CACHE_SECONDS = 300
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

DESCRIPTION = f"""API publique, en lecture seule, des pactes industrie-territoire des Territoires d'industrie.

Elle sert les mêmes données que les fichiers de [/donnees/](/donnees/) : seul le contenu **publié** y figure (jamais
un brouillon, ni un pacte retiré, ni un territoire archivé, ni un appel foncier en préparation). Une valeur
collective couverte par le secret statistique est vide (`valeur` et `part` à `null`) et son motif est donné
(`motif_secret`).

- Pagination : `page` (à partir de 1) et `taille` (100 par défaut, 1 000 au plus) ; la réponse donne `total`,
  `pages`, `suivante` et `precedente`.
- Filtres : `region`, `territoire` (identifiant d'adresse), `annee`, `indicateur` (code), selon la ressource.
- Limite : {API_PER_MINUTE} requêtes par minute et par adresse (au-delà : réponse 429 et en-tête `Retry-After`).
- Licence : Licence Ouverte / Open Licence version 2.0 (Etalab).
"""


class AddressThrottle(BaseThrottle):
    """The project's throttle (same cache, same client address as every other throttle), per address."""

    def allow_request(self, request: HttpRequest) -> bool:
        try:
            throttle(scope="api", key=client_address(request), limit=API_PER_MINUTE, period=60)
        except Throttled as exc:
            request.api_retry_after = exc.retry_after
            return False
        return True


class LocalDocs(DocsBase):
    """Swagger UI from the files django-ninja ships (served as static files) and a start script of ours."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "opendata/api_docs.html",
            {"openapi_url": reverse("opendata:api:openapi-json"), "title": api.title},
        )


class CachedAPI(NinjaAPI):
    """Every successful answer is public for API_CACHE_SECONDS and carries an ETag (304 when it still matches)."""

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        if request.method == "GET" and response.status_code == 200:
            etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
            if etag in request.headers.get("If-None-Match", ""):
                response = HttpResponseNotModified()
            response["ETag"] = etag
            patch_cache_control(response, public=True, max_age=API_CACHE_SECONDS)
        return response


api = CachedAPI(
    title="API des pactes industrie-territoire",
    version="1",
    description=DESCRIPTION,
    urls_namespace="opendata:api",
    docs=LocalDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=[AddressThrottle()],
    openapi_extra={"info": {"license": {"name": LICENSE["title"], "url": LICENSE["path"]}}},
)


@api.exception_handler(NinjaThrottled)
def too_many_requests(request, exc):
    retry_after = getattr(request, "api_retry_after", 60)
    response = api.create_response(
        request,
        {"detail": _("Trop de demandes : réessayez %(when)s.") % {"when": retry_after_text(retry_after)}},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    return api.create_response(request, {"detail": _("Paramètres invalides."), "erreurs": exc.errors}, status=422)


# Schemas, made from the datasets' Table Schemas (one description for the files and the API) ---------------------

TYPES = {"string": str, "integer": int, "number": float, "date": datetime.date, "boolean": bool}


def item_schema(dataset: Dataset, name: str) -> type[Schema]:
    fields = {}
    for f in dataset.fields:
        kind = TYPES[f.type]
        if f.required:
            fields[f.name] = (kind, Field(..., title=f.title, description=f.description))
        else:
            fields[f.name] = (kind | None, Field(None, title=f.title, description=f.description))
    return create_model(name, __base__=Schema, __doc__=dataset.description, **fields)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return create_model(
        name,
        __base__=Schema,
        total=(int, Field(..., description="Nombre total de résultats.")),
        page=(int, Field(..., description="Numéro de cette page.")),
        pages=(int, Field(..., description="Nombre de pages.")),
        suivante=(str | None, Field(None, description="Adresse de la page suivante.")),
        precedente=(str | None, Field(None, description="Adresse de la page précédente.")),
        resultats=(list[item], Field(..., description="Les résultats de cette page.")),
    )


SCHEMAS = {
    name: item_schema(BY_NAME[name], schema)
    for name, schema in (
        ("territoires", "Territoire"),
        ("pactes", "Pacte"),
        ("engagements", "Engagement"),
        ("actions", "Action"),
        ("indicateurs", "ValeurCollective"),
        ("rencontres", "Rencontre"),
        ("appels-fonciers", "AppelFoncier"),
    )
}
PAGES = {name: page_schema(schema, f"Page{schema.__name__}") for name, schema in SCHEMAS.items()}


class Pagination(Schema):
    page: int = Field(1, ge=1, description="Numéro de la page (à partir de 1).")
    taille: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Nombre de résultats par page.")


class TerritoryFilters(Schema):
    region: str = Field("", description="Nom de la région (ex. : Nouvelle-Aquitaine).")
    territoire: str = Field(
        "", description="Identifiant d'adresse du territoire (ex. : rochefort-royan-marennes-oleron)."
    )


class YearFilters(TerritoryFilters):
    annee: int | None = Field(None, ge=1900, le=2200, description="Année.")


class IndicatorFilters(YearFilters):
    indicateur: str = Field("", description="Code de l'indicateur (stable d'une année à l'autre).")


class LandCallFilters(YearFilters):
    statut: str = Field("", description="Statut de l'appel : open, closed ou decided.")


def _filters(query: Schema) -> Filters:
    region = getattr(query, "region", "").strip()
    return Filters(
        region=(region_match(region) or region) if region else "",
        territory=getattr(query, "territoire", "").strip(),
        year=getattr(query, "annee", None),
        indicator=getattr(query, "indicateur", "").strip(),
        status=getattr(query, "statut", "").strip(),
    )


def _page_url(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request, rows, pagination: Pagination, mapper: Callable[[Any], dict] | None = None) -> dict:
    """A page of `rows` (a queryset, sliced in the database, or a list); `mapper` makes each row's dict."""
    total = rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
    pages = max(1, math.ceil(total / pagination.taille))
    start = (pagination.page - 1) * pagination.taille
    items: Iterable = rows[start : start + pagination.taille]
    return {
        "total": total,
        "page": pagination.page,
        "pages": pages,
        "suivante": _page_url(request, pagination.page + 1) if pagination.page < pages else None,
        "precedente": _page_url(request, min(pagination.page - 1, pages)) if pagination.page > 1 else None,
        "resultats": [mapper(row) for row in items] if mapper else list(items),
    }


def _rows(name: str, filters: Filters) -> list[dict]:
    return list(BY_NAME[name].rows(filters))


@api.get("/territoires", response=PAGES["territoires"], tags=["Territoires"], summary="Territoires publiés")
def territories(request, filters: Query[TerritoryFilters], pagination: Query[Pagination]):
    """Les Territoires d'industrie dont le pacte est publié, avec leurs intercommunalités."""
    return paginate(request, _rows("territoires", _filters(filters)), pagination)


@api.get("/pactes", response=PAGES["pactes"], tags=["Pactes"], summary="Pactes publiés")
def pacts(request, filters: Query[TerritoryFilters], pagination: Query[Pagination]):
    """La dernière version publiée de chaque pacte (jamais un brouillon)."""
    return paginate(request, _rows("pactes", _filters(filters)), pagination)


@api.get("/engagements", response=PAGES["engagements"], tags=["Pactes"], summary="Engagements réciproques")
def commitments(request, filters: Query[TerritoryFilters], pagination: Query[Pagination]):
    """Les engagements réciproques, tels que les dit la dernière version publiée de chaque pacte."""
    return paginate(request, _rows("engagements", _filters(filters)), pagination)


@api.get("/actions", response=PAGES["actions"], tags=["Pactes"], summary="Actions des engagements")
def actions(request, filters: Query[TerritoryFilters], pagination: Query[Pagination]):
    """Les actions des entreprises et du territoire de chaque engagement publié."""
    return paginate(request, _rows("actions", _filters(filters)), pagination)


@api.get("/indicateurs", response=PAGES["indicateurs"], tags=["Indicateurs"], summary="Valeurs collectives")
def indicators(request, filters: Query[IndicatorFilters], pagination: Query[Pagination]):
    """Les valeurs collectives des indicateurs ; une valeur couverte par le secret statistique est vide et son
    motif est donné (`motif_secret`)."""
    values = collective_values(_filters(filters)).values_list(*COLLECTIVE_COLUMNS)
    return paginate(request, values, pagination, collective_row)


@api.get("/rencontres", response=PAGES["rencontres"], tags=["Gouvernance"], summary="Rencontres économiques")
def events(request, filters: Query[YearFilters], pagination: Query[Pagination]):
    """Le calendrier des rencontres économiques des territoires publiés."""
    return paginate(request, _rows("rencontres", _filters(filters)), pagination)


@api.get("/appels-fonciers", response=PAGES["appels-fonciers"], tags=["Foncier"], summary="Appels à projets fonciers")
def land(request, filters: Query[LandCallFilters], pagination: Query[Pagination]):
    """Les appels à projets fonciers ouverts, clos ou tranchés (jamais un appel en préparation)."""
    chosen = _filters(filters)
    if chosen.status and chosen.status not in CallStatus.values:
        return paginate(request, [], pagination)
    return paginate(request, land_calls(chosen), pagination, land_call_row)

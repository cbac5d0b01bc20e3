"""The public read-only API /api/v1/: published content only, filters, pagination, throttle, cache headers, its
OpenAPI document and an interactive documentation page made of local files only."""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from pacte.commitments.models import Commitment
from pacte.governance.models import EconomicEvent
from pacte.indicators.models import Indicator
from pacte.land.models import CallStatus
from pacte.opendata import api as api_module
from pacte.publications.models import Pact, PactStatus

from .test_opendata import call_with_parcel, collective, publish

PATHS = ["territoires", "pactes", "engagements", "actions", "indicateurs", "rencontres", "appels-fonciers"]


@pytest.fixture
def data(territory_a, territory_b):
    """A published (Rochefort), B a draft (Dunkerque) holding content that must never leak."""
    opening = Indicator.objects.get(territory=territory_a, code="attractivite-actions-ouverture-public")
    for year, value in ((2022, "12"), (2023, "15"), (2024, "21")):
        collective(opening, year=year, value=value)
    collective(opening, year=2025, value="11", reason="differencing", reporting=3)
    carbon = Indicator.objects.get(territory=territory_a, code="environnement-bilan-carbone-eco-conception-achats")
    collective(carbon, year=2025, value="3", reason="too_few", reporting=2)
    call_with_parcel(territory_a, title="Zone aéronautique", status=CallStatus.OPEN)
    call_with_parcel(territory_a, title="Appel clos", status=CallStatus.CLOSED)
    call_with_parcel(territory_a, title="Appel en préparation", status=CallStatus.DRAFT)
    b_indicator = Indicator.objects.filter(territory=territory_b).first()
    collective(b_indicator, year=2025, value="777")
    EconomicEvent.objects.create(territory=territory_b, name="Rencontre de Dunkerque", date=datetime.date(2025, 4, 2))
    call_with_parcel(territory_b, title="Appel de Dunkerque", status=CallStatus.OPEN)
    return territory_a


def get(client, path, **params):
    response = client.get(f"/api/v1/{path}", params)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return response.json()


def all_text(client) -> str:
    return "\n".join(client.get(f"/api/v1/{p}", {"taille": 1000}).content.decode() for p in PATHS)


# Published content only ---------------------------------------------------------------------------------------


def test_it_lists_only_published_territories(client, data):
    page = get(client, "territoires")
    assert [t["territoire"] for t in page["resultats"]] == ["rochefort-royan-marennes-oleron"]
    assert page["total"] == 1 and page["resultats"][0]["nombre_epci"] == 4


def test_it_never_serves_anything_of_a_draft_pact(client, data, territory_b):
    text = all_text(client).lower()
    assert "dunkerque" not in text and "777" not in text
    assert get(client, "engagements", territoire="dunkerque")["total"] == 0


def test_it_drops_a_withdrawn_pact_and_an_archived_territory(client, data, territory_a, territory_b):
    publish(territory_b)
    assert get(client, "pactes", territoire="dunkerque")["total"] == 1
    Pact.objects.filter(territory=territory_b).update(status=PactStatus.WITHDRAWN, withdrawn_at=timezone.now())
    assert get(client, "pactes", territoire="dunkerque")["total"] == 0
    type(territory_a).objects.filter(pk=territory_a.pk).update(archived_at=timezone.now())
    assert "rochefort" not in all_text(client).lower()


def test_it_serves_the_published_text_never_the_draft_being_edited(client, data, territory_a):
    commitment = Commitment.objects.filter(territory=territory_a).order_by("pk").first()
    Commitment.objects.filter(pk=commitment.pk).update(title="Nouvelle rédaction non publiée")
    titles = [c["titre"] for c in get(client, "engagements", taille=1000)["resultats"]]
    assert commitment.title in titles and "Nouvelle rédaction non publiée" not in titles


def test_it_withholds_values_with_their_reason(client, data):
    page = get(client, "indicateurs", annee=2025)
    by_code = {v["indicateur_code"]: v for v in page["resultats"]}
    assert by_code["attractivite-actions-ouverture-public"]["valeur"] is None
    assert by_code["attractivite-actions-ouverture-public"]["motif_secret"] == "differencing"
    assert by_code["environnement-bilan-carbone-eco-conception-achats"]["motif_secret"] == "too_few"
    assert by_code["environnement-bilan-carbone-eco-conception-achats"]["valeur"] is None
    assert '"valeur": 11' not in all_text(client) and '"valeur": 3,' not in all_text(client)


def test_it_serves_opened_land_calls_never_one_in_preparation(client, data):
    titles = {c["titre"] for c in get(client, "appels-fonciers")["resultats"]}
    assert titles == {"Zone aéronautique", "Appel clos"}
    assert [c["titre"] for c in get(client, "appels-fonciers", statut="closed")["resultats"]] == ["Appel clos"]
    assert get(client, "appels-fonciers", statut="draft")["total"] == 0
    assert get(client, "appels-fonciers", statut="n'importe quoi")["total"] == 0


# Filters and pagination ---------------------------------------------------------------------------------------


def test_it_filters_values_by_year_indicator_code_territory_and_region(client, data):
    assert get(client, "indicateurs")["total"] == 5
    assert get(client, "indicateurs", annee=2024)["total"] == 1
    assert get(client, "indicateurs", indicateur="attractivite-actions-ouverture-public")["total"] == 4
    assert get(client, "indicateurs", indicateur="inconnu")["total"] == 0
    assert get(client, "indicateurs", territoire="rochefort-royan-marennes-oleron")["total"] == 5
    assert get(client, "indicateurs", region="nouvelle aquitaine")["total"] == 5  # written loosely
    assert get(client, "indicateurs", region="Bretagne")["total"] == 0
    assert get(client, "territoires", region="Nouvelle-Aquitaine")["total"] == 1


def test_it_filters_events_by_year(client, data, territory_a):
    EconomicEvent.objects.create(territory=territory_a, name="Salon 2031", date=datetime.date(2031, 3, 3))
    assert [e["nom"] for e in get(client, "rencontres", annee=2031)["resultats"]] == ["Salon 2031"]
    assert "Salon 2031" not in [e["nom"] for e in get(client, "rencontres", annee=2030)["resultats"]]


def test_it_paginates_with_links_to_the_next_and_previous_pages(client, data):
    first = get(client, "engagements", taille=2)
    assert len(first["resultats"]) == 2 and first["page"] == 1 and first["precedente"] is None
    assert first["pages"] == -(-first["total"] // 2) and first["total"] > 4
    assert "page=2" in first["suivante"] and "taille=2" in first["suivante"]
    second = client.get(first["suivante"]).json()
    assert second["page"] == 2 and "page=1" in second["precedente"]
    assert {r["rang"] for r in first["resultats"]}.isdisjoint({r["rang"] for r in second["resultats"]})
    last = get(client, "engagements", taille=2, page=first["pages"])
    assert last["suivante"] is None
    beyond = get(client, "engagements", taille=2, page=999)
    assert beyond["resultats"] == []
    values = get(client, "indicateurs", taille=2, page=2)
    assert len(values["resultats"]) == 2 and values["total"] == 5


def test_it_refuses_invalid_parameters_in_french(client, data):
    response = client.get("/api/v1/indicateurs", {"annee": "deux mille"})
    assert response.status_code == 422 and response.json()["detail"] == "Paramètres invalides."
    assert client.get("/api/v1/engagements", {"taille": 5000}).status_code == 422
    assert client.get("/api/v1/engagements", {"page": 0}).status_code == 422


def test_it_is_read_only(client, alice, client_for, data):
    assert client.post("/api/v1/territoires").status_code == 405
    assert client_for(alice).delete("/api/v1/pactes").status_code == 405


# Serving ----------------------------------------------------------------------------------------------------------


def test_it_sends_cache_headers_and_answers_not_modified(client, data):
    response = client.get("/api/v1/territoires")
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    again = client.get("/api/v1/territoires", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_it_throttles_in_french_with_retry_after(client, data, monkeypatch):
    monkeypatch.setattr(api_module, "API_PER_MINUTE", 3)
    for _ in range(3):
        assert client.get("/api/v1/pactes").status_code == 200
    response = client.get("/api/v1/territoires")
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Trop de demandes : réessayez dans")
    assert 1 <= int(response["Retry-After"]) <= 60


# OpenAPI and documentation ------------------------------------------------------------------------------------


def test_it_describes_every_path_in_an_openapi_3_document(client, data):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {f"/api/v1/{p}" for p in PATHS}
    assert document["info"]["license"]["name"] == "Licence Ouverte / Open Licence version 2.0"
    assert "seul le contenu **publié**" in document["info"]["description"]
    for path in document["paths"].values():
        operation = path["get"]
        assert set(path) == {"get"}  # read-only
        assert operation["description"] and operation["summary"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"page", "taille", "region", "territoire"} <= names
    indicators = {p["name"]: p for p in document["paths"]["/api/v1/indicateurs"]["get"]["parameters"]}
    assert {"annee", "indicateur"} <= set(indicators)
    schema = document["components"]["schemas"]["ValeurCollective"]
    assert schema["properties"]["motif_secret"]["description"] == "Vide si la valeur est publiée ; sinon son motif."


def test_it_documents_the_api_with_local_files_only(client, data):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Documentation de l'API</h1>" in html
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    # No URL to another site (the licence link is on /donnees/, not here), no inline script, no event handler.
    assert not re.findall(r"https?://(?!testserver)[^\s\"'<>]+", html)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in tag for tag in scripts)
    assert not re.search(r"\son[a-z]+=", html)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # The Swagger UI files django-ninja ships and our start script, served as static files.
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "opendata/api-docs.js"):
        assert name in assets
    for name in assets:
        assert finders.find(name), f"{name} is a static file of the project"


def test_it_reads_a_page_in_a_constant_number_of_queries(client, data, territory_a, django_assert_num_queries):
    with django_assert_num_queries(2):  # the count, the page of values (with their territory and indicator)
        assert get(client, "indicateurs", taille=2)["total"] == 5
    for n in range(5):
        call_with_parcel(territory_a, title=f"Appel {n}", status=CallStatus.OPEN)
    with django_assert_num_queries(3):  # the count, the page of calls with their territory, their parcels
        assert get(client, "appels-fonciers")["total"] == 7

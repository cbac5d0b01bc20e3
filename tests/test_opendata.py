"""Open data under /donnees/: every dataset in CSV and JSON, valid against its Table Schema (frictionless), listed in
the datapackage.json, under the Licence Ouverte 2.0 — and nothing that is not published, ever."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from html import escape

import pytest
from django.conf import settings
from django.utils import timezone
from frictionless import Package, Resource, Schema

from pacte.commitments.models import Commitment
from pacte.core.templatetags.french_dates import date_fr
from pacte.governance.models import EconomicEvent
from pacte.indicators.models import CollectiveValue, Indicator, Level
from pacte.land.models import CallStatus, LandCall, Parcel
from pacte.opendata import views as opendata_views
from pacte.opendata.datasets import DATASETS
from pacte.publications.models import Pact, PactStatus
from pacte.publications.services import pact_version_freeze
from pacte.territories.models import Commune

NAMES = [d.name for d in DATASETS]


def publish(territory, *, on=datetime.date(2025, 3, 1)):
    """Publish a territory's pact as version 1, frozen (as pact_publish does, without its readiness checks)."""
    Pact.objects.filter(territory=territory).update(status=PactStatus.PUBLISHED, version=1, published_on=on)
    pact = Pact.objects.get(territory=territory)
    pact_version_freeze(pact=pact)
    return pact


def call_with_parcel(territory, *, title, status, area="12.50"):
    commune = Commune.objects.filter(intercommunality__territories=territory).order_by("insee_code").first()
    parcel = Parcel.objects.create(
        territory=territory, name=f"Parcelle {title}", area_ha=Decimal(area), commune=commune
    )
    call = LandCall.objects.create(
        territory=territory,
        title=title,
        opens_on=datetime.date(2025, 9, 1),
        closes_on=datetime.date(2025, 11, 30),
        status=status,
    )
    call.parcels.set([parcel])
    return call


def collective(indicator, *, year, value, share=None, reason="", reporting=5, members=8):
    return CollectiveValue.objects.create(
        territory=indicator.territory,
        indicator=indicator,
        indicator_code=indicator.code,
        year=year,
        value=Decimal(value) if value is not None else None,
        share=Decimal(share) if share is not None else None,
        reporting=reporting,
        members=members,
        withheld_reason=reason,
    )


@pytest.fixture
def published_data(territory_a):
    """Territory A (published) with every kind of row: collective values (one withheld), an opened land call, a
    draft land call, an event whose name looks like a spreadsheet formula."""
    summed = Indicator.objects.get(territory=territory_a, code="attractivite-actions-ouverture-public")
    yes_count = Indicator.objects.get(territory=territory_a, code="attractivite-participation-communication")
    collective(summed, year=2024, value="21", reporting=3, members=7)
    collective(summed, year=2025, value="11", reason="differencing", reporting=3, members=7)
    collective(yes_count, year=2025, value="6", share="75.0", reporting=8, members=9)
    call_with_parcel(territory_a, title="Zone aéronautique de l'aéroport", status=CallStatus.OPEN, area="20")
    call_with_parcel(territory_a, title="Appel encore en préparation", status=CallStatus.DRAFT)
    EconomicEvent.objects.create(
        territory=territory_a, name='=HYPERLINK("http://exemple.invalid","Cliquez")', date=datetime.date(2025, 6, 5)
    )
    return territory_a


def download(client, name, fmt):
    response = client.get(f"/donnees/{name}.{fmt}")
    assert response.status_code == 200, (name, fmt, response.status_code)
    return response


def csv_rows(client, name):
    return list(csv.DictReader(io.StringIO(download(client, name, "csv").content.decode("utf-8"))))


def json_rows(client, name):
    return json.loads(download(client, name, "json").content)


def everything(client) -> str:
    """Every dataset in both formats, as one text (to look for what must never be there)."""
    return "\n".join(download(client, n, f).content.decode("utf-8") for n in NAMES for f in ("csv", "json"))


# Schemas and validity -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_it_publishes_each_dataset_valid_against_its_table_schema_in_csv_and_json(
    name, client, published_data, tmp_path
):
    descriptor = client.get(f"/donnees/{name}.schema.json").json()
    content = download(client, name, "csv").content
    (tmp_path / f"{name}.csv").write_bytes(content)
    with Resource(path=f"{name}.csv", basepath=str(tmp_path), schema=Schema.from_descriptor(descriptor)) as resource:
        assert len(resource.read_rows()) >= 1, f"{name}.csv has rows to validate"
    report = Resource(path=f"{name}.csv", basepath=str(tmp_path), schema=Schema.from_descriptor(descriptor)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # JSON: an array of objects with the schema's fields, typed (frictionless reads it as inline data).
    data = json_rows(client, name)
    assert data and all(list(row) == [f["name"] for f in descriptor["fields"]] for row in data)
    report = Resource(data=data, schema=Schema.from_descriptor(descriptor)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_it_writes_csv_with_commas_and_a_header_of_the_schema_fields(client, published_data):
    for dataset in DATASETS:
        header = download(client, dataset.name, "csv").content.decode("utf-8").splitlines()[0]
        assert header == ",".join(f.name for f in dataset.fields)
    assert download(client, "territoires", "csv")["Content-Type"] == "text/csv; charset=utf-8"


def test_it_lists_every_dataset_in_a_valid_datapackage_under_the_licence_ouverte(client, published_data):
    response = client.get("/donnees/datapackage.json")
    assert response.status_code == 200
    descriptor = response.json()
    report = Package.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"
    paths = {r["path"].split("/donnees/")[1] for r in descriptor["resources"]}
    assert paths == {f"{n}.{f}" for n in NAMES for f in ("csv", "json")}
    for resource in descriptor["resources"]:
        name = resource["path"].split("/donnees/")[1].rsplit(".", 1)[0]
        assert resource["schema"] == f"{settings.SITE_URL}/donnees/{name}.schema.json"
        assert resource["licenses"][0]["name"] == "etalab-2.0"
        assert client.get(f"/donnees/{name}.schema.json").json()["fields"]


# What is public --------------------------------------------------------------------------------------------------


def test_it_publishes_the_reference_territory_with_its_perimeter(client, published_data):
    rows = csv_rows(client, "territoires")
    assert [r["territoire"] for r in rows] == ["rochefort-royan-marennes-oleron"]
    assert set(rows[0]["epci_sirens"].split(";")) == {"200041762", "241700640", "241700624", "241700699"}
    assert rows[0]["region"] == "Nouvelle-Aquitaine" and rows[0]["version_pacte"] == "1"
    communes = csv_rows(client, "perimetres")
    assert int(rows[0]["nombre_communes"]) == len(communes) > 50
    assert "17299" in {c["commune_insee"] for c in communes}  # Rochefort


def test_it_never_publishes_a_draft_pact_nor_its_territory(client, published_data, territory_b):
    # Territory B: a draft pact, yet with content that could leak (an event, an opened call, collective values).
    EconomicEvent.objects.create(
        territory=territory_b, name="Forum secret de Dunkerque", date=datetime.date(2025, 5, 1)
    )
    call_with_parcel(territory_b, title="Appel ouvert de Dunkerque", status=CallStatus.OPEN)
    indicator = Indicator.objects.filter(territory=territory_b).exclude(level=Level.INDIVIDUAL).first()
    collective(indicator, year=2025, value="999")
    text = everything(client)
    assert "dunkerque" not in text.lower()
    assert "999" not in text


def test_it_publishes_the_frozen_version_never_the_draft_being_edited(client, published_data, territory_a):
    frozen = {r["titre"] for r in csv_rows(client, "engagements")}
    commitment = Commitment.objects.filter(territory=territory_a).order_by("pk").first()
    assert commitment.title in frozen
    Commitment.objects.filter(pk=commitment.pk).update(title="Brouillon en cours de rédaction")
    rows = csv_rows(client, "engagements")
    assert "Brouillon en cours de rédaction" not in {r["titre"] for r in rows}
    assert commitment.title in {r["titre"] for r in rows}
    pacts = csv_rows(client, "pactes")
    assert pacts[0]["version"] == "1" and pacts[0]["url"].endswith(
        "/territoires/rochefort-royan-marennes-oleron/?version=1"
    )
    assert int(pacts[0]["nombre_engagements"]) == len(rows)
    actions = csv_rows(client, "actions")
    assert {a["partie"] for a in actions} == {"entreprises", "territoire"}


def test_it_removes_a_withdrawn_pact_at_once_even_from_the_cache(client, published_data, territory_b):
    publish(territory_b)
    assert "dunkerque" in [r["territoire"] for r in csv_rows(client, "territoires")]
    assert "dunkerque" in [r["territoire"] for r in json_rows(client, "pactes")]
    Pact.objects.filter(territory=territory_b).update(status=PactStatus.WITHDRAWN, withdrawn_at=timezone.now())
    assert "dunkerque" not in [r["territoire"] for r in csv_rows(client, "territoires")]
    assert "dunkerque" not in everything(client).lower()


def test_it_never_publishes_an_archived_territory(client, published_data, territory_a):
    assert csv_rows(client, "indicateurs")
    type(territory_a).objects.filter(pk=territory_a.pk).update(archived_at=timezone.now())
    text = everything(client)
    assert "rochefort" not in text.lower()
    assert csv_rows(client, "territoires") == []


def test_it_publishes_opened_land_calls_never_one_in_preparation(client, published_data):
    rows = csv_rows(client, "appels-fonciers")
    assert [r["titre"] for r in rows] == ["Zone aéronautique de l'aéroport"]
    assert rows[0]["statut"] == "open" and rows[0]["statut_libelle"] == "Ouvert aux candidatures"
    assert rows[0]["surface_ha"] == "20" and re.fullmatch(r"\d{5}", rows[0]["communes_insee"])
    assert "Appel encore en préparation" not in everything(client)


def test_it_publishes_a_withheld_value_empty_with_its_reason(client, published_data):
    rows = {(r["indicateur_code"], r["annee"]): r for r in csv_rows(client, "indicateurs")}
    withheld = rows[("attractivite-actions-ouverture-public", "2025")]
    assert withheld["valeur"] == "" and withheld["part"] == "" and withheld["motif_secret"] == "differencing"
    assert withheld["entreprises_repondantes"] == "3"
    shown = rows[("attractivite-actions-ouverture-public", "2024")]
    assert shown["valeur"] == "21" and shown["motif_secret"] == ""
    share = rows[("attractivite-participation-communication", "2025")]
    assert share["valeur"] == "6" and share["part"] == "75"
    by_year = {(r["indicateur_code"], r["annee"]): r for r in json_rows(client, "indicateurs")}
    assert by_year[("attractivite-actions-ouverture-public", 2025)]["valeur"] is None
    assert by_year[("attractivite-actions-ouverture-public", 2025)]["motif_secret"] == "differencing"
    assert by_year[("attractivite-actions-ouverture-public", 2024)]["valeur"] == 21
    assert "11" not in {r["valeur"] for r in rows.values()}


def test_it_never_publishes_the_collective_value_of_an_individual_indicator(client, published_data, territory_a):
    indicator = Indicator.objects.get(territory=territory_a, code="emploi-collaborateurs-formes-localement")
    Indicator.objects.filter(pk=indicator.pk).update(level=Level.INDIVIDUAL)
    collective(indicator, year=2025, value="4242")
    assert "4242" not in everything(client)


def test_it_keeps_a_formula_looking_text_as_text_in_csv_and_intact_in_json(client, published_data):
    names = [r["nom"] for r in csv_rows(client, "rencontres")]
    assert '\'=HYPERLINK("http://exemple.invalid","Cliquez")' in names
    assert '=HYPERLINK("http://exemple.invalid","Cliquez")' in [r["nom"] for r in json_rows(client, "rencontres")]


# Serving -----------------------------------------------------------------------------------------------------------


def test_it_answers_not_modified_to_a_client_holding_the_same_file(client, published_data):
    response = download(client, "indicateurs", "csv")
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    again = client.get("/donnees/indicateurs.csv", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    assert client.get("/donnees/indicateurs.csv", HTTP_IF_NONE_MATCH='"autre"').status_code == 200


def test_it_answers_404_for_an_unknown_dataset_or_format(client, published_data):
    assert client.get("/donnees/inconnu.csv").status_code == 404
    assert client.get("/donnees/territoires.xlsx").status_code == 404
    assert client.get("/donnees/inconnu.schema.json").status_code == 404


def test_it_throttles_downloads_in_french(client, published_data, monkeypatch):
    monkeypatch.setattr(opendata_views, "DOWNLOADS_PER_MINUTE", 2)
    download(client, "territoires", "csv")
    download(client, "territoires", "json")
    response = client.get("/donnees/pactes.csv")
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode() and int(response["Retry-After"]) >= 1


def test_it_refuses_writes(client, alice, client_for, published_data):
    assert client.post("/donnees/territoires.csv").status_code == 405
    assert client_for(alice).post("/donnees/").status_code == 405


# The page ----------------------------------------------------------------------------------------------------------


def test_it_lists_the_datasets_with_their_licence_formats_and_schema(client, published_data, territory_a):
    response = client.get("/donnees/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Données ouvertes</h1>" in html
    assert "Licence Ouverte / Open Licence version 2.0" in html
    for dataset in DATASETS:
        assert escape(dataset.title) in html
        for suffix in (".csv", ".json", ".schema.json"):
            assert f'href="/donnees/{dataset.name}{suffix}"' in html
    assert 'href="/donnees/datapackage.json"' in html and 'href="/api/v1/docs"' in html
    assert f"mis à jour le {date_fr(territory_a.pact.published_on)} (dernière publication)" in html
    assert html.count("mis à jour en continu") == 3  # indicators, events, land calls


def test_it_has_no_inline_script_and_keeps_the_content_security_policy(client, published_data):
    response = client.get("/donnees/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+=", response.content.decode())


def test_it_exports_a_dataset_in_a_constant_number_of_queries(client, published_data, django_assert_num_queries):
    with django_assert_num_queries(2):  # the published state (the cache key), the values in chunks
        download(client, "indicateurs", "csv")
    with django_assert_num_queries(1):  # the published state: the file comes from the cache
        download(client, "indicateurs", "csv")

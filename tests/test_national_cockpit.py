"""ANCT's national cockpit (/national/): the step each territory reached (as its roadmap computes it), the figures,
filters, sort, the Excel export, the map of France, and who may see it."""

import html
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacte.national import maps
from pacte.national.demo import ILLUSTRATION, national_demo_load
from pacte.replication.services import territory_create_from_template
from pacte.roadmap.national import territories_progress
from pacte.roadmap.services import roadmap_for
from pacte.territories.models import Territory
from tests.conftest import LA_ROCHELLE_SIREN

URLS = ["/national/", "/national/territoires.xlsx", "/national/territoires/import/"]


@pytest.fixture(autouse=True)
def no_background(monkeypatch):
    """The départements' background is computed from the whole of France (about 8 s): tested once, below."""
    monkeypatch.setattr(maps, "department_paths", lambda: {})


def text(response) -> str:
    return html.unescape(response.content.decode())


def _rows(response) -> dict[str, str]:
    """slug → step reached, as the table's rows carry them."""
    import re

    return dict(re.findall(r'<tr data-territory="([^"]+)" data-step="(\d)">', response.content.decode()))


def test_it_computes_the_steps_as_the_roadmap_does_on_the_demo_and_fresh_territories(territory_a, territory_b):
    national_demo_load()
    territory_create_from_template(name="La Rochelle", sirens=[LA_ROCHELLE_SIREN], region="Nouvelle-Aquitaine")
    progress = territories_progress()
    assert len(progress) == Territory.objects.count() >= 7
    for item in progress:
        expected = [step.status for step in roadmap_for(item.territory)]
        assert item.statuses == expected, item.territory.name
    reached = {p.territory.slug: p.step_reached for p in progress}
    assert reached["dunkerque"] == 1
    assert reached["vallee-de-l-arve"] == 1
    # the demo shows territories at several different steps
    assert len({reached[s] for s in ("vallee-de-l-arve", "lacq-orthez", "creusot-montceau", "grand-figeac")}) >= 3


def test_it_marks_the_demo_territories_as_illustrations_and_is_idempotent(db):
    first = national_demo_load()
    assert len(first["created"]) == 4
    second = national_demo_load()
    assert second["created"] == [] and len(second["kept"]) == 4
    for slug in first["created"]:
        assert Territory.objects.get(slug=slug).pact.title.startswith(ILLUSTRATION)


def test_it_renders_the_cockpit_in_the_same_number_of_queries_for_1_or_6_territories(client_for, nadia, territory_a):
    client = client_for(nadia)
    client.get("/national/")  # warms the outlines' cache
    with CaptureQueriesContext(connection) as one:
        response = client.get("/national/")
    assert len(_rows(response)) == 1
    territory_create_from_template(name="Dunkerque", sirens=["245900428"], region="Hauts-de-France")
    national_demo_load()
    client.get("/national/")
    with CaptureQueriesContext(connection) as six:
        response = client.get("/national/")
    assert len(_rows(response)) == 6
    assert len(six.captured_queries) == len(one.captured_queries), [q["sql"][:80] for q in six.captured_queries]
    assert len(one.captured_queries) <= 12


def test_it_shows_each_territory_with_its_step_and_figures(client_for, nadia, territory_a, territory_b):
    response = client_for(nadia).get("/national/")
    assert response.status_code == 200
    page = text(response)
    assert "Pilotage national des Territoires d'industrie" in page
    rows = _rows(response)
    assert rows["dunkerque"] == "1"
    expected_a = next(s.number for s in roadmap_for(territory_a) if s.status != "done")
    assert rows["rochefort-royan-marennes-oleron"] == str(expected_a)
    assert "Étape 1 — Engagements et entretiens" in page
    assert "v1 du" in page  # Rochefort's published version
    # the existing list of territories (archive / restore) stays reachable from the cockpit
    assert 'href="/espace/territoires/"' in page


def test_it_filters_by_region_and_step_and_sorts(client_for, nadia, territory_a, territory_b):
    client = client_for(nadia)
    rows = _rows(client.get("/national/?region=Nouvelle-Aquitaine"))
    assert list(rows) == ["rochefort-royan-marennes-oleron"]
    rows = _rows(client.get("/national/?etape=1"))
    assert "dunkerque" in rows and "rochefort-royan-marennes-oleron" not in rows
    assert list(_rows(client.get("/national/?tri=nom&ordre=desc"))) == ["rochefort-royan-marennes-oleron", "dunkerque"]
    assert list(_rows(client.get("/national/?tri=etape&ordre=asc")))[0] == "dunkerque"
    assert list(_rows(client.get("/national/?tri=entretiens&ordre=desc")))[0] == "rochefort-royan-marennes-oleron"
    assert "Aucun territoire ne correspond à ces filtres." in text(client.get("/national/?region=Corse"))


def test_it_exports_the_table_to_excel(client_for, nadia, territory_a, territory_b):
    Territory.objects.filter(pk=territory_b.pk).update(name='=HYPERLINK("http://x")')
    response = client_for(nadia).get("/national/territoires.xlsx?tri=nom")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Territoire", "Région", "Étape atteinte")
    by_name = {row[0]: row for row in rows[1:]}
    rochefort = by_name["Rochefort-Royan-Marennes-Oléron"]
    assert rochefort[1] == "Nouvelle-Aquitaine"
    assert rochefort[5] == 1  # version published
    assert rochefort[7] >= 25  # interviews done
    injected = by_name['=HYPERLINK("http://x")']
    assert injected[3] == 1
    cell = sheet.cell(row=[r[0] for r in rows].index('=HYPERLINK("http://x")') + 1, column=1)
    assert cell.data_type == "s"  # text, never a formula


def test_it_draws_one_linked_shape_per_territory_coloured_by_step(client_for, nadia, territory_a, territory_b):
    page = client_for(nadia).get("/national/").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('class="pacte-map__territory"') == 2
    assert '<a href="/espace/rochefort-royan-marennes-oleron/"' in svg or "/rochefort-royan-marennes-oleron/" in svg
    assert svg.count("<path") == 2
    assert "#E4794A" in svg  # Dunkerque at step 1
    assert "Étape 1 — Engagements et entretiens" in svg  # the legend


def test_it_draws_the_departements_of_france_behind_the_territories(monkeypatch, settings):
    monkeypatch.undo()
    paths = maps.department_paths()
    assert {"17", "59", "2A", "75"} <= set(paths) and not any(code.startswith("97") for code in paths)
    assert all(p.startswith("M") for p in paths.values())


@pytest.mark.parametrize("persona", ["alice", "bob", "victor"])
def test_it_refuses_every_national_page_to_territory_teams(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    before = Territory.objects.count()
    for url in URLS:
        assert client.get(url).status_code == 403, url
    assert client.post("/national/territoires/import/", {"payload": "x"}).status_code == 403
    assert Territory.objects.count() == before


def test_it_sends_anonymous_visitors_to_the_sign_in_page(client, db):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/")

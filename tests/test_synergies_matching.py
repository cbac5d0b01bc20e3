"""The matching rules of pacte.synergies.matching, one by one."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pacte.companies.models import Company
from pacte.synergies.matching import haversine_km, matching_run
from pacte.synergies.models import Declaration, MatchingSettings, Status, Synergy
from pacte.synergies.services import declaration_save, synergy_status_change
from pacte.territories.models import Commune

ROCHEFORT, TONNAY = "17299", "17449"  # Rochefort and Tonnay-Charente, some 5 km apart
ROYAN = "17306"  # some 35 km from Rochefort


def _company(territory, name):
    return Company.objects.create(territory=territory, name=name)


def _declare(company, direction, kind="materials", commune=ROCHEFORT, **fields):
    declaration = Declaration(
        company=company,
        territory=company.territory,
        direction=direction,
        kind=kind,
        description=fields.pop("description", f"{direction} {kind} de {company.name}"),
        commune_code=commune,
        **fields,
    )
    return declaration_save(declaration=declaration)


@pytest.fixture
def pair(territory_a):
    return _company(territory_a, "Offreuse SA"), _company(territory_a, "Demandeuse SAS")


def _run(territory):
    matching_run(territory=territory)
    return list(Synergy.objects.for_territory(territory).prefetch_related("parties"))


def test_it_knows_the_communes_used_by_the_tests(territory_a):
    codes = set(
        Commune.objects.filter(insee_code__in=[ROCHEFORT, TONNAY, ROYAN])
        .exclude(geometry="")
        .values_list("insee_code", flat=True)
    )
    assert codes == {ROCHEFORT, TONNAY, ROYAN}


def test_it_measures_distances_with_haversine():
    assert 390 < haversine_km((2.3522, 48.8566), (4.8357, 45.7640)) < 393  # Paris – Lyon


def test_it_pairs_an_offer_with_a_need_of_the_same_kind_and_says_why(territory_a, pair):
    offer_co, need_co = pair
    _declare(offer_co, "offer", quantity=Decimal("40"), unit="t")
    _declare(need_co, "need", commune=TONNAY, quantity=Decimal("100"), unit="t")
    _declare(need_co, "need", kind="water", commune=TONNAY)  # another kind: not paired with the materials offer
    (synergy,) = [s for s in _run(territory_a) if s.mode == "exchange"]
    assert synergy.kind == "materials"
    assert {p.company_id for p in synergy.parties.all()} == {offer_co.pk, need_co.pk}
    text = " ".join(synergy.reasons)
    assert "Même nature : matières et coproduits." in text
    assert "l'offre couvre 40 % du besoin" in text
    assert "km entre les deux sites" in text
    assert 40 < synergy.score <= 100


def test_it_says_when_the_offer_covers_the_whole_need(territory_a, pair):
    _declare(pair[0], "offer", quantity=Decimal("500"), unit="t")
    _declare(pair[1], "need", quantity=Decimal("100"), unit="t")
    (synergy,) = _run(territory_a)
    assert "L'offre couvre tout le besoin." in synergy.reasons


def test_it_pairs_wastes_of_the_same_chapter_only(territory_a, pair):
    _declare(pair[0], "offer", kind="waste", waste_code="150101")
    _declare(pair[1], "need", kind="waste", waste_code="15 01 02")
    _declare(pair[1], "need", kind="waste", waste_code="17 02 01")
    exchanges = [s for s in _run(territory_a) if s.mode == "exchange"]
    assert len(exchanges) == 1
    assert "Même famille de déchets (chapitre 15)." in exchanges[0].reasons


def test_it_pairs_heat_only_when_hot_enough(territory_a, pair):
    _declare(pair[0], "offer", kind="energy", energy_form="heat", temperature_c=90, commune=ROCHEFORT)
    _declare(pair[1], "need", kind="energy", energy_form="heat", temperature_c=120, description="vapeur")
    _declare(pair[1], "need", kind="energy", energy_form="heat", temperature_c=60, description="séchage")
    _declare(pair[1], "need", kind="energy", energy_form="electricity", description="électricité")
    exchanges = [s for s in _run(territory_a) if s.mode == "exchange"]
    assert len(exchanges) == 1
    assert "Chaleur disponible à 90 °C pour un besoin à 60 °C." in exchanges[0].reasons


def test_it_requires_overlapping_periods(territory_a, pair):
    today = datetime.date.today()
    _declare(pair[0], "offer", starts_on=today, ends_on=today + datetime.timedelta(days=30))
    _declare(pair[1], "need", starts_on=today + datetime.timedelta(days=60))
    assert _run(territory_a) == []


def test_it_respects_the_maximum_distance_editable_by_the_team(territory_a, pair):
    _declare(pair[0], "offer", kind="water", commune=ROCHEFORT)
    _declare(pair[1], "need", kind="water", commune=ROYAN)
    assert _run(territory_a) == []  # water: 10 km by default
    MatchingSettings.objects.create(territory=territory_a, max_km={"water": 80})
    assert len(_run(territory_a)) == 1


def test_it_never_pairs_a_company_with_itself(territory_a, pair):
    _declare(pair[0], "offer")
    _declare(pair[0], "need")
    assert _run(territory_a) == []


def test_it_proposes_a_pooling_when_two_companies_share_a_need(territory_a, pair):
    third = _company(territory_a, "Troisième SARL")
    for company in (*pair, third):
        _declare(company, "need", kind="purchases", description="Achat groupé d'électricité verte")
    (pooling,) = _run(territory_a)
    assert pooling.mode == "pooling"
    assert pooling.parties.count() == 3
    assert "3 entreprises partagent ce besoin." in pooling.reasons[0]


def test_it_is_idempotent_and_does_not_propose_again_what_the_team_abandoned(territory_a, pair):
    _declare(pair[0], "offer")
    _declare(pair[1], "need")
    first = _run(territory_a)
    assert _run(territory_a) == first and len(first) == 1
    synergy_status_change(synergy=first[0], status=Status.ABANDONED, reason="Pas de transport possible")
    assert [s.status for s in _run(territory_a)] == [Status.ABANDONED]


def test_it_refuses_bad_input_in_french(territory_a, pair):
    with pytest.raises(ValidationError) as error:
        _declare(pair[0], "offer", kind="waste", waste_code="99 01 01")
    assert "le chapitre « 99 » n'existe pas" in str(error.value)
    with pytest.raises(ValidationError) as error:
        _declare(pair[0], "offer", kind="waste", waste_code="15-01")
    assert "n'est pas au format" in str(error.value)
    with pytest.raises(ValidationError) as error:
        _declare(pair[0], "offer", quantity=Decimal("3"))
    assert "une quantité sans unité" in str(error.value)
    with pytest.raises(ValidationError) as error:
        _declare(pair[0], "offer", starts_on=datetime.date(2026, 5, 1), ends_on=datetime.date(2026, 1, 1))
    assert "la date de fin est avant la date de début" in str(error.value)
    assert not Declaration.objects.filter(company=pair[0]).exists()

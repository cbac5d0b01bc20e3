"""Land calls: parcels, the envelope, the criteria grid (frozen once the call opens), opening, and isolation."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pacte.land.criteria_defaults import DEFAULT_CRITERIA
from pacte.land.models import (
    Application,
    Availability,
    CallStatus,
    Criterion,
    Decision,
    LandCall,
    LandEnvelope,
    LandEvent,
    LandUse,
    Parcel,
    ScreeningRule,
)
from pacte.land.services_calls import call_create, criterion_save, grid_propose_default, land_sobriety
from pacte.territories.models import Commune

LEVELS = [f"Niveau {i}" for i in range(6)]


def commune_of(territory):
    return Commune.objects.filter(intercommunality__territories=territory).order_by("name").first()


def make_parcel(territory, name="Aéroport de Rochefort", area="20"):
    return Parcel.objects.create(
        territory=territory, name=name, area_ha=Decimal(area), commune=commune_of(territory), vocation="aéronautique"
    )


def make_call(territory, actor=None, *, parcels=None, with_criterion=True):
    today = timezone.localdate()
    parcels = parcels if parcels is not None else [make_parcel(territory)]
    call = call_create(
        territory=territory,
        actor=actor,
        title="Foncier aéronautique Rochefort",
        description="",
        parcels=parcels,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=30),
    )
    if with_criterion:
        criterion_save(
            call=call,
            actor=actor,
            name="Densité",
            commitment=None,
            weight=Decimal(2),
            levels=LEVELS,
            eliminatory=True,
            threshold=1,
        )
    return call


def criterion_post(prefix, **extra):
    data = {f"{prefix}-name": "Nouveau critère", f"{prefix}-weight": "3"}
    data |= {f"{prefix}-level_{i}": f"Descripteur {i}" for i in range(6)}
    data |= {f"{prefix}-{k}": v for k, v in extra.items()}
    return data


def test_it_overview_lists_parcels_calls_and_sobriety(territory_a, alice, client_for):
    call = make_call(territory_a, alice)
    response = client_for(alice).get(reverse("land:overview", args=[territory_a.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Aéroport de Rochefort" in body and call.title in body and "Sobriété foncière" in body


def test_it_creates_a_parcel_with_a_commune_of_the_territory(territory_a, alice, client_for):
    commune = commune_of(territory_a)
    response = client_for(alice).post(
        reverse("land:parcel_create", args=[territory_a.slug]),
        {
            "name": "Zone aéroportuaire",
            "area_ha": "20",
            "commune": commune.pk,
            "vocation": "aéronautique",
            "availability": Availability.AVAILABLE,
            "land_use": LandUse.BUILT,
        },
    )
    assert response.status_code == 302
    assert Parcel.objects.for_territory(territory_a).filter(name="Zone aéroportuaire", commune=commune).exists()


def test_it_refuses_a_commune_of_another_territory(territory_a, territory_b, alice, client_for):
    foreign = commune_of(territory_b)
    assert foreign is not None
    response = client_for(alice).post(
        reverse("land:parcel_create", args=[territory_a.slug]),
        {
            "name": "Parcelle dunkerquoise",
            "area_ha": "5",
            "commune": foreign.pk,
            "availability": Availability.AVAILABLE,
            "land_use": LandUse.BUILT,
        },
    )
    assert response.status_code == 200
    assert not Parcel.objects.filter(name="Parcelle dunkerquoise").exists()
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_it_sets_the_envelope_and_counts_decided_allocations(territory_a, alice, client_for):
    client = client_for(alice)
    response = client.post(
        reverse("land:envelope", args=[territory_a.slug]),
        {"starts_on": "2021-01-01", "ends_on": "2031-12-31", "hectares": "50", "note": "SCoT"},
    )
    assert response.status_code == 302
    assert LandEnvelope.objects.for_territory(territory_a).get().hectares == 50
    call = make_call(territory_a, alice)
    application = Application.objects.create(
        call=call,
        company_name="Aéro",
        siren="732829320",
        contact_email="a@example.fr",
        project="x",
        surface_ha=Decimal("12"),
        land_use=LandUse.AGRICULTURAL,
    )
    call.parcels.update(land_use=LandUse.AGRICULTURAL, area_ha=Decimal("12"))  # what is consumed: the parcels
    application.land_use = LandUse.BUILT  # whatever the applicant declared
    application.save()
    LandCall.objects.filter(pk=call.pk).update(status=CallStatus.DECIDED)
    Decision.objects.create(call=call, final_application=application, final_decided_at=timezone.now())
    sobriety = land_sobriety(territory=territory_a)
    assert sobriety.consumed == 12 and sobriety.remaining == 38
    assert "38" in client.get(reverse("land:overview", args=[territory_a.slug])).content.decode()


def test_it_creates_a_call_closing_after_opening(territory_a, alice, client_for):
    parcel = make_parcel(territory_a)
    url = reverse("land:call_create", args=[territory_a.slug])
    data = {"title": "AAP", "description": "", "parcels": [parcel.pk], "opens_on": "2026-03-01"}
    response = client_for(alice).post(url, data | {"closes_on": "2026-02-01"})
    assert response.status_code == 200 and not LandCall.objects.filter(title="AAP").exists()
    assert "La clôture doit être postérieure à l'ouverture." in response.context["form"].errors["closes_on"]
    response = client_for(alice).post(url, data | {"closes_on": "2026-04-01"})
    call = LandCall.objects.get(title="AAP")
    assert response.status_code == 302
    assert LandEvent.objects.filter(call=call, actor=alice).exists()


def test_it_refuses_a_parcel_of_another_territory_in_a_call(territory_a, territory_b, alice, client_for):
    foreign = make_parcel(territory_b, name="Parcelle B")
    response = client_for(alice).post(
        reverse("land:call_create", args=[territory_a.slug]),
        {"title": "AAP", "parcels": [foreign.pk], "opens_on": "2026-03-01", "closes_on": "2026-04-01"},
    )
    assert response.status_code == 200 and not LandCall.objects.filter(title="AAP").exists()


def test_it_proposes_the_default_grid_linked_to_commitments(territory_a, alice, client_for):
    call = make_call(territory_a, alice, with_criterion=False)
    response = client_for(alice).post(reverse("land:grid", args=[territory_a.slug, call.pk]), {"action": "default"})
    assert response.status_code == 302
    criteria = list(call.criteria.select_related("commitment__theme"))
    assert len(criteria) == len(DEFAULT_CRITERIA)
    assert all(len(c.levels) == 6 and c.commitment is not None for c in criteria)
    assert all(c.commitment.territory_id == territory_a.pk for c in criteria)
    assert 1 <= sum(c.eliminatory for c in criteria) <= 2
    info = next(c for c in criteria if c.name.startswith("Information des riverains"))
    assert info.commitment.theme.code == "implantation-mutualisation"
    assert call.screening_rules.filter(text__icontains="Toitures").exists()
    assert LandEvent.objects.filter(call=call, message__icontains="grille par défaut").exists()


def test_it_edits_adds_and_removes_criteria_before_opening(territory_a, alice, client_for):
    call = make_call(territory_a, alice)
    criterion = call.criteria.get()
    url = reverse("land:grid", args=[territory_a.slug, call.pk])
    client = client_for(alice)
    data = criterion_post(f"c{criterion.pk}", eliminatory="on", threshold="2")
    assert client.post(url, {"action": "update", "criterion": criterion.pk} | data).status_code == 302
    criterion.refresh_from_db()
    assert criterion.name == "Nouveau critère" and criterion.threshold == 2 and criterion.weight == 3
    assert client.post(url, {"action": "add"} | criterion_post("new")).status_code == 302
    assert call.criteria.count() == 2
    assert client.post(url, {"action": "delete", "criterion": criterion.pk}).status_code == 302
    assert call.criteria.count() == 1
    assert client.post(url, {"action": "rule_add", "rule-text": "Toitures : loi"}).status_code == 302
    assert call.screening_rules.count() == 1
    assert LandEvent.objects.filter(call=call).count() >= 5


def test_it_refuses_an_eliminatory_criterion_without_threshold(territory_a, alice, client_for):
    call = make_call(territory_a, alice)
    url = reverse("land:grid", args=[territory_a.slug, call.pk])
    response = client_for(alice).post(url, {"action": "add"} | criterion_post("new", eliminatory="on"))
    assert response.status_code == 400 and call.criteria.count() == 1


def test_it_freezes_the_grid_once_the_call_opens(territory_a, alice, client_for):
    call = make_call(territory_a, alice)
    ScreeningRule.objects.create(call=call, text="Toitures")
    client = client_for(alice)
    assert (
        client.post(reverse("land:call_status", args=[territory_a.slug, call.pk]), {"action": "open"}).status_code
        == 302
    )
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN and call.grid_frozen
    criterion = call.criteria.get()
    before = list(Criterion.objects.filter(call=call).values())
    rules_before = list(ScreeningRule.objects.filter(call=call).values())
    url = reverse("land:grid", args=[territory_a.slug, call.pk])
    rule = call.screening_rules.get()
    for data in (
        {"action": "default"},
        {"action": "add"} | criterion_post("new"),
        {"action": "update", "criterion": criterion.pk} | criterion_post(f"c{criterion.pk}"),
        {"action": "delete", "criterion": criterion.pk},
        {"action": "rule_add", "rule-text": "Autre"},
        {"action": "rule_delete", "rule": rule.pk},
    ):
        response = client.post(url, data)
        assert response.status_code == 403
        assert "figée" in response.content.decode()
    assert list(Criterion.objects.filter(call=call).values()) == before
    assert list(ScreeningRule.objects.filter(call=call).values()) == rules_before
    with pytest.raises(Exception, match="figée"):
        grid_propose_default(call=call, actor=alice)
    assert Criterion.objects.filter(call=call).count() == 1


def test_it_opens_only_with_criteria_and_parcels(territory_a, alice, client_for):
    client = client_for(alice)
    no_criteria = make_call(territory_a, alice, with_criterion=False)
    response = client.post(
        reverse("land:call_status", args=[territory_a.slug, no_criteria.pk]), {"action": "open"}, follow=True
    )
    assert "au moins un critère" in response.content.decode()
    no_criteria.refresh_from_db()
    assert no_criteria.status == CallStatus.DRAFT
    no_parcels = make_call(territory_a, alice, parcels=[])
    response = client.post(
        reverse("land:call_status", args=[territory_a.slug, no_parcels.pk]), {"action": "open"}, follow=True
    )
    assert "au moins une parcelle" in response.content.decode()
    no_parcels.refresh_from_db()
    assert no_parcels.status == CallStatus.DRAFT
    good = make_call(territory_a, alice)
    client.post(reverse("land:call_status", args=[territory_a.slug, good.pk]), {"action": "open"})
    good.refresh_from_db()
    assert good.status == CallStatus.OPEN
    assert set(good.parcels.values_list("availability", flat=True)) == {Availability.RESERVED}
    assert LandEvent.objects.filter(call=good, actor=alice, message__icontains="ouvert").exists()
    client.post(reverse("land:call_status", args=[territory_a.slug, good.pk]), {"action": "close"})
    good.refresh_from_db()
    assert good.status == CallStatus.CLOSED


def _team_urls(territory, call, application=None):
    slug = territory.slug
    parcel = call.parcels.first()
    urls = [
        reverse("land:overview", args=[slug]),
        reverse("land:parcel_create", args=[slug]),
        reverse("land:parcel_update", args=[slug, parcel.pk]),
        reverse("land:envelope", args=[slug]),
        reverse("land:call_create", args=[slug]),
        reverse("land:call_detail", args=[slug, call.pk]),
        reverse("land:grid", args=[slug, call.pk]),
    ]
    if application is not None:
        urls.append(reverse("land:application", args=[slug, application.pk]))
    return urls


def test_it_isolates_team_pages(territory_a, territory_b, alice, bob, victor, client, client_for):
    call = make_call(territory_a, alice)
    application = Application.objects.create(
        call=call, company_name="X", siren="732829320", contact_email="x@example.fr", project="p", surface_ha=1
    )
    urls = _team_urls(territory_a, call, application)
    for url in urls:  # anonymous → login
        response = client.get(url)
        assert response.status_code == 302 and "?next=" in response.url
    status_url = reverse("land:call_status", args=[territory_a.slug, call.pk])
    assert client.post(status_url, {"action": "open"}).status_code == 302
    bob_client = client_for(bob)
    for url in [*urls, status_url]:
        assert bob_client.get(url).status_code in (403, 405)
        assert bob_client.post(url, {"action": "open"}).status_code == 403
    # Territory A's objects through bob's own slug: 404.
    own = [
        reverse("land:parcel_update", args=[territory_b.slug, call.parcels.first().pk]),
        reverse("land:call_detail", args=[territory_b.slug, call.pk]),
        reverse("land:grid", args=[territory_b.slug, call.pk]),
        reverse("land:application", args=[territory_b.slug, application.pk]),
    ]
    for url in own:
        assert bob_client.get(url).status_code == 404
    assert (
        bob_client.post(reverse("land:call_status", args=[territory_b.slug, call.pk]), {"action": "open"}).status_code
        == 404
    )
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT


def test_it_lets_a_viewer_read_but_not_write(territory_a, alice, victor, client_for):
    call = make_call(territory_a, alice)
    client = client_for(victor)
    for url in (
        reverse("land:overview", args=[territory_a.slug]),
        reverse("land:call_detail", args=[territory_a.slug, call.pk]),
        reverse("land:grid", args=[territory_a.slug, call.pk]),
    ):
        assert client.get(url).status_code == 200
    assert (
        "Proposer la grille par défaut"
        not in client.get(reverse("land:grid", args=[territory_a.slug, call.pk])).content.decode()
    )
    assert client.get(reverse("land:parcel_create", args=[territory_a.slug])).status_code == 403
    assert client.get(reverse("land:envelope", args=[territory_a.slug])).status_code == 403
    grid = reverse("land:grid", args=[territory_a.slug, call.pk])
    assert client.post(grid, {"action": "default"}).status_code == 403
    status = reverse("land:call_status", args=[territory_a.slug, call.pk])
    assert client.post(status, {"action": "open"}).status_code == 403
    assert call.criteria.count() == 1
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT

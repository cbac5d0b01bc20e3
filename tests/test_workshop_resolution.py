"""Resolution of the workshops' vetoes and adjustments (/espace/<slug>/arbitrages/ and /arbitrages/<commitment>/):
every veto and adjustment gets a decision, a change accepted with the new wording or the text kept with a reason."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction
from pacte.core.models import JournalEntry, JournalVerb
from pacte.workshops.models import Reaction, ReactionKind, Resolution, WorkshopKind, WorkshopStatus
from pacte.workshops.services import (
    idea_record,
    participant_join,
    reaction_record,
    resolution_record,
    workshop_create,
    workshop_set_status,
)

# --- helpers ---------------------------------------------------------------------------------------------------


def read(response) -> str:
    """The page as the user reads it (entities unescaped)."""
    return html.unescape(response.content.decode())


def open_workshop(territory, title="Atelier #1 — Rochefort"):
    workshop = workshop_create(
        territory=territory,
        kind=WorkshopKind.COMMITMENTS,
        title=title,
        starts_at=timezone.make_aware(datetime.datetime(2025, 3, 12, 9, 0)),
    )
    return workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)


def react(workshop, commitment, kind, comment="", name="Jeanne Martin"):
    participant = participant_join(workshop=workshop, name=name)
    return reaction_record(participant=participant, commitment=commitment, kind=kind, comment=comment)


def commitments_of(territory):
    return list(
        Commitment.objects.for_territory(territory).select_related("theme").order_by("theme__order", "order", "pk")
    )


def list_url(territory):
    return reverse("workshops:resolutions", args=[territory.slug])


def resolve_url(territory, commitment):
    return reverse("workshops:resolve", args=[territory.slug, commitment.pk])


def actions(commitment, model):
    return list(model.objects.filter(commitment=commitment).order_by("order", "pk").values_list("text", flat=True))


def accepted_post(commitment, reactions, **wording):
    data = {
        "reactions": [r.pk for r in reactions],
        "outcome": "accepted",
        "title": commitment.title,
        "company_intro": commitment.company_intro,
        "company_actions": "\n".join(actions(commitment, CompanyAction)),
        "territory_intro": commitment.territory_intro,
        "territory_actions": "\n".join(actions(commitment, TerritoryAction)),
        "reason": "",
    }
    data.update(wording)
    return data


def state(territory):
    """What a refused request must leave untouched."""
    return (
        list(Commitment.objects.for_territory(territory).order_by("pk").values_list("pk", "title", "company_intro")),
        list(Reaction.objects.for_territory(territory).order_by("pk").values_list("pk", "resolution_id")),
        Resolution.objects.for_territory(territory).count(),
    )


@pytest.fixture
def a_commitments(territory_a):
    return commitments_of(territory_a)


@pytest.fixture
def workshop_a(territory_a):
    return open_workshop(territory_a)


@pytest.fixture
def veto_a(workshop_a, a_commitments):
    return react(workshop_a, a_commitments[0], ReactionKind.VETO, "Inacceptable pour les TPE", name="Paul Veto")


@pytest.fixture
def adjust_a(workshop_a, a_commitments):
    return react(workshop_a, a_commitments[0], ReactionKind.ADJUST, "Préciser le calendrier", name="Anne Ajuste")


# --- the list --------------------------------------------------------------------------------------------------


def test_it_lists_the_pending_vetoes_and_adjustments_by_commitment(client_for, alice, territory_a, a_commitments):
    workshop = open_workshop(territory_a)
    first, second = a_commitments[0], a_commitments[1]
    react(workshop, first, ReactionKind.VETO, "Trop contraignant", name="Paul Veto")
    react(workshop, first, ReactionKind.VETO, "", name="Luc Veto")
    react(workshop, first, ReactionKind.ADJUST, "Ajouter les artisans", name="Anne Ajuste")
    react(workshop, second, ReactionKind.ADJUST, "Préciser qui pilote", name="Marc Ajuste")
    react(workshop, second, ReactionKind.AGREE, "", name="Zoé Daccord")

    response = client_for(alice).get(list_url(territory_a))

    assert response.status_code == 200
    page = read(response)
    assert "2 vetos et 2 ajustements en attente de décision" in page
    for text in ("Trop contraignant", "Ajouter les artisans", "Préciser qui pilote", "Paul Veto", "Marc Ajuste"):
        assert text in page
    assert "Zoé Daccord" not in page  # an agreement needs no decision
    assert workshop.title in page
    assert first.theme.name in page and first.title in page
    assert page.index(first.title) < page.index(second.title) or first.theme.order > second.theme.order
    assert resolve_url(territory_a, first) in page and resolve_url(territory_a, second) in page


def test_it_writes_zero_and_one_in_the_singular(client_for, alice, territory_a, veto_a):
    page = read(client_for(alice).get(list_url(territory_a)))
    assert "1 veto et 0 ajustement en attente de décision" in page


def test_it_says_when_everything_was_decided(client_for, bob, territory_b):
    page = read(client_for(bob).get(list_url(territory_b)))
    assert "0 veto et 0 ajustement en attente de décision" in page
    assert "Aucune décision n'a encore été prise." in page


def test_it_shows_the_decisions_with_outcome_reason_changes_who_and_when(
    client_for, alice, territory_a, a_commitments, veto_a, adjust_a
):
    resolution_record(
        commitment=a_commitments[0], reactions=[veto_a], outcome="kept", reason="Voté en Copil", actor=alice
    )
    page = read(client_for(alice).get(list_url(territory_a)))
    assert "0 veto et 1 ajustement en attente de décision" in page
    decided = page[page.index("Décisions prises") :]
    assert "Texte maintenu" in decided
    assert "Voté en Copil" in decided
    assert "Inacceptable pour les TPE" in decided
    assert "Décidé par alice le" in decided


def _list_queries(client, territory):
    with CaptureQueriesContext(connection) as context:
        assert client.get(list_url(territory)).status_code == 200
    return len(context)


def test_it_renders_the_list_in_as_many_queries_with_ten_times_the_reactions(
    client_for, alice, territory_a, a_commitments
):
    client = client_for(alice)
    workshop = open_workshop(territory_a)
    vetoes = [react(workshop, a_commitments[0], ReactionKind.VETO, "non", name="P0")]
    react(workshop, a_commitments[1], ReactionKind.ADJUST, "oui mais", name="Q0")
    resolution_record(commitment=a_commitments[0], reactions=vetoes, outcome="kept", reason="motif", actor=alice)
    once = _list_queries(client, territory_a)
    for i in range(1, 10):
        commitment = a_commitments[i % len(a_commitments)]
        veto = react(workshop, commitment, ReactionKind.VETO, f"non {i}", name=f"P{i}")
        react(workshop, a_commitments[(i + 3) % len(a_commitments)], ReactionKind.ADJUST, f"ajuster {i}", name=f"Q{i}")
        resolution_record(commitment=commitment, reactions=[veto], outcome="kept", reason=f"motif {i}", actor=alice)
        react(workshop, commitment, ReactionKind.VETO, f"encore non {i}", name=f"R{i}")
    assert _list_queries(client, territory_a) == once


# --- one commitment -----------------------------------------------------------------------------------------


def test_it_prefills_the_new_wording_and_ticks_every_pending_reaction(
    client_for, alice, territory_a, a_commitments, veto_a, adjust_a, workshop_a
):
    commitment = a_commitments[0]
    idea_record(workshop=workshop_a, text="Un guichet unique pour les TPE", commitment=commitment)
    response = client_for(alice).get(resolve_url(territory_a, commitment))
    assert response.status_code == 200
    page = read(response)
    form = response.context["form"]
    assert form["title"].value() == commitment.title
    assert form["company_actions"].value() == "\n".join(actions(commitment, CompanyAction))
    assert form["territory_actions"].value() == "\n".join(actions(commitment, TerritoryAction))
    for reaction in (veto_a, adjust_a):
        assert f'value="{reaction.pk}" id="reaction-{reaction.pk}" checked' in page
    assert "Un guichet unique pour les TPE" in page
    assert "Modification acceptée" in page and "Texte maintenu" in page
    assert "1 veto et 1 ajustement en attente de décision" in page


def test_it_accepts_a_change_and_rewrites_the_commitment(
    client_for, alice, territory_a, a_commitments, veto_a, adjust_a
):
    commitment = a_commitments[0]
    old_title = commitment.title
    company = actions(commitment, CompanyAction)
    data = accepted_post(
        commitment,
        [veto_a, adjust_a],
        title="Recruter et former localement, avec les TPE",
        company_actions="\n".join(["Accueillir des apprentis dans les TPE", *company[1:], "Une action nouvelle"]),
    )

    response = client_for(alice).post(resolve_url(territory_a, commitment), data)

    assert response.status_code == 302
    assert response["Location"] == list_url(territory_a)
    commitment.refresh_from_db()
    assert commitment.title == "Recruter et former localement, avec les TPE"
    assert actions(commitment, CompanyAction) == [
        "Accueillir des apprentis dans les TPE",
        *company[1:],
        "Une action nouvelle",
    ]
    resolution = Resolution.objects.get(commitment=commitment)
    assert resolution.outcome == Resolution.Outcome.ACCEPTED
    assert resolution.decided_by == alice
    assert f"« {old_title} » devient « Recruter et former localement, avec les TPE »" in resolution.changes
    assert "Une action nouvelle" in resolution.changes
    assert set(Reaction.objects.filter(resolution=resolution).values_list("pk", flat=True)) == {veto_a.pk, adjust_a.pk}
    entry = JournalEntry.objects.filter(territory=territory_a, verb=JournalVerb.RESOLUTION_RECORDED).first()
    assert "Modification acceptée" in entry.message and entry.actor == alice

    page = read(client_for(alice).get(list_url(territory_a)))
    assert "0 veto et 0 ajustement en attente de décision" in page
    assert "Modification acceptée" in page
    assert "devient « Recruter et former localement, avec les TPE »" in page


def test_it_keeps_the_text_with_a_reason(client_for, alice, territory_a, a_commitments, veto_a):
    commitment = a_commitments[0]
    response = client_for(alice).post(
        resolve_url(territory_a, commitment),
        {"reactions": [veto_a.pk], "outcome": "kept", "reason": "Engagement voté par le Copil"},
        follow=True,
    )
    assert "texte maintenu (1 réaction tranchée)" in read(response)
    resolution = Resolution.objects.get(commitment=commitment)
    assert (resolution.outcome, resolution.reason, resolution.changes) == ("kept", "Engagement voté par le Copil", "")
    veto_a.refresh_from_db()
    assert veto_a.resolution == resolution
    assert Commitment.objects.get(pk=commitment.pk).title == commitment.title


def test_it_requires_a_reason_to_keep_the_text(client_for, alice, territory_a, a_commitments, veto_a):
    before = state(territory_a)
    response = client_for(alice).post(
        resolve_url(territory_a, a_commitments[0]), {"reactions": [veto_a.pk], "outcome": "kept", "reason": "  "}
    )
    assert response.status_code == 200
    assert "Donnez le motif pour lequel le texte est maintenu." in read(response)
    assert state(territory_a) == before


def test_it_requires_a_decision(client_for, alice, territory_a, a_commitments, veto_a):
    before = state(territory_a)
    response = client_for(alice).post(resolve_url(territory_a, a_commitments[0]), {"reactions": [veto_a.pk]})
    assert "Choisissez une décision : modification acceptée ou texte maintenu." in read(response)
    assert state(territory_a) == before


def test_it_refuses_an_accepted_change_that_changes_nothing(client_for, alice, territory_a, a_commitments, veto_a):
    before = state(territory_a)
    journal = JournalEntry.objects.filter(territory=territory_a, verb=JournalVerb.RESOLUTION_RECORDED).count()
    commitment = a_commitments[0]
    response = client_for(alice).post(resolve_url(territory_a, commitment), accepted_post(commitment, [veto_a]))
    assert response.status_code == 200
    assert "La rédaction n'a pas changé" in read(response)
    assert state(territory_a) == before
    assert JournalEntry.objects.filter(territory=territory_a, verb=JournalVerb.RESOLUTION_RECORDED).count() == journal


def test_it_refuses_a_decision_without_any_reaction(client_for, alice, territory_a, a_commitments, veto_a):
    before = state(territory_a)
    response = client_for(alice).post(
        resolve_url(territory_a, a_commitments[0]), {"outcome": "kept", "reason": "Motif"}
    )
    assert "Choisissez au moins une réaction à traiter." in read(response)
    assert state(territory_a) == before


def test_it_resolves_only_the_ticked_reactions(client_for, alice, territory_a, a_commitments, veto_a, adjust_a):
    client_for(alice).post(
        resolve_url(territory_a, a_commitments[0]), {"reactions": [adjust_a.pk], "outcome": "kept", "reason": "Non"}
    )
    adjust_a.refresh_from_db()
    veto_a.refresh_from_db()
    assert adjust_a.resolution is not None
    assert veto_a.resolution is None
    page = read(client_for(alice).get(resolve_url(territory_a, a_commitments[0])))
    assert f'id="reaction-{veto_a.pk}"' in page
    assert f'id="reaction-{adjust_a.pk}"' not in page


def test_it_refuses_the_reactions_of_another_commitment(
    client_for, alice, territory_a, a_commitments, workshop_a, veto_a
):
    other = react(workshop_a, a_commitments[1], ReactionKind.VETO, "Non", name="Autre")
    before = state(territory_a)
    response = client_for(alice).post(
        resolve_url(territory_a, a_commitments[0]),
        {"reactions": [veto_a.pk, other.pk], "outcome": "kept", "reason": "Motif"},
    )
    assert response.status_code == 200
    assert "n'est pas en attente de décision sur cet engagement" in read(response)
    assert state(territory_a) == before


def test_it_refuses_a_reaction_already_decided(client_for, alice, territory_a, a_commitments, veto_a, adjust_a):
    resolution_record(commitment=a_commitments[0], reactions=[veto_a], outcome="kept", reason="Déjà", actor=alice)
    before = state(territory_a)
    response = client_for(alice).post(
        resolve_url(territory_a, a_commitments[0]),
        {"reactions": [veto_a.pk, adjust_a.pk], "outcome": "kept", "reason": "Encore"},
    )
    assert response.status_code == 200
    assert state(territory_a) == before


def test_it_says_when_a_commitment_has_nothing_to_decide(client_for, alice, territory_a, a_commitments):
    page = read(client_for(alice).get(resolve_url(territory_a, a_commitments[0])))
    assert "Aucun veto ni ajustement en attente sur cet engagement." in page
    assert 'name="outcome"' not in page


# --- isolation: every URL -------------------------------------------------------------------------------------


@pytest.fixture
def urls_a(territory_a, a_commitments, veto_a):
    return [list_url(territory_a), resolve_url(territory_a, a_commitments[0])]


def test_it_refuses_territory_a_pages_to_bobs_team(client_for, bob, territory_a, a_commitments, veto_a, urls_a):
    client = client_for(bob)
    before = state(territory_a)
    for url in urls_a:
        assert client.get(url).status_code == 403, url
    response = client.post(urls_a[1], {"reactions": [veto_a.pk], "outcome": "kept", "reason": "Bob"})
    assert response.status_code == 403
    assert state(territory_a) == before


def test_it_finds_no_commitment_of_a_through_bobs_slug(
    client_for, bob, territory_a, territory_b, a_commitments, veto_a
):
    client = client_for(bob)
    before = state(territory_a)
    url = reverse("workshops:resolve", args=[territory_b.slug, a_commitments[0].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reactions": [veto_a.pk], "outcome": "kept", "reason": "Bob"}).status_code == 404
    assert state(territory_a) == before
    assert veto_a.comment not in read(client.get(list_url(territory_b)))


def test_it_refuses_a_reaction_of_a_on_a_commitment_of_b(client_for, bob, territory_a, territory_b, veto_a):
    b_commitment = commitments_of(territory_b)[0]
    react(open_workshop(territory_b, "Atelier de Dunkerque"), b_commitment, ReactionKind.ADJUST, "Oui", name="B")
    before_a, before_b = state(territory_a), state(territory_b)
    response = client_for(bob).post(
        resolve_url(territory_b, b_commitment), {"reactions": [veto_a.pk], "outcome": "kept", "reason": "Bob"}
    )
    assert response.status_code == 200
    assert "n'est pas en attente de décision sur cet engagement" in read(response)
    assert (state(territory_a), state(territory_b)) == (before_a, before_b)


def test_it_lets_a_read_only_member_read_but_not_decide(client_for, victor, territory_a, a_commitments, veto_a, urls_a):
    client = client_for(victor)
    for url in urls_a:
        assert client.get(url).status_code == 200, url
    page = read(client.get(urls_a[1]))
    assert "Inacceptable pour les TPE" in page
    assert 'name="outcome"' not in page
    assert "Seule l'équipe du territoire peut trancher." in page
    before = state(territory_a)
    response = client.post(urls_a[1], {"reactions": [veto_a.pk], "outcome": "kept", "reason": "Victor"})
    assert response.status_code == 403
    assert state(territory_a) == before


def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a, a_commitments, veto_a, urls_a):
    before = state(territory_a)
    for url in urls_a:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    response = client.post(urls_a[1], {"reactions": [veto_a.pk], "outcome": "kept", "reason": "Anonyme"})
    assert response.status_code == 302
    assert state(territory_a) == before

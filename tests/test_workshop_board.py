"""The room's live board and the paper entry: team only, counts and vetoes, refreshed by HTMX every 3 s in a bounded
number of queries, post-its typed in from paper (also once the workshop is closed)."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment
from pacte.workshops.models import (
    GovernanceQuestion,
    Idea,
    Participant,
    Reaction,
    ReactionKind,
    WorkshopKind,
    WorkshopStatus,
)
from pacte.workshops.services import (
    idea_record,
    participant_join,
    reaction_record,
    workshop_create,
    workshop_set_status,
)
from tests.test_queries import queries_for


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _workshop(territory, *, kind=WorkshopKind.COMMITMENTS, title="Atelier #1 à Rochefort"):
    workshop = workshop_create(territory=territory, kind=kind, title=title, starts_at=timezone.now())
    return workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)


def _commitments(territory):
    return list(Commitment.objects.for_territory(territory).order_by("theme__order", "theme__pk", "order", "pk"))


@pytest.fixture
def workshop(territory_a):
    return _workshop(territory_a)


@pytest.fixture
def urls(workshop):
    def build(name, target=None):
        target = target or workshop
        return reverse(f"workshops:{name}", args=[target.territory.slug, target.pk])

    return build


def _fill(workshop, commitments, times):
    """`times` participants each react to every commitment and stick a post-it on it (bulk: fast)."""
    participants = Participant.objects.bulk_create(
        Participant(territory=workshop.territory, workshop=workshop, name=f"P{i}") for i in range(times)
    )
    kinds = [ReactionKind.AGREE, ReactionKind.ADJUST, ReactionKind.VETO]
    Reaction.objects.bulk_create(
        Reaction(
            territory=workshop.territory,
            participant=p,
            commitment=c,
            kind=kinds[(i + j) % 3],
            comment=f"raison {i}-{j}",
        )
        for i, p in enumerate(participants)
        for j, c in enumerate(commitments)
    )
    Idea.objects.bulk_create(
        Idea(territory=workshop.territory, workshop=workshop, participant=p, commitment=c, text=f"idée {p.pk}-{c.pk}")
        for p in participants
        for c in commitments
    )


# --- the board ---------------------------------------------------------------------------------------------------


def test_it_shows_counts_vetoes_and_post_its_on_the_board(workshop, territory_a, alice, client_for, urls):
    first, second = _commitments(territory_a)[:2]
    for kind, comment in [(ReactionKind.AGREE, ""), (ReactionKind.AGREE, ""), (ReactionKind.VETO, "Trop coûteux")]:
        participant = participant_join(workshop=workshop, name="x")
        reaction_record(participant=participant, commitment=first, kind=kind, comment=comment)
    idea_record(
        workshop=workshop, participant=participant, commitment=second, text="Associer les lycées", client_key="k1"
    )

    response = client_for(alice).get(urls("board"))
    assert response.status_code == 200
    page = _text(response)
    assert f'data-testid="agree-{first.pk}">2<' in page
    assert f'data-testid="veto-{first.pk}">1<' in page
    assert f'data-testid="adjust-{first.pk}">0<' in page
    assert 'data-testid="participants">3<' in page
    assert "pacte-board__card pacte-board__card--veto" in page and "Trop coûteux" in page
    assert "Associer les lycées" in page
    join_url = "http://testserver" + reverse("workshops:join", args=[workshop.token])
    assert f'data-testid="join-url">{join_url}<' in page
    # The body refreshes itself without reloading the page.
    live = urls("board_live")
    assert f'id="board-live" hx-get="{live}" hx-trigger="every 3s" hx-swap="outerHTML"' in page


def test_it_serves_the_live_partial_alone(workshop, territory_a, alice, client_for, urls):
    client = client_for(alice)
    participant = participant_join(workshop=workshop)
    reaction_record(participant=participant, commitment=_commitments(territory_a)[0], kind=ReactionKind.VETO)
    response = client.get(urls("board_live"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    part = _text(response)
    assert part.lstrip().startswith('<div id="board-live"') and "<html" not in part
    assert 'hx-trigger="every 3s"' in part  # the swapped-in body keeps polling
    assert 'data-testid="participants">1<' in part


def test_it_shows_governance_post_its_per_question(territory_a, alice, client_for):
    workshop = _workshop(territory_a, kind=WorkshopKind.GOVERNANCE, title="Atelier #2")
    participant = participant_join(workshop=workshop)
    idea_record(workshop=workshop, participant=participant, question=GovernanceQuestion.SUCCESS, text="Des jeunes")
    page = _text(client_for(alice).get(reverse("workshops:board", args=[territory_a.slug, workshop.pk])))
    for _value, label in GovernanceQuestion.choices:
        assert str(label) in page
    assert "Des jeunes" in page and page.count("Pas encore de post-it.") == 3


def test_it_refreshes_the_board_in_the_same_number_of_queries_at_10x(workshop, territory_a, alice, client_for, urls):
    client = client_for(alice)
    commitments = _commitments(territory_a)
    _fill(workshop, commitments, 1)
    # session, user, the workshop (its territory, its totals and the access check), then workshop_board(): the
    # commitments with their theme and their counts, the post-its and vetoes shown (see test_workshop_load_paths).
    at_1x = queries_for(client, urls("board_live"))
    _fill(workshop, commitments, 9)
    assert queries_for(client, urls("board_live")) == at_1x <= 5
    assert queries_for(client, urls("board")) == at_1x


# --- who may see it ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["board", "board_live", "paper"])
def test_it_keeps_territory_b_out(workshop, bob, client_for, urls, name):
    client = client_for(bob)
    assert client.get(urls(name)).status_code == 403
    before = Idea.objects.count()
    assert client.post(urls(name), {"target": "q", "lines": "intrus"}).status_code in (403, 405)
    assert Idea.objects.count() == before


def test_it_answers_404_for_a_workshop_of_another_territory_under_ones_own_slug(
    territory_b, territory_a, bob, client_for
):
    workshop_a = _workshop(territory_a)
    client = client_for(bob)
    for name in ("board", "board_live", "paper"):
        assert client.get(reverse(f"workshops:{name}", args=[territory_b.slug, workshop_a.pk])).status_code == 404


@pytest.mark.parametrize("name", ["board", "board_live", "paper"])
def test_it_sends_anonymous_visitors_to_the_login_page(workshop, urls, name):
    response = Client().get(urls(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_it_lets_a_viewer_see_the_board_but_not_type_in(workshop, territory_a, victor, client_for, urls):
    client = client_for(victor)
    assert client.get(urls("board")).status_code == 200
    assert client.get(urls("board_live")).status_code == 200
    page = _text(client.get(urls("paper")))
    assert "seule l'équipe du territoire saisit les post-its" in page and "<textarea" not in page
    before = Idea.objects.count(), Reaction.objects.count()
    target = f"c{_commitments(territory_a)[0].pk}"
    assert client.post(urls("paper"), {"target": target, "lines": "veto : non\nune idée"}).status_code == 403
    assert (Idea.objects.count(), Reaction.objects.count()) == before


# --- paper entry ---------------------------------------------------------------------------------------------------


def test_it_types_in_paper_post_its_and_prefixed_reactions(workshop, territory_a, alice, client_for, urls):
    client = client_for(alice)
    commitment = _commitments(territory_a)[2]
    page = _text(client.get(urls("paper")))
    assert f'<option value="c{commitment.pk}">Engagement 3 — {commitment.title}</option>' in page
    assert "autofocus" in page and "veto :" in page and "ajustement :" in page
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)  # typing in after the workshop

    lines = "Associer les lycées professionnels\n\n  veto : impossible pour une TPE\nOuvrir les ateliers le samedi\n"
    response = client.post(urls("paper"), {"target": f"c{commitment.pk}", "lines": lines}, follow=True)
    assert response.redirect_chain[-1][0] == f"{urls('paper')}?cible=c{commitment.pk}"
    page = _text(response)
    assert "2 post-its ajoutés, 1 réaction." in page
    assert f'<option value="c{commitment.pk}" selected>' in page  # the target is kept for the next batch
    ideas = Idea.objects.filter(workshop=workshop)
    assert sorted(ideas.values_list("text", flat=True)) == [
        "Associer les lycées professionnels",
        "Ouvrir les ateliers le samedi",
    ]
    assert {i.typed_by for i in ideas} == {alice} and {i.commitment for i in ideas} == {commitment}
    veto = Reaction.objects.get(participant__workshop=workshop)
    assert (veto.kind, veto.comment, veto.commitment, veto.participant.on_paper) == (
        ReactionKind.VETO,
        "impossible pour une TPE",
        commitment,
        True,
    )


def test_it_types_in_governance_post_its_per_question(territory_a, alice, client_for):
    workshop = _workshop(territory_a, kind=WorkshopKind.GOVERNANCE, title="Atelier #2")
    url = reverse("workshops:paper", args=[territory_a.slug, workshop.pk])
    client = client_for(alice)
    assert "Pour vous, ce pacte sera réussi si..." in _text(client.get(url))
    response = client.post(url, {"target": "qreussite", "lines": "Des jeunes embauchés\nUn club actif"}, follow=True)
    # "0 réaction" once `make messages` has put the new message in the French catalogue (0 takes the singular).
    assert re.search(r"2 post-its ajoutés, 0 réactions?\.", _text(response))
    assert set(Idea.objects.filter(workshop=workshop).values_list("question", flat=True)) == {"reussite"}


def test_it_refuses_an_empty_or_foreign_paper_entry(workshop, territory_a, territory_b, alice, client_for, urls):
    client = client_for(alice)
    before = Idea.objects.count()
    target = f"c{_commitments(territory_a)[0].pk}"
    assert "Tapez au moins un post-it." in _text(client.post(urls("paper"), {"target": target, "lines": ""}))
    foreign = f"c{_commitments(territory_b)[0].pk}"
    response = client.post(urls("paper"), {"target": foreign, "lines": "intrus"})
    assert response.status_code == 200 and "Sélectionnez un choix valide" in _text(response)
    assert Idea.objects.count() == before

"""The workshop's hot paths under load: a reaction, a post-it and a board refresh each cost at most 5 queries, the
same with 10 times the data (participants, reactions, post-its); and what they answer is right.

Each budget lists its queries. The phones' writes take no transaction of their own (each write is one statement),
so that the same count holds on SQLite and PostgreSQL, in tests and in production.
"""

import html
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment
from pacte.workshops.models import Idea, Participant, Reaction, ReactionKind, Resolution, WorkshopKind, WorkshopStatus
from pacte.workshops.services import (
    participant_join,
    reaction_record,
    resolution_record,
    workshop_create,
    workshop_set_status,
)
from pacte.workshops.views.participant import cookie_name

HTMX = {"HTTP_HX_REQUEST": "true"}
# participant (with its workshop and territory, named by the cookie), the territory's commitments in the board's
# order (the commitment and its number), the rate limit (one UPDATE), the reaction (one upsert).
REACTION_QUERIES = 4
# A veto or an adjustment costs one more: the conditional UPDATE that sends a validated pact back to draft.
REACTION_QUERIES_VETO = 5
# participant (with workshop and territory), the commitment (of this territory), the rate limit, the post-it (one
# INSERT … ON CONFLICT DO NOTHING), the participant's post-its on this commitment (the block shown again).
# A resent form costs one more: the stored twin is read back.
POST_IT_QUERIES = 5
# session, user, the workshop (with its territory, its two totals and the access check), the commitments (with their
# theme and the reactions counted by kind), the post-its and vetoes shown (one UNION).
BOARD_QUERIES = 5


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def workshop(territory_a):
    workshop = workshop_create(
        territory=territory_a, kind=WorkshopKind.COMMITMENTS, title="Atelier chargé", starts_at=timezone.now()
    )
    return workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)


@pytest.fixture
def commitments(territory_a):
    return list(Commitment.objects.for_territory(territory_a).order_by("theme__order", "theme__pk", "order", "pk"))


def _fill(workshop, commitments, participants):
    """`participants` more participants, each reacting to every commitment and sticking a post-it on it."""
    people = Participant.objects.bulk_create(
        Participant(territory=workshop.territory, workshop=workshop, name=f"P{uuid.uuid4().hex[:6]}")
        for _ in range(participants)
    )
    kinds = [ReactionKind.AGREE, ReactionKind.ADJUST, ReactionKind.VETO]
    Reaction.objects.bulk_create(
        Reaction(
            territory=workshop.territory, participant=p, commitment=c, kind=kinds[(i + j) % 3], comment=f"r{i}-{j}"
        )
        for i, p in enumerate(people)
        for j, c in enumerate(commitments)
    )
    Idea.objects.bulk_create(
        Idea(territory=workshop.territory, workshop=workshop, participant=p, commitment=c, text=f"idée {p.pk}-{c.pk}")
        for p in people
        for c in commitments
    )


def _phone(workshop):
    participant = participant_join(workshop=workshop, name="Téléphone")
    phone = Client()
    phone.cookies[cookie_name(workshop)] = participant.token
    phone.get(reverse("workshops:join", args=[workshop.token]))  # the CSRF cookie, as a browser has it
    return phone, participant


def _counted(send):
    with CaptureQueriesContext(connection) as context:
        response = send()
    return response, [q["sql"] for q in context.captured_queries]


def test_a_reaction_costs_4_queries_at_1x_and_10x(workshop, commitments):
    phone, participant = _phone(workshop)
    first, second = commitments[0], commitments[3]
    url = reverse("workshops:react", args=[workshop.token, first.pk])
    counts = []
    for size in (5, 50):  # participants already in the room, each with a reaction and a post-it on every commitment
        _fill(workshop, commitments, size)
        kind = ReactionKind.AGREE if size == 5 else ReactionKind.VETO
        response, queries = _counted(lambda k=kind: phone.post(url, {"kind": k, "comment": "Pas en l'état"}, **HTMX))
        assert response.status_code == 200, _text(response)
        assert "Réaction enregistrée" in _text(response) and "<html" not in _text(response)
        assert f'id="badge-{first.pk}"' in _text(response)  # the summary's badge, out of band
        counts.append(len(queries))
    assert counts == [REACTION_QUERIES, REACTION_QUERIES_VETO], queries  # an agreement at 1×, a veto at 10×
    stored = Reaction.objects.get(participant=participant, commitment=first)
    assert (stored.kind, stored.comment) == (ReactionKind.VETO, "Pas en l'état")  # replaced, not added
    # A first reaction on another commitment, without JavaScript (answered by a redirect): the same budget.
    response, queries = _counted(
        lambda: phone.post(reverse("workshops:react", args=[workshop.token, second.pk]), {"kind": "adjust"})
    )
    assert response.status_code == 302 and len(queries) <= REACTION_QUERIES_VETO
    assert Reaction.objects.filter(participant=participant).count() == 2


def test_the_reaction_form_shows_the_commitments_number(workshop, commitments):
    phone, _participant = _phone(workshop)
    third = commitments[2]
    response = phone.post(reverse("workshops:react", args=[workshop.token, third.pk]), {"kind": "agree"}, **HTMX)
    assert "Votre réaction à l'engagement 3" in _text(response)
    assert "Réaction enregistrée : D'accord." in _text(response)


def test_the_same_tap_keeps_its_decision_a_new_one_asks_for_a_new_decision(workshop, commitments):
    participant = participant_join(workshop=workshop)
    commitment = commitments[0]
    veto = reaction_record(participant=participant, commitment=commitment, kind=ReactionKind.VETO, comment="non")
    resolution_record(commitment=commitment, reactions=[veto], outcome=Resolution.Outcome.KEPT, reason="Déjà prévu")
    again = reaction_record(participant=participant, commitment=commitment, kind=ReactionKind.VETO, comment="non")
    assert again.pk == veto.pk and again.resolution_id is not None
    changed = reaction_record(participant=participant, commitment=commitment, kind=ReactionKind.VETO, comment="non !")
    assert changed.pk == veto.pk and changed.resolution_id is None
    assert Reaction.objects.get(pk=veto.pk).resolution_id is None
    assert Reaction.objects.filter(participant=participant).count() == 1


def test_a_post_it_costs_5_queries_at_1x_and_10x_and_a_resent_one_adds_nothing(workshop, commitments):
    phone, participant = _phone(workshop)
    commitment = commitments[1]
    url = reverse("workshops:idea", args=[workshop.token])
    counts = []
    for size in (5, 50):
        _fill(workshop, commitments, size)
        data = {"text": f"Idée à {size}", "commitment": commitment.pk, "client_key": uuid.uuid4().hex}
        response, queries = _counted(lambda d=data: phone.post(url, d, **HTMX))
        assert response.status_code == 200, _text(response)
        assert "Post-it ajouté" in _text(response) and f"Idée à {size}" in _text(response)
        counts.append(len(queries))
    assert counts[0] == counts[1] == POST_IT_QUERIES, queries
    # The same form sent again (rare: a lost answer, a double tap): the same answer, nothing added; one more query
    # reads back the stored twin.
    response, queries = _counted(lambda: phone.post(url, data, **HTMX))
    assert response.status_code == 200 and len(queries) <= POST_IT_QUERIES + 1
    assert _text(response).count("Idée à 50") == 1
    assert list(Idea.objects.filter(participant=participant).values_list("text", flat=True)) == [
        "Idée à 5",
        "Idée à 50",
    ]


def test_the_board_refresh_costs_5_queries_at_1x_and_10x(workshop, commitments, alice, client_for):
    team = client_for(alice)
    url = reverse("workshops:board_live", args=[workshop.territory.slug, workshop.pk])
    counts = []
    for size in (5, 50):
        _fill(workshop, commitments, size)
        team.get(url, **HTMX)  # warm-up: per-process caches
        response, queries = _counted(lambda: team.get(url, **HTMX))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == BOARD_QUERIES, queries
    page = _text(response)
    assert 'data-testid="participants">55<' in page and 'data-testid="ideas-total">' + str(55 * len(commitments))
    first = commitments[0]
    agree = Reaction.objects.filter(participant__workshop=workshop, commitment=first, kind="agree").count()
    assert f'data-testid="agree-{first.pk}">{agree}<' in page
    veto = Reaction.objects.filter(participant__workshop=workshop, kind="veto").order_by("-pk").first()
    assert veto.comment in page  # a veto's words are shown
    newest = Idea.objects.filter(workshop=workshop).order_by("-created_at", "-pk").first()
    assert newest.text in page

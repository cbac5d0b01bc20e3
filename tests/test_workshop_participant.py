"""The participants' pages: no account, a cookie per workshop, reactions counted once, idempotent post-its,
closed workshops and other workshops' or territories' data out of reach, the rate limit."""

import html
import uuid

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
from pacte.workshops.services import WRITES_PER_MINUTE, participants_invite, workshop_create, workshop_set_status
from pacte.workshops.views.participant import cookie_name
from tests.test_queries import queries_for

HTMX = {"HTTP_HX_REQUEST": "true"}


def _text(response) -> str:
    """The HTML of a response with its entities decoded, to assert on what the participant reads."""
    return html.unescape(response.content.decode())


def _workshop(territory, *, kind=WorkshopKind.COMMITMENTS, status=WorkshopStatus.OPEN, title="Atelier #1"):
    workshop = workshop_create(
        territory=territory, kind=kind, title=title, starts_at=timezone.now(), place="Salle des fêtes"
    )
    return workshop_set_status(workshop=workshop, status=status)


@pytest.fixture
def workshop(territory_a):
    return _workshop(territory_a)


@pytest.fixture
def commitment(territory_a):
    return Commitment.objects.for_territory(territory_a).order_by("theme__order", "order", "pk").first()


def _written() -> tuple[int, int, int]:
    """What participants wrote in the whole database (the demo territory has workshops of its own)."""
    return Reaction.objects.count(), Idea.objects.count(), Participant.objects.count()


def _joined(workshop, name="Chantiers Bernard", address="127.0.0.1"):
    """A fresh phone that opened the workshop's link and pressed « Commencer »."""
    phone = Client(REMOTE_ADDR=address)
    response = phone.post(reverse("workshops:join", args=[workshop.token]), {"name": name})
    assert response.status_code == 302
    return phone


def _react(phone, workshop, commitment, kind=ReactionKind.AGREE, comment="", **headers):
    url = reverse("workshops:react", args=[workshop.token, commitment.pk])
    return phone.post(url, {"kind": kind, "comment": comment}, **headers)


def _idea(phone, workshop, text, *, commitment=None, question="", client_key=None, **headers):
    data = {"text": text, "client_key": client_key or uuid.uuid4().hex}
    if commitment is not None:
        data["commitment"] = commitment.pk
    if question:
        data["question"] = question
    return phone.post(reverse("workshops:idea", args=[workshop.token]), data, **headers)


# --- joining --------------------------------------------------------------------------------------------------


def test_it_shows_the_workshop_and_the_questions_of_the_source(workshop):
    response = Client().get(reverse("workshops:join", args=[workshop.token]))
    assert response.status_code == 200
    page = _text(response)
    assert "Atelier #1" in page and "Salle des fêtes" in page
    assert "vous retrouvez-vous dans ces engagements ?" in page
    assert "Avez-vous des vetos ?" in page
    assert "Votre prénom ou structure (facultatif)" in page
    assert "Commencer" in page


def test_it_sets_a_cookie_and_creates_one_participant_on_joining(workshop):
    phone = Client()
    response = phone.post(reverse("workshops:join", args=[workshop.token]), {"name": "  Chantiers Bernard "})
    assert response.status_code == 302
    cookie = response.cookies[cookie_name(workshop)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) >= 29 * 24 * 3600
    participant = Participant.objects.get(workshop=workshop)
    assert cookie.value == participant.token and participant.name == "Chantiers Bernard"
    # A second tap on « Commencer » with the cookie adds nobody.
    assert phone.post(reverse("workshops:join", args=[workshop.token]), {"name": "x"}).status_code == 302
    assert Participant.objects.filter(workshop=workshop).count() == 1
    page = _text(phone.get(reverse("workshops:join", args=[workshop.token])))
    assert "Chantiers Bernard" in page and "Votre réaction à l'engagement 1" in page


def test_it_shows_every_commitment_with_both_sides_and_the_forms(workshop, territory_a):
    page = _text(_joined(workshop).get(reverse("workshops:join", args=[workshop.token])))
    commitments = Commitment.objects.for_territory(territory_a)
    assert page.count('class="pacte-engagement"') == commitments.count()
    assert "Les entreprises s'engagent à…" in page and "Le territoire s'engage à…" in page
    for label in ("D'accord", "Question ou ajustement", "Veto"):
        assert label in page
    assert page.count('name="client_key"') == commitments.count()


def test_it_answers_404_to_unknown_tokens(workshop, commitment):
    phone = Client()
    assert phone.get(reverse("workshops:join", args=["inconnu"])).status_code == 404
    assert phone.get(reverse("workshops:personal", args=["inconnu"])).status_code == 404
    assert phone.post(reverse("workshops:react", args=["inconnu", commitment.pk]), {"kind": "agree"}).status_code == 404
    assert phone.post(reverse("workshops:idea", args=["inconnu"]), {"text": "x"}).status_code == 404


def test_it_names_the_invited_participant_by_the_personal_link(workshop, territory_a):
    from pacte.stakeholders.models import Contact

    contact = Contact.objects.for_territory(territory_a).select_related("stakeholder").first()
    (participant,) = participants_invite(workshop=workshop, contacts=[contact])
    phone = Client()
    response = phone.get(reverse("workshops:personal", args=[participant.token]))
    assert response.status_code == 302 and response["Location"] == reverse("workshops:join", args=[workshop.token])
    assert response.cookies[cookie_name(workshop)].value == participant.token
    page = _text(phone.get(response["Location"]))
    assert contact.display_name in page or str(participant) in page
    assert "Commencer" not in page


# --- reactions --------------------------------------------------------------------------------------------------


def test_it_records_one_reaction_and_a_second_tap_replaces_it(workshop, commitment):
    phone = _joined(workshop)
    response = _react(phone, workshop, commitment, ReactionKind.AGREE)
    url = reverse("workshops:join", args=[workshop.token])
    assert (
        response.status_code == 302 and response["Location"] == f"{url}?ok=r{commitment.pk}#engagement-{commitment.pk}"
    )
    _react(phone, workshop, commitment, ReactionKind.AGREE)  # the same tap again
    assert Reaction.objects.filter(participant__workshop=workshop).count() == 1
    _react(phone, workshop, commitment, ReactionKind.VETO, comment="Impossible pour une TPE")
    reaction = Reaction.objects.filter(participant__workshop=workshop).get()
    assert (reaction.kind, reaction.comment) == (ReactionKind.VETO, "Impossible pour une TPE")
    page = _text(phone.get(response["Location"]))
    assert f'id="reaction-{commitment.pk}-veto" name="kind" value="veto" required checked' in page
    assert "Impossible pour une TPE" in page
    assert "Réaction enregistrée : Veto." in page


def test_it_answers_htmx_with_the_block_partial(workshop, commitment):
    phone = _joined(workshop)
    response = _react(phone, workshop, commitment, ReactionKind.ADJUST, comment="Préciser le délai", **HTMX)
    assert response.status_code == 200
    part = _text(response)
    assert "<html" not in part
    assert f'id="reaction-{commitment.pk}"' in part
    assert "Réaction enregistrée : Question ou ajustement." in part
    assert f'id="badge-{commitment.pk}" class="pacte-engagement__badge" hx-swap-oob="true"' in part
    assert Reaction.objects.filter(participant__workshop=workshop).get().kind == ReactionKind.ADJUST
    # The full page carries the forms HTMX submits, and still works as plain forms.
    page = _text(phone.get(reverse("workshops:join", args=[workshop.token])))
    react_url = reverse("workshops:react", args=[workshop.token, commitment.pk])
    assert f'action="{react_url}" hx-post="{react_url}" hx-target="#reaction-{commitment.pk}"' in page


def test_it_refuses_a_write_without_a_participant_cookie(workshop, commitment):
    before = _written()
    phone = Client()
    response = _react(phone, workshop, commitment)
    assert response.status_code == 403
    assert "Nous ne vous reconnaissons pas comme participant" in _text(response)
    assert _idea(phone, workshop, "Une idée", commitment=commitment).status_code == 403
    assert _react(phone, workshop, commitment, **HTMX)["HX-Refresh"] == "true"
    assert _written() == before


def test_it_ignores_the_cookie_of_another_workshop_of_the_same_territory(workshop, territory_a, commitment):
    other = _workshop(territory_a, title="Atelier de Royan")
    phone = _joined(workshop)
    before = _written()
    phone.cookies[cookie_name(other)] = phone.cookies[cookie_name(workshop)].value  # forged: X's token under Y's name
    assert _react(phone, other, commitment).status_code == 403
    assert _idea(phone, other, "Une idée", commitment=commitment).status_code == 403
    assert _written() == before
    assert "Commencer" in _text(phone.get(reverse("workshops:join", args=[other.token])))


def test_it_keeps_a_participant_of_territory_a_away_from_territory_b_commitments(workshop, territory_b):
    foreign = Commitment.objects.for_territory(territory_b).first()
    phone = _joined(workshop)
    before = _written()
    assert _react(phone, workshop, foreign).status_code == 404
    assert _idea(phone, workshop, "Une idée", commitment=foreign).status_code == 404
    assert _written() == before


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (WorkshopStatus.CLOSED, "Cet atelier est clos"),
        (WorkshopStatus.DRAFT, "Cet atelier n'est pas encore ouvert"),
    ],
)
def test_it_accepts_nothing_in_a_workshop_that_is_not_open(workshop, commitment, status, message):
    phone = _joined(workshop)
    _react(phone, workshop, commitment, ReactionKind.AGREE)
    workshop_set_status(workshop=workshop, status=status)
    before = _written()

    page = _text(phone.get(reverse("workshops:join", args=[workshop.token])))
    assert message in page and '<form method="post" action="/atelier' not in page
    assert message in _text(Client().get(reverse("workshops:join", args=[workshop.token])))
    join = Client().post(reverse("workshops:join", args=[workshop.token]), {"name": "Tard venu"})
    assert join.status_code == 409 and message in _text(join)

    veto = _react(phone, workshop, commitment, ReactionKind.VETO, comment="Trop tard")
    assert veto.status_code == 409 and message in _text(veto)
    htmx = _react(phone, workshop, commitment, ReactionKind.VETO, comment="Trop tard", **HTMX)
    assert htmx.status_code == 409 and "<html" not in _text(htmx)
    assert "Cet atelier" in _text(htmx)
    assert _idea(phone, workshop, "Trop tard", commitment=commitment).status_code == 409
    assert _written() == before


def test_it_rate_limits_a_phone_with_429(workshop, commitment):
    phone = _joined(workshop)
    for i in range(WRITES_PER_MINUTE):
        assert _idea(phone, workshop, f"Idée {i}", commitment=commitment).status_code == 302
    refused = _idea(phone, workshop, "Une de trop", commitment=commitment, **HTMX)
    assert refused.status_code == 429
    assert "Trop de réponses en une minute" in _text(refused)
    assert "Une de trop" in _text(refused)  # the text is kept, to send it again later
    assert _react(phone, workshop, commitment).status_code == 429
    assert (
        Idea.objects.filter(workshop=workshop).count() == WRITES_PER_MINUTE
        and not Reaction.objects.filter(participant__workshop=workshop).exists()
    )
    # Another phone (another address: from the same one, joining is refused while the last phone that joined from
    # it is held by the limit, see test_workshop_join_throttle) is not slowed down.
    assert _react(_joined(workshop, address="10.9.9.9"), workshop, commitment).status_code == 302


# --- post-its -------------------------------------------------------------------------------------------------


def test_it_stores_a_resent_post_it_once(workshop, commitment):
    phone = _joined(workshop)
    key = uuid.uuid4().hex
    assert (
        _idea(phone, workshop, "Associer les lycées professionnels", commitment=commitment, client_key=key).status_code
        == 302
    )
    response = _idea(
        phone, workshop, "Associer les lycées professionnels", commitment=commitment, client_key=key, **HTMX
    )
    assert response.status_code == 200
    idea = Idea.objects.filter(workshop=workshop).get()
    assert (idea.text, idea.commitment, idea.participant.workshop) == (
        "Associer les lycées professionnels",
        commitment,
        workshop,
    )
    part = _text(response)
    assert "Associer les lycées professionnels" in part and "Post-it ajouté" in part
    assert f'name="client_key" value="{key}"' not in part  # a fresh key for the next post-it


def test_it_refuses_an_empty_post_it_in_french(workshop, commitment):
    phone = _joined(workshop)
    response = _idea(phone, workshop, "   ", commitment=commitment, **HTMX)
    assert response.status_code == 400 and "Le post-it est vide." in _text(response)
    assert not Idea.objects.filter(workshop=workshop).exists()


def test_it_takes_governance_post_its_per_question(territory_a):
    workshop = _workshop(territory_a, kind=WorkshopKind.GOVERNANCE, title="Atelier #2")
    phone = _joined(workshop)
    page = _text(phone.get(reverse("workshops:join", args=[workshop.token])))
    for _value, label in GovernanceQuestion.choices:
        assert str(label) in page
    assert page.count('name="question"') == 4
    response = _idea(phone, workshop, "Une revue tous les ans", question=GovernanceQuestion.DURATION)
    assert response["Location"].endswith(f"?ok=i{GovernanceQuestion.DURATION}#question-duree")
    part = _text(_idea(phone, workshop, "Si les jeunes restent", question=GovernanceQuestion.SUCCESS, **HTMX))
    assert 'id="question-reussite"' in part and "Si les jeunes restent" in part and "<html" not in part
    assert dict(Idea.objects.filter(workshop=workshop).values_list("question", "text")) == {
        "duree": "Une revue tous les ans",
        "reussite": "Si les jeunes restent",
    }
    assert "Une revue tous les ans" in _text(phone.get(reverse("workshops:join", args=[workshop.token])))
    # Workshop #2 has no reaction to commitments, and its post-its answer a question.
    commitment = Commitment.objects.for_territory(territory_a).first()
    assert _react(phone, workshop, commitment).status_code == 409
    assert _idea(phone, workshop, "Sans question").status_code == 404
    assert (
        Idea.objects.filter(workshop=workshop).count() == 2
        and not Reaction.objects.filter(participant__workshop=workshop).exists()
    )


def test_it_only_accepts_post(workshop, commitment):
    phone = _joined(workshop)
    assert phone.get(reverse("workshops:react", args=[workshop.token, commitment.pk])).status_code == 405
    assert phone.get(reverse("workshops:idea", args=[workshop.token])).status_code == 405


def test_it_renders_the_participant_page_in_the_same_number_of_queries_at_10x(workshop, commitment):
    phone = _joined(workshop)
    url = reverse("workshops:join", args=[workshop.token])
    _react(phone, workshop, commitment)
    _idea(phone, workshop, "Une idée", commitment=commitment)
    # workshop + territory, participant + contact, its post-its, its reactions, commitments + themes, the two sides.
    at_1x = queries_for(phone, url)
    for i in range(9):
        _idea(phone, workshop, f"Une autre idée {i}", commitment=commitment)
    assert queries_for(phone, url) == at_1x <= 7

"""Issue 17: the participant's loop closed. A veto comes with its reason; each saved answer is announced by a live
region that survives the swap of the block; the participant's personal link shows the decision taken on each of
their reactions and post-its; invited participants get it by email, once, when the commitments are frozen again."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment
from pacte.commitments.services import commitments_version_freeze
from pacte.stakeholders.models import Contact, Stakeholder
from pacte.workshops.models import Idea, Participant, Reaction, ReactionKind, WorkshopKind, WorkshopStatus
from pacte.workshops.services import (
    idea_record,
    participants_invite,
    reaction_record,
    resolution_record,
    workshop_create,
    workshop_set_status,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def workshop(territory_a):
    w = workshop_create(
        territory=territory_a, kind=WorkshopKind.COMMITMENTS, title="Atelier #1", starts_at=timezone.now()
    )
    return workshop_set_status(workshop=w, status=WorkshopStatus.OPEN)


@pytest.fixture
def commitments(territory_a):
    return list(Commitment.objects.for_territory(territory_a).order_by("theme__order", "order", "pk")[:2])


@pytest.fixture
def invited(territory_a, workshop):
    """Léa, invited from the tracking file with an email address, and her phone opened on her personal link."""
    stakeholder = Stakeholder.objects.create(territory=territory_a, name="Forges de l'Estuaire", category="entreprises")
    contact = Contact.objects.create(
        territory=territory_a, stakeholder=stakeholder, first_name="Léa", last_name="Roux", email="lea@forges.example"
    )
    participants_invite(workshop=workshop, contacts=[contact])
    participant = Participant.objects.get(workshop=workshop, contact=contact)
    phone = Client()
    assert phone.get(reverse("workshops:personal", args=[participant.token])).status_code == 302
    return participant, phone


def _react(phone, workshop, commitment, kind, comment="", **headers):
    url = reverse("workshops:react", args=[workshop.token, commitment.pk])
    return phone.post(url, {"kind": kind, "comment": comment}, **headers)


# --- 7. a veto asks for its reason ----------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_veto_without_a_reason_is_refused_on_the_comment_field(invited, workshop, commitments, headers):
    participant, phone = invited
    response = _react(phone, workshop, commitments[0], ReactionKind.VETO, comment="  ", **headers)
    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(rf'<p class="fr-error-text" id="reaction-{commitments[0].pk}-comment-error">(.*?)</p>', page)
    assert error and "Donnez la raison de votre veto" in error.group(1)
    assert f'aria-describedby="reaction-{commitments[0].pk}-comment-error"' in page
    assert not Reaction.objects.filter(participant=participant).exists()
    assert _react(phone, workshop, commitments[0], ReactionKind.VETO, "Trop coûteux", **headers).status_code in (
        200,
        302,
    )
    assert Reaction.objects.get(participant=participant).comment == "Trop coûteux"


def test_agreeing_needs_no_comment(invited, workshop, commitments):
    participant, phone = invited
    assert _react(phone, workshop, commitments[0], ReactionKind.AGREE).status_code == 302
    assert Reaction.objects.get(participant=participant).kind == ReactionKind.AGREE


# --- 10. the live region lives outside the swapped block ----------------------------------------------------------


def test_the_live_region_is_outside_the_blocks_that_htmx_replaces(invited, workshop, commitments):
    _participant, phone = invited
    page = phone.get(reverse("workshops:join", args=[workshop.token])).content.decode()
    assert page.count('id="pacte-live"') == 1
    live = page.index('id="pacte-live"')
    first_block = page.index(f'id="reaction-{commitments[0].pk}"')
    assert live < first_block and 'aria-live="polite"' in page[live - 200 : live + 200]
    block = page[first_block : page.index("</form>", first_block)]
    assert "aria-live" not in block
    answer = _react(phone, workshop, commitments[0], ReactionKind.AGREE, **HTMX).content.decode()
    oob = re.search(r'<div id="pacte-live" hx-swap-oob="innerHTML">(.*?)</div>', answer, re.S)
    assert oob and "réaction enregistrée, D&#x27;accord" in oob.group(1)
    postit = phone.post(
        reverse("workshops:idea", args=[workshop.token]),
        {"text": "Une idée", "commitment": commitments[0].pk, "client_key": "k1"},
        **HTMX,
    ).content.decode()
    assert re.search(r'<div id="pacte-live" hx-swap-oob="innerHTML">Post-it ajouté, merci !</div>', postit)


# --- 8. the decision on the personal link, and by email ---------------------------------------------------------


@pytest.fixture
def decided(invited, workshop, commitments, alice):
    """Léa vetoed the first commitment (kept, with a reason), proposed an adjustment on the second (accepted), and
    left a post-it on the second; the workshop is closed."""
    participant, phone = invited
    participant.workshop = workshop
    veto = reaction_record(participant=participant, commitment=commitments[0], kind=ReactionKind.VETO, comment="Non")
    adjust = reaction_record(
        participant=participant, commitment=commitments[1], kind=ReactionKind.ADJUST, comment="Plus court"
    )
    idea_record(workshop=workshop, participant=participant, commitment=commitments[1], text="Un mot sur les TPE")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    resolution_record(
        commitment=commitments[0], reactions=[veto], outcome="kept", reason="Voté en Copil le 3 mars", actor=alice
    )
    wording = {
        "title": "Un intitulé plus court",
        "company_intro": commitments[1].company_intro,
        "company_actions": list(commitments[1].company_actions.values_list("text", flat=True)),
        "territory_intro": commitments[1].territory_intro,
        "territory_actions": list(commitments[1].territory_actions.values_list("text", flat=True)),
    }
    resolution_record(commitment=commitments[1], reactions=[adjust], outcome="accepted", wording=wording, actor=alice)
    return participant, phone


def test_the_personal_link_shows_the_decision_on_each_reaction_and_post_it(decided, workshop):
    _participant, phone = decided
    page = phone.get(reverse("workshops:join", args=[workshop.token])).content.decode()
    section = page[page.index('id="decisions"') :]
    assert "Les suites données à vos réponses" in section
    assert section.count('data-decision="kept"') == 1
    assert section.count('data-decision="accepted"') == 2  # the adjustment, and the post-it on the same commitment
    assert "Motif : Voté en Copil le 3 mars" in section
    assert "Un intitulé plus court" in section
    assert "Un mot sur les TPE" in section


def test_the_decisions_are_emailed_once_to_invited_participants_when_the_commitments_are_frozen(
    decided, territory_a, django_capture_on_commit_callbacks
):
    participant, _phone = decided
    anonymous = Participant.objects.create(territory=territory_a, workshop=participant.workshop, name="Anonyme")
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        commitments_version_freeze(territory=territory_a, label="Version après les ateliers")
    assert len(mail.outbox) == 1  # Léa only: the open-link participant has no address
    message = mail.outbox[0]
    assert message.to == ["lea@forges.example"]
    assert "Les suites données à vos réponses" in message.subject
    assert "Motif : Voté en Copil le 3 mars" in message.body
    assert "modification acceptée" in message.body
    assert not Reaction.objects.filter(participant=participant, decision_sent_at__isnull=True).exists()
    assert not Idea.objects.filter(participant=participant, decision_sent_at__isnull=True).exists()
    assert anonymous.pk
    with django_capture_on_commit_callbacks(execute=True):
        commitments_version_freeze(territory=territory_a, label="Encore une version")
    assert len(mail.outbox) == 1  # sent once

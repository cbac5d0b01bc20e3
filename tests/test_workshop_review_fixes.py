"""What the review of step 2 found, each pinned by a test."""

import pytest
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment, CompanyAction, Theme
from pacte.commitments.services import commitment_revise, commitments_version_freeze
from pacte.workshops.models import Idea, Participant, Reaction, ReactionKind, Resolution, WorkshopKind, WorkshopStatus
from pacte.workshops.services import (
    WorkshopError,
    participant_join,
    participants_invite,
    reaction_record,
    resolution_record,
    workshop_board,
    workshop_create,
    workshop_set_status,
)


@pytest.fixture
def workshop(territory_a):
    workshop = workshop_create(
        territory=territory_a, kind=WorkshopKind.COMMITMENTS, title="Atelier de revue", starts_at=timezone.now()
    )
    return workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)


@pytest.fixture
def commitment(territory_a):
    return Commitment.objects.filter(territory=territory_a).order_by("pk").first()


def _paper(client, workshop, commitment, lines, key):
    url = reverse("workshops:paper", args=[workshop.territory.slug, workshop.pk])
    return client.post(url, {"target": f"c{commitment.pk}", "lines": lines, "client_key": key}, follow=True)


def test_it_shows_personal_links_to_the_team_only(client_for, alice, victor, workshop, territory_a):
    from pacte.stakeholders.models import Contact

    (participant,) = participants_invite(
        workshop=workshop, contacts=[Contact.objects.filter(territory=territory_a).first()]
    )
    url = reverse("workshops:detail", args=[territory_a.slug, workshop.pk])
    link = reverse("workshops:personal", args=[participant.token])
    assert link in client_for(alice).get(url).content.decode()
    assert link not in client_for(victor).get(url).content.decode()


def test_it_types_a_paper_batch_in_once_even_if_sent_twice(client_for, alice, workshop, commitment):
    client = client_for(alice)
    lines = "Associer les lycées\nveto : impossible à tenir"
    _paper(client, workshop, commitment, lines, "a" * 32)
    page = _paper(client, workshop, commitment, lines, "a" * 32).content.decode()
    assert "déjà enregistrés" in page
    assert Idea.objects.filter(workshop=workshop).count() == 1
    assert Reaction.objects.filter(participant__workshop=workshop).count() == 1


def test_it_names_the_line_of_a_refused_paper_post_it_and_writes_nothing(client_for, alice, workshop, commitment):
    page = _paper(client_for(alice), workshop, commitment, "Bonne idée\n" + "x" * 1001, "b" * 32).content.decode()
    assert "Ligne 2 : Un post-it tient en 1000 caractères au plus." in page
    assert not Idea.objects.filter(workshop=workshop).exists()


def test_it_counts_people_not_paper_post_its_on_the_board(client_for, alice, workshop, commitment):
    participant_join(workshop=workshop, name="Anne")
    _paper(client_for(alice), workshop, commitment, "veto : non\nveto : toujours non", "c" * 32)
    assert workshop_board(workshop=workshop)["participants"] == 1


def test_it_refuses_to_decide_twice_on_the_same_veto(workshop, commitment):
    veto = reaction_record(
        participant=participant_join(workshop=workshop), commitment=commitment, kind=ReactionKind.VETO
    )
    resolution_record(commitment=commitment, reactions=[veto], outcome=Resolution.Outcome.KEPT, reason="Déjà prévu")
    with pytest.raises(WorkshopError, match="déjà été tranchées"):
        resolution_record(commitment=commitment, reactions=[veto], outcome=Resolution.Outcome.KEPT, reason="Encore")
    assert Resolution.objects.filter(reactions=veto).count() == 1


def test_it_asks_for_a_new_decision_when_a_participant_rewords_the_same_reaction(workshop, commitment):
    participant = participant_join(workshop=workshop)
    adjust = reaction_record(participant=participant, commitment=commitment, kind=ReactionKind.ADJUST, comment="a")
    resolution_record(commitment=commitment, reactions=[adjust], outcome=Resolution.Outcome.KEPT, reason="Non")
    reaction_record(participant=participant, commitment=commitment, kind=ReactionKind.ADJUST, comment="autre chose")
    adjust.refresh_from_db()
    assert adjust.resolution is None


def test_it_ignores_a_wording_that_only_changes_spacing(commitment):
    changes = commitment_revise(
        commitment=commitment,
        title=commitment.title + "  ",
        company_intro="  " + commitment.company_intro.replace(" ", "  ") + "\n",
        company_actions=[a.text for a in commitment.company_actions.all()],
        territory_intro=commitment.territory_intro,
        territory_actions=[a.text for a in commitment.territory_actions.all()],
    )
    assert changes == []


def test_it_reports_reordered_actions_a_new_short_title_and_a_theme_move(territory_a, commitment):
    commitments_version_freeze(territory=territory_a, label="avant")
    first, second = CompanyAction.objects.filter(commitment=commitment).order_by("order", "pk")[:2]
    first.order, second.order = second.order, first.order
    first.save()
    second.save()
    other_theme = Theme.objects.filter(territory=territory_a).exclude(pk=commitment.theme_id).first()
    commitment.short_title = "Nouvel intitulé court"
    commitment.theme = other_theme
    commitment.save()
    version = commitments_version_freeze(territory=territory_a, label="après")
    assert "Aucun changement" not in version.changelog
    assert "intitulé court" in version.changelog
    assert f"à {other_theme.name}" in version.changelog
    assert any(f"{sign} « {a.text} »" in version.changelog for a in (first, second) for sign in "+−")


def test_it_never_lets_a_paper_participant_token_be_a_personal_link(client, workshop, commitment, client_for, alice):
    _paper(client_for(alice), workshop, commitment, "veto : non", "d" * 32)
    paper = Participant.objects.get(workshop=workshop, on_paper=True)
    assert client.get(reverse("workshops:personal", args=[paper.token])).status_code == 404

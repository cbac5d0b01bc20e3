import datetime
import html

import pytest
from django.urls import reverse

from pacte.commitments.models import CompanyAction, TerritoryAction
from pacte.core.models import JournalEntry
from pacte.publications.models import Pact, PactStatus
from pacte.publications.services import PactTransitionError, pact_publish, pact_validate
from pacte.workshops.models import ReactionKind
from pacte.workshops.services import resolution_record

from .test_workshop_resolution import commitments_of, open_workshop, react


def _ready_after_workshop(territory):
    """The workshop closed, the editorial and the commitments adapted: only the vetoes may still block."""
    from pacte.workshops.models import Workshop, WorkshopStatus

    from .test_publication_readiness import make_ready

    make_ready(territory)
    Workshop.objects.filter(territory=territory).update(status=WorkshopStatus.CLOSED)


def _transition(territory, action):
    return reverse("publications:transition", args=[territory.slug, action])


def test_it_validates_then_publishes_a_template_pact_from_the_roadmap(client_for, bob, territory_b):
    from .test_publication_readiness import make_ready

    make_ready(territory_b)
    client = client_for(bob)
    roadmap = reverse("roadmap:roadmap", args=[territory_b.slug])
    assert "Marquer les engagements comme validés" in client.get(roadmap).content.decode()

    response = client.post(_transition(territory_b, "valider"), follow=True)
    assert Pact.objects.get(territory=territory_b).status == PactStatus.VALIDATED
    assert "Publier le pacte" in response.content.decode()
    assert "Publier la version v1" in client.get(_transition(territory_b, "publier")).content.decode()

    client.post(_transition(territory_b, "publier"))
    pact = Pact.objects.get(territory=territory_b)
    assert (pact.status, pact.version, pact.published_on) == (PactStatus.PUBLISHED, 1, datetime.date.today())
    assert JournalEntry.objects.filter(territory=territory_b, verb="pact_published").exists()
    # Now citizens read it.
    client.logout()
    assert client.get(reverse("public:pact", args=[territory_b.slug])).status_code == 200


def test_it_numbers_each_new_publication(territory_a):
    pact = pact_publish(pact=territory_a.pact)
    assert pact.version == 2


def test_it_refuses_to_publish_a_draft(territory_b):
    with pytest.raises(PactTransitionError):
        pact_publish(pact=territory_b.pact)
    assert Pact.objects.get(territory=territory_b).status == PactStatus.DRAFT


def test_it_shows_the_refusal_in_french(client_for, bob, territory_b):
    response = client_for(bob).post(_transition(territory_b, "publier"), follow=True)
    assert "Le pacte doit être validé avant d&#x27;être publié." in response.content.decode()


def test_it_refuses_transitions_to_another_territorys_team(client_for, bob, territory_a):
    response = client_for(bob).post(_transition(territory_a, "publier"))
    assert response.status_code == 403
    assert Pact.objects.get(territory=territory_a).version == 1


def test_it_refuses_transitions_to_a_read_only_member(client_for, victor, territory_a):
    client = client_for(victor)
    assert client.post(_transition(territory_a, "publier")).status_code == 403
    assert (
        "Publier une nouvelle version"
        not in client.get(reverse("roadmap:roadmap", args=[territory_a.slug])).content.decode()
    )
    assert Pact.objects.get(territory=territory_a).version == 1


def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a):
    assert client.post(_transition(territory_a, "publier")).status_code == 302  # to the login page
    assert Pact.objects.get(territory=territory_a).version == 1


# --- step 2: the pact cannot be validated while a veto waits for a decision -------------------------------------


def _veto_on_b(territory_b, comment="Pas sans les TPE"):
    commitment = commitments_of(territory_b)[0]
    veto = react(open_workshop(territory_b, "Atelier de Dunkerque"), commitment, ReactionKind.VETO, comment)
    return commitment, veto


def test_it_refuses_to_validate_the_pact_while_a_veto_is_unresolved(client_for, bob, territory_b):
    commitment, veto = _veto_on_b(territory_b)
    client = client_for(bob)

    response = client.post(_transition(territory_b, "valider"), follow=True)

    page = html.unescape(response.content.decode())
    assert f"Le pacte ne peut pas être validé : 1 veto n'a pas encore été tranché (« {commitment.title} »)." in page
    assert Pact.objects.get(territory=territory_b).status == PactStatus.DRAFT
    assert not JournalEntry.objects.filter(territory=territory_b, verb="pact_validated").exists()

    # Once the veto is decided on (here: the text is kept, with a reason), the pact can be validated.
    _ready_after_workshop(territory_b)
    client.post(
        reverse("workshops:resolve", args=[territory_b.slug, commitment.pk]),
        {"reactions": [veto.pk], "outcome": "kept", "reason": "Les TPE sont couvertes par l'action 2."},
    )
    client.post(_transition(territory_b, "valider"))
    assert Pact.objects.get(territory=territory_b).status == PactStatus.VALIDATED


def test_it_names_every_commitment_that_still_has_a_veto(territory_b):
    first, second = commitments_of(territory_b)[:2]
    workshop = open_workshop(territory_b, "Atelier de Dunkerque")
    react(workshop, first, ReactionKind.VETO, "non", name="A")
    react(workshop, first, ReactionKind.VETO, "non plus", name="B")
    react(workshop, second, ReactionKind.VETO, "jamais", name="C")
    with pytest.raises(PactTransitionError) as refusal:
        pact_validate(pact=territory_b.pact)
    assert str(refusal.value).startswith(
        f"Le pacte ne peut pas être validé : 3 vetos n'ont pas encore été tranchés (« {first.title} », « {second.title} »)."
    )
    assert Pact.objects.get(territory=territory_b).status == PactStatus.DRAFT


def test_it_refuses_a_pact_whose_workshops_asked_for_adjustments_not_decided_yet(territory_b):
    react(open_workshop(territory_b, "Atelier"), commitments_of(territory_b)[0], ReactionKind.ADJUST, "Préciser")
    with pytest.raises(PactTransitionError, match="1 veto ou ajustement sans décision"):
        pact_validate(pact=territory_b.pact)


def test_it_validates_once_the_veto_was_resolved_by_an_accepted_change(territory_b):
    commitment, veto = _veto_on_b(territory_b)
    resolution_record(
        commitment=commitment,
        reactions=[veto],
        outcome="accepted",
        wording={
            "title": commitment.title + " (avec les TPE)",
            "company_intro": commitment.company_intro,
            "company_actions": list(CompanyAction.objects.filter(commitment=commitment).values_list("text", flat=True)),
            "territory_intro": commitment.territory_intro,
            "territory_actions": list(
                TerritoryAction.objects.filter(commitment=commitment).values_list("text", flat=True)
            ),
        },
    )
    _ready_after_workshop(territory_b)
    assert pact_validate(pact=territory_b.pact).status == PactStatus.VALIDATED

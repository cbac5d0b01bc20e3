import datetime

import pytest
from django.urls import reverse

from pacte.core.models import JournalEntry
from pacte.publications.models import Pact, PactStatus
from pacte.publications.services import PactTransitionError, pact_publish


def _transition(territory, action):
    return reverse("publications:transition", args=[territory.slug, action])


def test_it_validates_then_publishes_a_template_pact_from_the_roadmap(client_for, bob, territory_b):
    client = client_for(bob)
    roadmap = reverse("roadmap:roadmap", args=[territory_b.slug])
    assert "Marquer les engagements comme validés" in client.get(roadmap).content.decode()

    response = client.post(_transition(territory_b, "valider"), follow=True)
    assert Pact.objects.get(territory=territory_b).status == PactStatus.VALIDATED
    assert "Publier le pacte" in response.content.decode()

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

"""The territory team's workshop pages: list, creation, one workshop (data, status, links, invitations)."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment, CommitmentsVersion
from pacte.stakeholders.models import Category, Contact, Stakeholder
from pacte.workshops.models import (
    GovernanceQuestion,
    Participant,
    ReactionKind,
    Workshop,
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

STARTS_AT = timezone.make_aware(datetime.datetime(2025, 3, 12, 14, 0))


def _workshop(territory, *, kind=WorkshopKind.COMMITMENTS, title="Atelier des engagements", **kwargs):
    return workshop_create(
        territory=territory, kind=kind, title=title, starts_at=STARTS_AT, place="Salle Pierre Loti", **kwargs
    )


def _contact(territory, entity, first_name, last_name):
    stakeholder, _created = Stakeholder.objects.get_or_create(
        territory=territory, name=entity, defaults={"category": Category.COMPANIES}
    )
    return Contact.objects.create(
        territory=territory, stakeholder=stakeholder, first_name=first_name, last_name=last_name
    )


@pytest.fixture
def workshop_a(territory_a):
    return _workshop(territory_a)


@pytest.fixture
def contacts_a(territory_a):
    return [
        _contact(territory_a, "Chantiers de l'Estuaire", "Camille", "Durand"),
        _contact(territory_a, "Chantiers de l'Estuaire", "Hugo", "Bernard"),
        _contact(territory_a, "Aérostructures Océan", "Inès", "Petit"),
    ]


@pytest.fixture
def contact_b(territory_b):
    return _contact(territory_b, "Aciéries du Nord", "Jean", "Leroy")


def _text(response) -> str:
    """The page as the user reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def _create_data(**overrides):
    data = {
        "kind": WorkshopKind.COMMITMENTS,
        "title": "",
        "starts_at": "2025-03-12T14:00",
        "place": "Salle Pierre Loti, Rochefort",
        "duration_minutes": "180",
    }
    data.update(overrides)
    return data


# --- the list ---------------------------------------------------------------------------------------------------


def test_it_lists_the_territorys_workshops_with_their_counts(client_for, alice, territory_a, workshop_a):
    workshop_set_status(workshop=workshop_a, status=WorkshopStatus.OPEN)
    commitment = Commitment.objects.for_territory(territory_a).first()
    for name in ("Lina", "Marc"):
        participant = participant_join(workshop=workshop_a, name=name)
        reaction_record(participant=participant, commitment=commitment, kind=ReactionKind.AGREE)
    idea_record(workshop=workshop_a, participant=participant, commitment=commitment, text="Une idée")

    response = client_for(alice).get(reverse("workshops:list", args=[territory_a.slug]))

    assert response.status_code == 200
    assert "Atelier des engagements" in response.content.decode()
    row = response.content.decode().split(f'data-workshop="{workshop_a.pk}"')[1].split("</tr>")[0]
    assert "Ouvert aux réactions" in row
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[-3:]] == ["2", "2", "1"]
    assert "Nouvel atelier" in response.content.decode()


def test_it_explains_the_two_workshops_of_the_method(client_for, victor, territory_a):
    response = client_for(victor).get(reverse("workshops:list", args=[territory_a.slug]))

    content = _text(response)
    assert "30 minutes" in content and "15 minutes" in content
    assert "De manière générale : vous retrouvez-vous dans ces engagements ?" in content
    assert "Avez-vous des vetos ?" in content
    for question in GovernanceQuestion.labels:
        assert str(question) in content
    assert "1 idée par post-it" in content
    assert "Nouvel atelier" not in content  # a reader cannot create one


LIST_QUERIES = (
    1  # the session
    + 1  # the user
    + 1  # the territory by its slug, with the user's role in it (may they read it? change it: "Nouvel atelier"?)
    + 1  # the workshops, with their participants, reactions and post-its counted in subqueries
)


def test_it_lists_workshops_in_the_same_number_of_queries_at_1x_and_10x(
    client_for, alice, territory_a, django_assert_num_queries
):
    client = client_for(alice)
    url = reverse("workshops:list", args=[territory_a.slug])
    commitment = Commitment.objects.for_territory(territory_a).first()

    def add_workshop(index):
        workshop = _workshop(territory_a, title=f"Atelier {index}")
        workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)
        participant = participant_join(workshop=workshop, name=f"P{index}")
        reaction_record(participant=participant, commitment=commitment, kind=ReactionKind.VETO, comment="non")
        idea_record(workshop=workshop, participant=participant, commitment=commitment, text=f"idée {index}")

    add_workshop(0)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    for index in range(1, 10):
        add_workshop(index)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("data-workshop=") == Workshop.objects.for_territory(territory_a).count()


# --- creation ---------------------------------------------------------------------------------------------------


def test_it_creates_a_workshop_and_freezes_v1_of_the_commitments_once(client_for, alice, territory_a):
    CommitmentsVersion.objects.for_territory(territory_a).delete()
    demo = list(Workshop.objects.for_territory(territory_a).values_list("pk", flat=True))  # the demo's workshops
    client = client_for(alice)
    page = client.get(reverse("workshops:create", args=[territory_a.slug]))
    assert 'type="datetime-local"' in page.content.decode()
    assert 'value="180"' in page.content.decode()

    response = client.post(reverse("workshops:create", args=[territory_a.slug]), _create_data())

    workshop = Workshop.objects.for_territory(territory_a).exclude(pk__in=demo).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workshops:detail", args=[territory_a.slug, workshop.pk])
    assert workshop.kind == WorkshopKind.COMMITMENTS
    assert workshop.title == str(WorkshopKind.COMMITMENTS.label)  # left empty: the kind's label
    assert timezone.localtime(workshop.starts_at).replace(tzinfo=None) == datetime.datetime(2025, 3, 12, 14, 0)
    assert workshop.place == "Salle Pierre Loti, Rochefort"
    assert workshop.duration_minutes == 180
    assert workshop.status == WorkshopStatus.DRAFT
    assert CommitmentsVersion.objects.for_territory(territory_a).count() == 1

    client.post(
        reverse("workshops:create", args=[territory_a.slug]),
        _create_data(kind=WorkshopKind.GOVERNANCE, title="Gouvernance du pacte", duration_minutes="90"),
    )

    new = Workshop.objects.for_territory(territory_a).exclude(pk__in=demo)
    assert new.count() == 2
    assert CommitmentsVersion.objects.for_territory(territory_a).count() == 1  # not 2
    assert new.get(kind=WorkshopKind.GOVERNANCE).duration_minutes == 90


def test_it_titles_a_workshop_after_its_kind_when_the_prefilled_title_is_kept(client_for, alice, territory_a):
    demo = list(Workshop.objects.for_territory(territory_a).values_list("pk", flat=True))
    client = client_for(alice)
    page = client.get(reverse("workshops:create", args=[territory_a.slug]) + "?atelier=governance")
    assert f'value="{WorkshopKind.GOVERNANCE.label}"' in _text(page)

    client.post(
        reverse("workshops:create", args=[territory_a.slug]),
        _create_data(kind=WorkshopKind.GOVERNANCE, title=str(WorkshopKind.COMMITMENTS.label)),
    )

    new = Workshop.objects.for_territory(territory_a).exclude(pk__in=demo).get()
    assert new.title == str(WorkshopKind.GOVERNANCE.label)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"duration_minutes": "20"}, "duration_minutes", "au moins 30 minutes"),
        ({"duration_minutes": "601"}, "duration_minutes", "au plus 600 minutes"),
        ({"starts_at": "demain"}, "starts_at", "date et une heure valides"),
        ({"starts_at": ""}, "starts_at", "Ce champ est obligatoire"),
    ],
)
def test_it_refuses_a_bad_workshop_with_a_french_error(client_for, alice, territory_a, overrides, field, message):
    before = Workshop.objects.count()
    response = client_for(alice).post(reverse("workshops:create", args=[territory_a.slug]), _create_data(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in _text(response)
    assert Workshop.objects.count() == before


# --- one workshop -----------------------------------------------------------------------------------------------


def test_it_shows_a_workshop_with_its_open_link_and_tools(client_for, alice, territory_a, workshop_a):
    response = client_for(alice).get(reverse("workshops:detail", args=[territory_a.slug, workshop_a.pk]))

    content = _text(response)
    assert response.status_code == 200
    assert "http://testserver" + reverse("workshops:join", args=[workshop_a.token]) in content
    assert "Salle Pierre Loti" in content
    for name in ("board", "paper", "handout", "link_sheet", "results_xlsx", "synthesis"):
        assert reverse(f"workshops:{name}", args=[territory_a.slug, workshop_a.pk]) in content
    assert reverse("workshops:resolutions", args=[territory_a.slug]) in content
    assert "Ouvrir l'atelier aux réactions" in content


def test_it_edits_the_workshops_data(client_for, alice, territory_a, workshop_a):
    url = reverse("workshops:detail", args=[territory_a.slug, workshop_a.pk])
    client = client_for(alice)
    assert 'name="title"' in client.get(url + "?modifier=1").content.decode()

    response = client.post(
        url,
        {"title": "Atelier du 13 mars", "starts_at": "2025-03-13T09:30", "place": "Royan", "duration_minutes": "150"},
    )

    assert response.status_code == 302
    workshop_a.refresh_from_db()
    assert (workshop_a.title, workshop_a.place, workshop_a.duration_minutes) == ("Atelier du 13 mars", "Royan", 150)
    assert timezone.localtime(workshop_a.starts_at).replace(tzinfo=None) == datetime.datetime(2025, 3, 13, 9, 30)
    assert workshop_a.kind == WorkshopKind.COMMITMENTS


def test_it_keeps_the_workshop_unchanged_on_a_bad_edit(client_for, alice, territory_a, workshop_a):
    response = client_for(alice).post(
        reverse("workshops:detail", args=[territory_a.slug, workshop_a.pk]),
        {"title": "Nouveau titre", "starts_at": "2025-03-13T09:30", "place": "", "duration_minutes": "5"},
    )

    assert response.status_code == 200
    assert "au moins 30 minutes" in response.content.decode()
    workshop_a.refresh_from_db()
    assert workshop_a.title == "Atelier des engagements"
    assert "<h1>Atelier des engagements</h1>" in response.content.decode()


def test_it_opens_closes_and_reopens_a_workshop(client_for, alice, territory_a, workshop_a):
    client = client_for(alice)
    url = reverse("workshops:status", args=[territory_a.slug, workshop_a.pk])

    for status, expected in (("open", "L'atelier est ouvert"), ("closed", "est clos"), ("open", "est rouvert")):
        response = client.post(url, {"status": status}, follow=True)
        workshop_a.refresh_from_db()
        assert workshop_a.status == status
        assert expected in _text(response)

    client.post(url, {"status": "draft-or-whatever"})
    workshop_a.refresh_from_db()
    assert workshop_a.status == WorkshopStatus.OPEN


# --- invitations ------------------------------------------------------------------------------------------------


def test_it_offers_the_territorys_contacts_grouped_by_entity(client_for, alice, territory_a, workshop_a, contacts_a):
    content = _text(client_for(alice).get(reverse("workshops:detail", args=[territory_a.slug, workshop_a.pk])))

    # Checkboxes grouped by entity (a multi-select needing Ctrl/⌘ does not work on a phone)
    assert re.search(r'<legend class="[^"]*" id="invite-entity-\d+">Chantiers de l\'Estuaire</legend>', content)
    assert re.search(r'<legend class="[^"]*" id="invite-entity-\d+">Aérostructures Océan</legend>', content)
    assert "Camille Durand" in content and 'type="checkbox" name="contacts"' in content and "<select" not in content


def test_it_invites_contacts_once_with_personal_links(client_for, alice, territory_a, workshop_a, contacts_a):
    client = client_for(alice)
    url = reverse("workshops:invite", args=[territory_a.slug, workshop_a.pk])

    response = client.post(url, {"contacts": [c.pk for c in contacts_a[:2]]}, follow=True)
    client.post(url, {"contacts": [c.pk for c in contacts_a]})  # two again, one new

    participants = Participant.objects.filter(workshop=workshop_a)
    assert participants.count() == 3
    assert set(participants.values_list("contact_id", flat=True)) == {c.pk for c in contacts_a}
    assert "2 contacts invités" in _text(response)
    content = _text(client.get(reverse("workshops:detail", args=[territory_a.slug, workshop_a.pk])))
    for participant in participants:
        assert "http://testserver" + reverse("workshops:personal", args=[participant.token]) in content
    assert "Inès Petit — déjà invité" in content


def test_it_refuses_to_invite_a_contact_of_another_territory(
    client_for, alice, territory_a, workshop_a, contacts_a, contact_b
):
    response = client_for(alice).post(
        reverse("workshops:invite", args=[territory_a.slug, workshop_a.pk]),
        {"contacts": [contacts_a[0].pk, contact_b.pk]},
        follow=True,
    )

    assert "n'est pas dans le fichier de suivi de ce territoire" in _text(response)
    assert not Participant.objects.filter(workshop=workshop_a).exists()


# --- access -----------------------------------------------------------------------------------------------------


def _post_requests(territory, workshop, contact):
    return [
        (reverse("workshops:create", args=[territory.slug]), _create_data()),
        (
            reverse("workshops:detail", args=[territory.slug, workshop.pk]),
            {"title": "Changé", "starts_at": "2025-03-13T09:30", "place": "", "duration_minutes": "60"},
        ),
        (reverse("workshops:invite", args=[territory.slug, workshop.pk]), {"contacts": [contact.pk]}),
        (reverse("workshops:status", args=[territory.slug, workshop.pk]), {"status": "open"}),
    ]


def _state(territory):
    return list(
        Workshop.objects.for_territory(territory).values_list("title", "status", "duration_minutes", "place")
    ) + [Participant.objects.for_territory(territory).count(), CommitmentsVersion.objects.count()]


@pytest.mark.parametrize("index", range(4))
def test_it_lets_a_reader_see_but_not_change_a_workshop(client_for, victor, territory_a, workshop_a, contacts_a, index):
    client = client_for(victor)
    before = _state(territory_a)
    url, data = _post_requests(territory_a, workshop_a, contacts_a[0])[index]

    assert client.post(url, data).status_code == 403
    assert _state(territory_a) == before
    detail = client.get(reverse("workshops:detail", args=[territory_a.slug, workshop_a.pk]))
    assert detail.status_code == 200
    assert "<form" not in detail.content.decode().split('id="content"')[1].split("</main>")[0]


URL_NAMES = ["list", "create", "detail", "invite", "status", "handout", "link_sheet", "results_xlsx", "synthesis"]
WITH_PK = {"detail", "invite", "status", "handout", "link_sheet", "results_xlsx", "synthesis"}
POST_ONLY = {"invite", "status"}


def _url(name, territory, workshop):
    args = [territory.slug, workshop.pk] if name in WITH_PK else [territory.slug]
    return reverse(f"workshops:{name}", args=args)


def _request(client, name, url):
    if name in POST_ONLY:
        return client.post(url, {"status": "open", "contacts": []})
    return client.get(url)


@pytest.mark.parametrize("name", URL_NAMES)
def test_it_refuses_another_territorys_team(client_for, bob, territory_a, workshop_a, name):
    response = _request(client_for(bob), name, _url(name, territory_a, workshop_a))

    assert response.status_code == 403


@pytest.mark.parametrize("name", sorted(WITH_PK))
def test_it_does_not_find_a_workshop_of_another_territory_through_ones_own(
    client_for, bob, territory_a, territory_b, workshop_a, name
):
    before = _state(territory_a)
    response = _request(client_for(bob), name, _url(name, territory_b, workshop_a))

    assert response.status_code == 404
    assert _state(territory_a) == before


@pytest.mark.parametrize("name", URL_NAMES)
def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a, workshop_a, name):
    response = _request(client, name, _url(name, territory_a, workshop_a))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", URL_NAMES)
def test_it_serves_the_territorys_own_team(client_for, alice, territory_a, workshop_a, name):
    response = _request(client_for(alice), name, _url(name, territory_a, workshop_a))

    assert response.status_code in (200, 302)

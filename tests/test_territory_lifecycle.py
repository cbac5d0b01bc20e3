"""The territory's life cycle (ANCT): slug, region from the reference data, first team members invited, archive,
restore, delete of a never-published territory; journalled; refused to anyone but ANCT."""

import html
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from pacte.accounts.models import Invitation, Role, TerritoryMembership
from pacte.commitments.models import Commitment, Theme
from pacte.core.models import JournalEntry
from pacte.publications.models import Pact, PactStatus
from pacte.stakeholders.models import Stakeholder
from pacte.territories.models import Territory
from pacte.territories.services import (
    TerritoryCreationError,
    TerritoryLifeCycleError,
    territory_archive,
    territory_create,
    territory_delete,
    territory_rename,
    territory_slug,
)
from tests.conftest import LA_ROCHELLE_SIREN

CREATE_URL = "/espace/nouveau-territoire/"
LIST_URL = "/espace/territoires/"
FORM = {
    "name": "Aunis",
    "region": "Nouvelle-Aquitaine",
    "department": "17",
    "sirens": LA_ROCHELLE_SIREN,
    "team_emails": "Claire.Martin@agglo-larochelle.fr",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def action_url(name, territory):
    return reverse(f"replication:{name}", args=[territory.slug])


# --- Slug -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Vallée de l'Arve", "vallee-de-l-arve"),
        ("Vallée de l’Arve", "vallee-de-l-arve"),  # typographic apostrophe
        ("Pays d'Auge – Lisieux", "pays-d-auge-lisieux"),
        ("Cœur de Savoie", "coeur-de-savoie"),
        ("Rochefort-Royan-Marennes-Oléron", "rochefort-royan-marennes-oleron"),
        ("  Béthune   Bruay ", "bethune-bruay"),
    ],
)
def test_it_makes_the_slug_with_word_boundaries_at_apostrophes(name, slug):
    assert territory_slug(name) == slug


def test_it_gives_the_new_territory_its_slug_with_the_apostrophe_as_a_boundary(client_for, nadia):
    client_for(nadia).post(CREATE_URL, {**FORM, "name": "Vallée de l'Arve"})

    assert Territory.objects.get(name="Vallée de l'Arve").slug == "vallee-de-l-arve"


def test_it_gives_a_second_name_making_the_same_slug_a_numbered_one(db):
    first = territory_create(name="Vallée de l'Arve", sirens=[LA_ROCHELLE_SIREN])
    second = territory_create(name="Vallée de l Arve", sirens=[LA_ROCHELLE_SIREN])

    assert (first.slug, second.slug) == ("vallee-de-l-arve", "vallee-de-l-arve-2")


def test_it_refuses_the_same_name_twice_whatever_its_case(db):
    territory_create(name="Vallée de l'Arve", sirens=[LA_ROCHELLE_SIREN])

    with pytest.raises(TerritoryCreationError, match="Un territoire porte déjà ce nom"):
        territory_create(name="VALLÉE DE L'ARVE", sirens=[LA_ROCHELLE_SIREN])


def test_it_lets_the_slug_follow_the_name_while_nothing_is_published(territory_b):
    territory_rename(territory=territory_b, name="Flandre-Dunkerque")

    territory_b.refresh_from_db()
    assert (territory_b.name, territory_b.slug) == ("Flandre-Dunkerque", "flandre-dunkerque")


def test_it_never_changes_the_slug_of_a_published_territory(territory_a):
    slug = territory_a.slug

    territory_rename(territory=territory_a, name="Rochefort Océan et Royan")

    territory_a.refresh_from_db()
    assert (territory_a.name, territory_a.slug) == ("Rochefort Océan et Royan", slug)


# --- Region and département from the reference data --------------------------------------------------------------


def test_it_offers_the_regions_of_the_reference_data_in_a_select(client_for, nadia):
    page = text(client_for(nadia).get(CREATE_URL))

    assert '<select name="region"' in page
    assert '<option value="Nouvelle-Aquitaine">Nouvelle-Aquitaine</option>' in page
    assert '<option value="Auvergne-Rhône-Alpes">' in page
    assert '<option value="17">17 — Charente-Maritime</option>' in page
    assert 'name="team_emails"' in page


def test_it_stores_the_region_and_the_department_chosen(client_for, nadia):
    client_for(nadia).post(CREATE_URL, FORM)

    territory = Territory.objects.get(name="Aunis")
    assert (territory.region, territory.department) == ("Nouvelle-Aquitaine", "17")


def test_it_refuses_a_region_not_in_the_reference_data(client_for, nadia):
    response = client_for(nadia).post(CREATE_URL, {**FORM, "region": "Poitou-Charentes"})

    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    assert not Territory.objects.filter(name="Aunis").exists()


def test_it_refuses_a_department_of_another_region(client_for, nadia):
    response = client_for(nadia).post(CREATE_URL, {**FORM, "department": "74"})

    assert "Le département 74 n'est pas dans la région Nouvelle-Aquitaine." in text(response)
    assert not Territory.objects.filter(name="Aunis").exists()


def test_it_validates_the_region_of_the_command_and_lists_the_valid_ones(db):
    with pytest.raises(CommandError) as error:
        call_command("create_territory", "Aunis", "--epci", LA_ROCHELLE_SIREN, "--region", "Aquitaine")

    assert "Région inconnue : « Aquitaine »" in str(error.value)
    assert "Nouvelle-Aquitaine" in str(error.value) and "Hauts-de-France" in str(error.value)
    assert not Territory.objects.filter(name="Aunis").exists()


def test_it_accepts_the_region_of_the_command_written_loosely(db):
    call_command(
        "create_territory", "Aunis", "--epci", LA_ROCHELLE_SIREN, "--region", "nouvelle aquitaine", stdout=io.StringIO()
    )

    assert Territory.objects.get(name="Aunis").region == "Nouvelle-Aquitaine"


def test_it_takes_the_region_of_the_department_given_to_the_command(db):
    call_command("create_territory", "Aunis", "--epci", LA_ROCHELLE_SIREN, "--departement", "17", stdout=io.StringIO())

    territory = Territory.objects.get(name="Aunis")
    assert (territory.region, territory.department) == ("Nouvelle-Aquitaine", "17")


def test_it_maps_a_free_text_region_to_the_reference(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("pacte.territories.migrations.0003_region_reference_commune_articles")
    territory = territory_create(name="Aunis", sirens=[LA_ROCHELLE_SIREN])
    other = territory_create(name="Ailleurs", sirens=[LA_ROCHELLE_SIREN])
    Territory.objects.filter(pk=territory.pk).update(region="nouvelle aquitaine")
    Territory.objects.filter(pk=other.pk).update(region="Quelque part")

    migration.regions_to_reference(apps, None)

    assert Territory.objects.get(pk=territory.pk).region == "Nouvelle-Aquitaine"
    assert Territory.objects.get(pk=other.pk).region == "Quelque part"  # kept, to be chosen again


# --- First team members -------------------------------------------------------------------------------------------


def test_it_invites_each_first_team_member_from_the_creation_form(client_for, nadia):
    mail.outbox.clear()

    response = client_for(nadia).post(
        CREATE_URL,
        {**FORM, "team_emails": "claire@agglo-larochelle.fr, paul@agglo-larochelle.fr\nclaire@agglo-larochelle.fr"},
    )

    assert response.status_code == 302
    territory = Territory.objects.get(name="Aunis")
    invitations = Invitation.objects.filter(territory=territory)
    assert sorted(invitations.values_list("email", "role")) == [
        ("claire@agglo-larochelle.fr", Role.TEAM),
        ("paul@agglo-larochelle.fr", Role.TEAM),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["claire@agglo-larochelle.fr", "paul@agglo-larochelle.fr"]
    assert all("Aunis" in m.subject for m in mail.outbox)
    assert all("http://testserver/" in m.body for m in mail.outbox)


def test_it_lowercases_the_address_of_the_first_member(client_for, nadia):
    client_for(nadia).post(CREATE_URL, FORM)

    assert Invitation.objects.get(territory__name="Aunis").email == "claire.martin@agglo-larochelle.fr"


def test_it_refuses_an_invalid_address_and_creates_nothing(client_for, nadia):
    mail.outbox.clear()

    response = client_for(nadia).post(CREATE_URL, {**FORM, "team_emails": "claire@agglo-larochelle.fr, paul@"})

    assert "« paul@ » n'est pas une adresse électronique valide." in text(response)
    assert not Territory.objects.filter(name="Aunis").exists()
    assert mail.outbox == []


def test_it_asks_for_at_least_one_team_member(client_for, nadia):
    response = client_for(nadia).post(CREATE_URL, {**FORM, "team_emails": " , "})

    assert "Indiquez l'adresse d'au moins un membre de l'équipe." in text(response)
    assert not Territory.objects.filter(name="Aunis").exists()


# --- Archive and restore ----------------------------------------------------------------------------------------


def test_it_lists_every_territory_for_anct_with_its_actions(client_for, nadia, territory_a, territory_b):
    page = text(client_for(nadia).get(LIST_URL))

    assert territory_a.name in page and territory_b.name in page
    assert action_url("archive", territory_a) in page
    assert action_url("delete", territory_b) in page


def test_it_archives_a_territory_hidden_from_the_public(client, client_for, nadia, territory_a):
    pact_url = reverse("public:pact", args=[territory_a.slug])
    assert client.get(pact_url).status_code == 200

    response = client_for(nadia).post(action_url("archive", territory_a))

    assert response.status_code == 302
    assert Territory.objects.get(pk=territory_a.pk).archived_at is not None
    client.logout()
    assert client.get(pact_url).status_code == 404
    assert client.get(reverse("land:public_calls", args=[territory_a.slug])).status_code == 404
    assert territory_a.name not in text(client.get("/"))


def test_it_makes_an_archived_territory_read_only_for_its_team(client_for, alice, nadia, territory_a):
    territory_archive(territory=territory_a, actor=nadia)
    client = client_for(alice)
    url = reverse("stakeholders:contact_create", args=[territory_a.slug])
    count = Stakeholder.objects.for_territory(territory_a).count()

    assert client.get(reverse("stakeholders:tracking_file", args=[territory_a.slug])).status_code == 200  # readable
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Nouvel acteur"}).status_code == 403
    assert Stakeholder.objects.for_territory(territory_a).count() == count


def test_it_makes_an_archived_territory_read_only_for_anct_too(client_for, nadia, territory_b):
    territory_archive(territory=territory_b, actor=nadia)

    assert client_for(nadia).get(reverse("stakeholders:contact_create", args=[territory_b.slug])).status_code == 403


def test_it_restores_an_archived_territory(client, client_for, alice, nadia, territory_a):
    territory_archive(territory=territory_a, actor=nadia)

    client_for(nadia).post(action_url("restore", territory_a))

    assert Territory.objects.get(pk=territory_a.pk).archived_at is None
    assert client_for(alice).get(reverse("stakeholders:contact_create", args=[territory_a.slug])).status_code == 200
    client.logout()
    assert client.get(reverse("public:pact", args=[territory_a.slug])).status_code == 200


def test_it_journals_archive_and_restore(client_for, nadia, territory_a):
    client = client_for(nadia)
    client.post(action_url("archive", territory_a))
    client.post(action_url("restore", territory_a))

    entries = JournalEntry.objects.filter(territory=territory_a, verb__in=["territory_archived", "territory_restored"])
    assert sorted(entries.values_list("verb", "actor__username")) == [
        ("territory_archived", "nadia"),
        ("territory_restored", "nadia"),
    ]


def test_it_refuses_to_archive_twice(nadia, territory_b):
    territory_archive(territory=territory_b, actor=nadia)

    with pytest.raises(TerritoryLifeCycleError, match="déjà archivé"):
        territory_archive(territory=territory_b, actor=nadia)


# --- Delete -----------------------------------------------------------------------------------------------------


def test_it_deletes_a_never_published_territory_once_its_name_is_typed(client_for, nadia, bob, territory_b):
    pk = territory_b.pk
    assert Commitment.objects.for_territory(territory_b).exists()

    response = client_for(nadia).post(action_url("delete", territory_b), {"confirmation": "dunkerque "})

    assert response.status_code == 302
    assert not Territory.objects.filter(pk=pk).exists()
    assert not Theme.objects.filter(territory_id=pk).exists()
    assert not Commitment.objects.filter(territory_id=pk).exists()
    assert not Pact.objects.filter(territory_id=pk).exists()
    assert not TerritoryMembership.objects.filter(territory_id=pk).exists()


def test_it_leaves_no_row_of_the_deleted_territory_in_any_table(nadia, territory_b):
    from django.apps import apps

    pk = territory_b.pk
    territory_delete(territory=territory_b, confirmation="Dunkerque", actor=nadia)

    left = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Territory and model is not JournalEntry:
                if model.objects.filter(**{field.attname: pk}).exists():
                    left.append(f"{model.__name__}.{field.name}")
    assert left == []


def test_it_journals_the_deletion_with_the_territorys_name(nadia, territory_b):
    territory_delete(territory=territory_b, confirmation="Dunkerque", actor=nadia)

    entry = JournalEntry.objects.get(verb="territory_deleted")
    assert entry.territory is None
    assert entry.actor == nadia
    assert "« Dunkerque »" in entry.message
    # The territory's earlier entries survive, detached.
    assert JournalEntry.objects.filter(territory=None, verb="territory_created", message__contains="Dunkerque").exists()


def test_it_refuses_the_deletion_without_the_exact_name(client_for, nadia, territory_b):
    response = client_for(nadia).post(action_url("delete", territory_b), {"confirmation": "Dunkerq"})

    assert response.status_code == 200
    assert "Recopiez exactement le nom du territoire" in text(response)
    assert Territory.objects.filter(pk=territory_b.pk).exists()


def test_it_refuses_to_delete_a_published_territory(client_for, nadia, territory_a):
    client = client_for(nadia)
    assert "ne peut pas être supprimé, seulement archivé" in text(client.get(action_url("delete", territory_a)))

    response = client.post(action_url("delete", territory_a), {"confirmation": territory_a.name})

    assert response.status_code == 409
    assert Territory.objects.filter(pk=territory_a.pk).exists()
    with pytest.raises(TerritoryLifeCycleError):
        territory_delete(territory=territory_a, confirmation=territory_a.name, actor=nadia)


def test_it_refuses_to_delete_a_territory_that_published_then_went_back_to_draft(nadia, territory_b):
    Pact.objects.filter(territory=territory_b).update(status=PactStatus.DRAFT, version=1)

    with pytest.raises(TerritoryLifeCycleError):
        territory_delete(territory=territory_b, confirmation="Dunkerque", actor=nadia)


def test_it_no_longer_offers_the_admins_delete_which_skipped_the_rules(client_for, nadia, territory_b):
    url = reverse("admin:territories_territory_delete", args=[territory_b.pk])

    assert client_for(nadia).get(url).status_code == 403


# --- Tenant isolation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "victor"])
def test_it_refuses_the_life_cycle_pages_to_team_members(request, client_for, persona, territory_a, territory_b):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(LIST_URL).status_code == 403
    for territory in (territory_a, territory_b):
        assert client.post(action_url("archive", territory)).status_code == 403
        assert client.post(action_url("restore", territory)).status_code == 403
        assert client.get(action_url("delete", territory)).status_code == 403
        assert client.post(action_url("delete", territory), {"confirmation": territory.name}).status_code == 403
    assert Territory.objects.filter(pk__in=[territory_a.pk, territory_b.pk], archived_at=None).count() == 2


def test_it_sends_an_anonymous_visitor_to_sign_in(client, territory_b):
    for url in (LIST_URL, action_url("archive", territory_b), action_url("delete", territory_b)):
        response = client.post(url, {"confirmation": "Dunkerque"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert Territory.objects.get(pk=territory_b.pk).archived_at is None


def test_it_refuses_archiving_by_get(client_for, nadia, territory_b):
    assert client_for(nadia).get(action_url("archive", territory_b)).status_code == 405
    assert Territory.objects.get(pk=territory_b.pk).archived_at is None

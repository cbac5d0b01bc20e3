"""The RGAA footer pages, and personal-data requests done by the team: find one person, export, erase.

Personas: alice (team A) answers a request; bob (team B) never finds nor erases A's people; victor (read-only A)
cannot use the page at all.
"""

import datetime
import io
import json
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment
from pacte.companies.models import Company, Representative
from pacte.core.models import JournalEntry
from pacte.interviews.models import Interview, InterviewStatus
from pacte.land.models import Application, CallStatus, CommitteeInvitation, CommitteeMember, LandCall
from pacte.privacy.services import ANONYMISED_EMAIL, person_erase, person_find
from pacte.public.views_pages import ACCESSIBILITY_STATUS
from pacte.stakeholders.models import Contact, Stakeholder
from pacte.workshops.models import Idea, Participant, Reaction, Workshop, WorkshopKind

EMAIL = "Jeanne.Martin@exemple.fr"
NOTHING_FOUND = re.compile(r"\b0 éléments? trouvés?")


# --- the footer pages ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_serves_the_footer_pages_in_french_to_anyone(client):
    pages = {
        "public:accessibility": ["Déclaration d'accessibilité", "non conforme", "axe-core", "Défenseur des droits"],
        "public:legal_notice": ["Mentions légales", "AGPL-3.0-or-later", "À compléter par l'exploitant"],
        "public:personal_data": ["Fichier de suivi", "participants aux ateliers", "représentants des entreprises"],
        "public:sitemap": ["Plan du site", "Mentions légales", "Déclaration d'accessibilité"],
    }
    for name, texts in pages.items():
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        content = response.content.decode()
        for text in texts:
            assert text.lower() in content.lower(), (name, text)


@pytest.mark.django_db
def test_the_statement_is_honest_about_what_was_checked(client):
    content = client.get(reverse("public:accessibility")).content.decode()
    assert "aucun audit complet" in content
    assert "390 pixels" in content
    assert "Aucune vérification manuelle complète" in content
    assert "Libre réponse 71120" in content


@pytest.mark.django_db
def test_the_footer_links_carry_the_same_status_as_the_statement():
    footer = render_to_string("_footer_links.html")
    assert f"Accessibilité : {ACCESSIBILITY_STATUS}" in footer
    assert "fr-footer__bottom-list" in footer
    for name in ("public:accessibility", "public:legal_notice", "public:personal_data", "public:sitemap"):
        assert f'href="{reverse(name)}"' in footer


@pytest.mark.django_db
def test_the_site_map_lists_the_published_pacts(client, territory_a):
    content = client.get(reverse("public:sitemap")).content.decode()
    assert reverse("public:pact", args=[territory_a.slug]) in content
    assert reverse("indicators:public", args=[territory_a.slug]) in content


# --- one person's data in territory A -------------------------------------------------------------------------------


@pytest.fixture
def jeanne(territory_a):
    """Jeanne Martin, met at every step of territory A's pact."""
    stakeholder = Stakeholder.objects.create(territory=territory_a, name="Atelier Martin", category="entreprises")
    contact = Contact.objects.create(
        territory=territory_a,
        stakeholder=stakeholder,
        first_name="Jeanne",
        last_name="Martin",
        email=EMAIL.lower(),
        phone="06 12 34 56 78",
        notes='=HYPERLINK("http://exemple.invalid")',
    )
    interview = Interview.objects.create(
        territory=territory_a, stakeholder=stakeholder, held_on=datetime.date(2025, 3, 4), status=InterviewStatus.DONE
    )
    interview.interviewees.add(contact)
    workshop = Workshop.objects.create(
        territory=territory_a, kind=WorkshopKind.COMMITMENTS, title="Atelier de test", starts_at=timezone.now()
    )
    participant = Participant.objects.create(territory=territory_a, workshop=workshop, contact=contact, name="Jeanne")
    commitment = Commitment.objects.for_territory(territory_a).first()
    Reaction.objects.create(participant=participant, commitment=commitment, kind="veto", comment="Trop flou")
    Idea.objects.create(territory=territory_a, workshop=workshop, participant=participant, text="Une navette")
    company = Company.objects.create(territory=territory_a, name="Martin SAS", email=EMAIL.lower())
    user = get_user_model().objects.create_user(
        username=EMAIL.lower(), email=EMAIL.lower(), first_name="Jeanne", last_name="Martin"
    )
    representative = Representative.objects.create(user=user, company=company)
    call = LandCall.objects.for_territory(territory_a).first() or LandCall.objects.create(
        territory=territory_a,
        title="Appel",
        opens_on=datetime.date(2025, 1, 1),
        closes_on=datetime.date(2025, 2, 1),
        status=CallStatus.CLOSED,
    )
    application = Application.objects.create(
        territory=territory_a,
        call=call,
        company_name="Martin SAS",
        siren="123456789",
        contact_email=EMAIL.lower(),
        project="Un atelier",
        surface_ha=1,
    )
    member = CommitteeMember.objects.create(territory=territory_a, call=call, name="Jeanne Martin", role="Élue")
    CommitteeInvitation.objects.create(
        territory=territory_a,
        member=member,
        email=EMAIL.lower(),
        token_digest="0" * 64,
        sent_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return {
        "contact": contact,
        "interview": interview,
        "participant": participant,
        "company": company,
        "user": user,
        "representative": representative,
        "application": application,
        "member": member,
    }


def _page(slug):
    return reverse("privacy:person_data", args=[slug])


@pytest.mark.django_db
def test_it_finds_everything_held_under_an_email(territory_a, jeanne):
    records = person_find(territory=territory_a, query=EMAIL.upper())
    assert sorted(r.key for r in records) == sorted(
        [
            f"contact:{jeanne['contact'].pk}",
            f"participant:{jeanne['participant'].pk}",
            f"representative:{jeanne['representative'].pk}",
            f"company:{jeanne['company'].pk}",
            f"application:{jeanne['application'].pk}",
            f"committee_member:{jeanne['member'].pk}",
        ]
    )


@pytest.mark.django_db
def test_it_finds_a_person_by_name_words_in_any_order(territory_a, jeanne):
    keys = {r.key for r in person_find(territory=territory_a, query="martin jeanne")}
    assert f"contact:{jeanne['contact'].pk}" in keys
    assert f"representative:{jeanne['representative'].pk}" in keys
    assert f"committee_member:{jeanne['member'].pk}" in keys
    assert not person_find(territory=territory_a, query="Personne Inconnue")


@pytest.mark.django_db
def test_the_team_sees_what_is_held_and_what_erasing_does(client_for, alice, territory_a, jeanne):
    response = client_for(alice).get(_page(territory_a.slug), {"q": EMAIL})
    assert response.status_code == 200
    content = response.content.decode()
    assert "6 éléments trouvés" in content
    assert "06 12 34 56 78" in content
    assert "Entretien du 04/03/2025 (Réalisé)" in content
    assert "Trop flou" in content and "Une navette" in content
    assert "Je confirme l&#x27;effacement" in content or "Je confirme l'effacement" in content


@pytest.mark.django_db
def test_it_exports_json_and_a_formula_safe_spreadsheet(client_for, alice, territory_a, jeanne):
    client = client_for(alice)
    url = reverse("privacy:person_export", args=[territory_a.slug, "json"])
    response = client.get(url, {"q": EMAIL})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    contact = next(item for item in document["donnees"] if item["type"] == "Contact du fichier de suivi")
    assert contact["champs"]["Téléphone"] == "06 12 34 56 78"
    assert len(document["donnees"]) == 6

    url = reverse("privacy:person_export", args=[territory_a.slug, "xlsx"])
    response = client.get(url, {"q": EMAIL})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {row[2]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0].startswith("Contact")}
    assert cells["Commentaire"] == '=HYPERLINK("http://exemple.invalid")'
    formula_cell = next(c for c in sheet["D"] if c.value == cells["Commentaire"])
    assert formula_cell.data_type == "s"  # stored as text, never as a formula
    assert JournalEntry.objects.filter(territory=territory_a, verb="personal_data_exported").count() == 2


@pytest.mark.django_db
def test_it_erases_with_confirmation_and_keeps_the_aggregates(client_for, alice, territory_a, jeanne):
    client = client_for(alice)
    keys = [r.key for r in person_find(territory=territory_a, query=EMAIL)]
    url = reverse("privacy:person_erase", args=[territory_a.slug])

    refused = client.post(url, {"q": EMAIL, "keys": keys})  # no confirmation
    assert refused.status_code == 400
    assert "Cochez la confirmation" in refused.content.decode()
    jeanne["contact"].refresh_from_db()
    assert jeanne["contact"].email == EMAIL.lower()

    response = client.post(url, {"q": EMAIL, "keys": keys, "confirm": "on"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "6 éléments effacés" in page
    assert NOTHING_FOUND.search(page)  # "0 élément trouvé" once the catalogue holds the message

    contact = Contact.objects.get(pk=jeanne["contact"].pk)
    assert (contact.first_name, contact.email, contact.phone, contact.notes) == ("", "", "", "")
    assert contact.last_name == "Personne anonymisée"
    assert list(jeanne["interview"].interviewees.all()) == [contact]  # the campaign still counts the interview
    participant = Participant.objects.get(pk=jeanne["participant"].pk)
    assert (participant.name, participant.contact_id) == ("", None)
    assert participant.reactions.get().comment == "Trop flou"  # the workshop's results stay
    assert not Representative.objects.filter(pk=jeanne["representative"].pk).exists()
    user = get_user_model().objects.get(pk=jeanne["user"].pk)
    assert (user.is_active, user.email, user.first_name, user.has_usable_password()) == (False, "", "", False)
    assert Company.objects.get(pk=jeanne["company"].pk).email == ""
    assert Application.objects.get(pk=jeanne["application"].pk).contact_email == ANONYMISED_EMAIL
    member = CommitteeMember.objects.get(pk=jeanne["member"].pk)
    assert member.name == "Membre anonymisé"
    assert not CommitteeInvitation.objects.filter(member=member).exists()

    entry = JournalEntry.objects.get(territory=territory_a, verb="personal_data_erased")
    assert entry.actor == alice
    assert "Martin" not in entry.message and "exemple.fr" not in entry.message
    assert "Contact du fichier de suivi : 1" in entry.message


@pytest.mark.django_db
def test_an_account_still_used_elsewhere_is_kept(territory_a, jeanne, alice):
    from pacte.accounts.models import Role, TerritoryMembership

    TerritoryMembership.objects.create(user=jeanne["user"], territory=territory_a, role=Role.VIEWER)
    person_erase(territory=territory_a, keys=[f"representative:{jeanne['representative'].pk}"], actor=alice)
    user = get_user_model().objects.get(pk=jeanne["user"].pk)
    assert user.is_active and user.email == EMAIL.lower()


# --- tenant isolation and roles ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bob_never_finds_nor_erases_the_people_of_a(client_for, bob, territory_a, territory_b, jeanne):
    client = client_for(bob)
    assert client.get(_page(territory_a.slug), {"q": EMAIL}).status_code == 403
    assert (
        client.get(reverse("privacy:person_export", args=[territory_a.slug, "json"]), {"q": EMAIL}).status_code == 403
    )
    keys = [r.key for r in person_find(territory=territory_a, query=EMAIL)]
    erase_on_a = reverse("privacy:person_erase", args=[territory_a.slug])
    assert client.post(erase_on_a, {"q": EMAIL, "keys": keys, "confirm": "on"}).status_code == 403

    # On his own territory: nothing found under A's person, and A's keys posted there are ignored.
    assert NOTHING_FOUND.search(client.get(_page(territory_b.slug), {"q": EMAIL}).content.decode())
    erase_on_b = reverse("privacy:person_erase", args=[territory_b.slug])
    client.post(erase_on_b, {"q": EMAIL, "keys": keys, "confirm": "on"})
    assert person_erase(territory=territory_b, keys=keys, actor=bob) == {}
    jeanne["contact"].refresh_from_db()
    assert jeanne["contact"].email == EMAIL.lower()
    assert Representative.objects.filter(pk=jeanne["representative"].pk).exists()
    assert Application.objects.get(pk=jeanne["application"].pk).contact_email == EMAIL.lower()
    assert not JournalEntry.objects.filter(verb="personal_data_erased").exists()


@pytest.mark.django_db
def test_victor_read_only_can_neither_search_nor_erase(client_for, victor, territory_a, jeanne):
    client = client_for(victor)
    assert client.get(_page(territory_a.slug), {"q": EMAIL}).status_code == 403
    keys = [f"contact:{jeanne['contact'].pk}"]
    url = reverse("privacy:person_erase", args=[territory_a.slug])
    assert client.post(url, {"q": EMAIL, "keys": keys, "confirm": "on"}).status_code == 403
    jeanne["contact"].refresh_from_db()
    assert jeanne["contact"].email == EMAIL.lower()


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client, territory_a):
    response = client.get(_page(territory_a.slug), {"q": EMAIL})
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


@pytest.mark.django_db
def test_a_too_short_query_searches_nothing(client_for, alice, territory_a, jeanne):
    content = client_for(alice).get(_page(territory_a.slug), {"q": "a"}).content.decode()
    assert "élément trouvé" not in content

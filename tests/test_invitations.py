"""Invitations to a territory: created, re-sent, cancelled and accepted through the services, and end to end
through the email's link with the test client (account creation, an existing account, single use, expiry)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pacte.accounts.models import Invitation, Role, TerritoryMembership, token_digest
from pacte.accounts.services import (
    INVITATION_DAYS,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_resend,
    invitations_accept_for_user,
)
from pacte.core.models import JournalEntry, JournalVerb

BASE = "http://testserver"
PASSWORD = "une-phrase-de-passe-solide"


def link_in(message) -> str:
    match = re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def invite(territory, inviter, email="Nouvelle.Personne@Example.org", role=Role.TEAM):
    return invitation_create(territory=territory, email=email, role=role, invited_by=inviter, base_url=BASE)


def test_it_sends_a_french_email_saying_who_invites_to_which_territory_with_which_role(alice, territory_a):
    alice.first_name, alice.last_name = "Alice", "Martin"
    alice.save()
    invitation = invite(territory_a, alice, role=Role.VIEWER)
    assert invitation.email == "nouvelle.personne@example.org"  # lowercased
    assert invitation.expires_at - invitation.sent_at == timedelta(days=INVITATION_DAYS)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle.personne@example.org"]
    assert territory_a.name in message.subject
    assert "Alice Martin vous invite à rejoindre l'équipe" in message.body
    assert territory_a.name in message.body
    assert "« Lecture seule »" in message.body
    token = link_in(message).split("/")[2]
    assert invitation.token_digest == token_digest(token)  # only the digest is stored
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert JournalEntry.objects.filter(territory=territory_a, verb=JournalVerb.MEMBER_INVITED, actor=alice).exists()


def test_it_sends_again_an_open_invitation_instead_of_duplicating_it(alice, territory_a):
    first = invite(territory_a, alice)
    old_digest = first.token_digest
    again = invite(territory_a, alice, email="NOUVELLE.personne@example.org", role=Role.VIEWER)
    assert again.pk == first.pk
    assert Invitation.objects.filter(territory=territory_a, email="nouvelle.personne@example.org").count() == 1
    again.refresh_from_db()
    assert again.send_count == 2 and again.role == Role.VIEWER and again.token_digest != old_digest
    assert len(mail.outbox) == 2
    assert JournalEntry.objects.filter(verb=JournalVerb.INVITATION_RESENT, territory=territory_a).exists()


def test_it_refuses_to_invite_an_address_already_member(alice, victor, territory_a):
    victor.email = "victor@example.org"
    victor.save()
    with pytest.raises(ValidationError, match="déjà membre"):
        invite(territory_a, alice, email="Victor@Example.org")
    assert not Invitation.objects.filter(email="victor@example.org").exists()
    assert mail.outbox == []


def test_it_refuses_an_unknown_role_and_a_bad_address(alice, territory_a):
    with pytest.raises(ValidationError):
        invite(territory_a, alice, role="owner")
    with pytest.raises(ValidationError, match="adresse électronique valide"):
        invite(territory_a, alice, email="pas-une-adresse")


def test_a_resent_invitation_gets_a_new_link_and_the_old_one_stops_working(client, alice, territory_a):
    invitation = invite(territory_a, alice)
    old_link = link_in(mail.outbox[0])
    invitation_resend(invitation=invitation, actor=alice, base_url=BASE)
    new_link = link_in(mail.outbox[1])
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200
    invitation.refresh_from_db()
    assert invitation.send_count == 2


def test_a_cancelled_invitation_cannot_be_accepted(client, alice, territory_a):
    invitation = invite(territory_a, alice)
    link = link_in(mail.outbox[0])
    invitation_cancel(invitation=invitation, actor=alice)
    assert JournalEntry.objects.filter(verb=JournalVerb.INVITATION_CANCELLED, actor=alice).exists()
    response = client.get(link)
    assert response.status_code == 410
    assert "Cette invitation a été annulée" in response.content.decode()
    with pytest.raises(ValidationError, match="annulée"):
        invitation_accept(invitation=invitation, user=alice)
    with pytest.raises(ValidationError):
        invitation_resend(invitation=invitation, actor=alice, base_url=BASE)


def test_the_link_creates_the_account_and_gives_the_access_end_to_end(client, alice, territory_a):
    invite(territory_a, alice)
    link = link_in(mail.outbox[0])
    page = client.get(link).content.decode()
    assert territory_a.name in page and "Équipe du territoire" in page and "alice" in page
    response = client.post(
        link, {"first_name": "Nina", "last_name": "Durand", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("roadmap:roadmap", args=[territory_a.slug])
    user = get_user_model().objects.get(username="nouvelle.personne@example.org")
    assert (user.first_name, user.last_name, user.email) == ("Nina", "Durand", "nouvelle.personne@example.org")
    assert not user.is_staff
    assert TerritoryMembership.objects.get(user=user, territory=territory_a).role == Role.TEAM
    invitation = Invitation.objects.get(email=user.email)
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert JournalEntry.objects.filter(verb=JournalVerb.INVITATION_ACCEPTED, actor=user).exists()
    # Signed in at once: the new member works on the territory without anyone touching the admin.
    assert client.get(reverse("stakeholders:tracking_file", args=[territory_a.slug])).status_code == 200
    # Single use: the same link is refused afterwards, even to someone else.
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "déjà été acceptée" in again.content.decode()
    assert client.post(link, {"first_name": "X", "last_name": "Y", "password1": PASSWORD, "password2": PASSWORD})
    assert get_user_model().objects.filter(first_name="X").count() == 0


def test_an_existing_account_signs_in_and_accepts(client, alice, bob, territory_a):
    invite(territory_a, alice, email="bob@example.org", role=Role.VIEWER)
    link = link_in(mail.outbox[0])
    page = client.get(link).content.decode()
    assert "J&#x27;ai déjà un compte" in page or "J'ai déjà un compte" in page
    login_url = reverse("accounts:login") + "?next=" + link.replace("/", "%2F")
    assert login_url in page
    response = client.post(
        reverse("accounts:login"), {"username": "bob", "password": "mot-de-passe-de-test", "next": link}
    )
    assert response.status_code == 302 and response.url == link
    assert "Accepter l'invitation" in client.get(link).content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert TerritoryMembership.objects.get(user=bob, territory=territory_a).role == Role.VIEWER
    assert client.get(reverse("stakeholders:tracking_file", args=[territory_a.slug])).status_code == 200


def test_an_account_of_the_invited_address_is_asked_to_sign_in_not_to_create_another(client, alice, territory_a):
    get_user_model().objects.create_user(username="nouvelle.personne@example.org", password=PASSWORD)
    invite(territory_a, alice)
    page = client.get(link_in(mail.outbox[0])).content.decode()
    assert "Un compte existe déjà pour cette adresse" in page
    assert 'name="password1"' not in page


def test_an_expired_link_says_whom_to_ask(client, alice, territory_a):
    alice.first_name, alice.last_name = "Alice", "Martin"
    alice.save()
    invitation = invite(territory_a, alice)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "Ce lien a expiré" in page
    assert "Demandez une nouvelle invitation à Alice Martin" in page
    invitation.refresh_from_db()
    with pytest.raises(ValidationError, match="expiré"):
        invitation_accept(invitation=invitation, user=alice)
    # The team sends it again: a new week.
    invitation_resend(invitation=invitation, actor=alice, base_url=BASE)
    assert client.get(link_in(mail.outbox[1])).status_code == 200


def test_an_unknown_link_says_whom_to_ask(client, db):
    response = client.get(reverse("accounts:invitation", args=["nimporte-quoi"]))
    assert response.status_code == 404
    assert "équipe du territoire" in response.content.decode() and "ANCT" in response.content.decode()


def test_accepting_raises_a_viewer_to_the_team_but_never_lowers_a_team_member(alice, victor, territory_a, nadia):
    victor.email = "victor@example.org"
    victor.save()
    invitation = Invitation.objects.create(
        territory=territory_a,
        email="victor@example.org",
        role=Role.TEAM,
        token_digest=token_digest("t1"),
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert invitation_accept(invitation=invitation, user=victor).role == Role.TEAM
    invitation = Invitation.objects.create(
        territory=territory_a,
        email="alice@example.org",
        role=Role.VIEWER,
        token_digest=token_digest("t2"),
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert invitation_accept(invitation=invitation, user=alice).role == Role.TEAM


def test_it_accepts_every_pending_invitation_of_a_verified_email(alice, bob, territory_a, territory_b):
    invite(territory_a, alice, email="agent@collectivite.fr", role=Role.VIEWER)
    invite(territory_b, bob, email="Agent@Collectivite.fr")
    cancelled = invite(territory_b, bob, email="other@collectivite.fr")
    invitation_cancel(invitation=cancelled, actor=bob)
    agent = get_user_model().objects.create_user(username="agent", email="AGENT@collectivite.fr")
    memberships = invitations_accept_for_user(user=agent)
    assert {(m.territory_id, m.role) for m in memberships} == {
        (territory_a.pk, Role.VIEWER),
        (territory_b.pk, Role.TEAM),
    }
    assert invitations_accept_for_user(user=agent) == []  # nothing left
    nobody = get_user_model().objects.create_user(username="sans-adresse")
    assert invitations_accept_for_user(user=nobody) == []

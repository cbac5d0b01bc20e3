"""The "Équipe" page of a territory: members with their role and who invited them, pending invitations, the
invite form, role changes and removals (never the last team member); tenant isolation and read-only members on
every URL."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from pacte.accounts.models import Invitation, Role, TerritoryMembership
from pacte.accounts.services import invitation_accept, invitation_create, member_remove, member_role_change
from pacte.core.models import JournalEntry, JournalVerb


def team_url(territory):
    return reverse("accounts:team", args=[territory.slug])


@pytest.fixture
def pending(alice, territory_a):
    return invitation_create(
        territory=territory_a, email="invitee@example.org", role=Role.VIEWER, invited_by=alice, base_url="http://x"
    )


def test_it_lists_members_roles_who_invited_whom_and_pending_invitations(client_for, alice, victor, territory_a):
    alice.first_name, alice.last_name = "Alice", "Martin"
    alice.save()
    accepted = invitation_create(
        territory=territory_a, email="nina@example.org", role=Role.TEAM, invited_by=alice, base_url="http://x"
    )
    nina = get_user_model().objects.create_user(username="nina", first_name="Nina", last_name="Durand")
    invitation_accept(invitation=accepted, user=nina)
    invitation_create(
        territory=territory_a, email="invitee@example.org", role=Role.VIEWER, invited_by=alice, base_url="http://x"
    )
    response = client_for(alice).get(team_url(territory_a))
    assert response.status_code == 200
    page = response.content.decode()
    members = page[page.index('data-testid="members"') : page.index('data-testid="invitations"')]
    assert "Alice Martin" in members and "victor" in members and "Nina Durand" in members
    assert "Lecture seule" in members and "Équipe du territoire" in members
    assert "invitation de Alice Martin" in members
    invitations = page[page.index('data-testid="invitations"') :]
    assert "invitee@example.org" in invitations and "nina@example.org" not in invitations
    assert "Envoyer l&#x27;invitation" in page or "Envoyer l'invitation" in page
    assert 'href="' + team_url(territory_a) + '"' in page  # the workspace menu's entry


def test_the_team_invites_by_email_from_the_page(client_for, alice, territory_a):
    client = client_for(alice)
    response = client.post(team_url(territory_a), {"invite-email": "New@Example.org", "invite-role": Role.TEAM})
    assert response.status_code == 302
    invitation = Invitation.objects.get(territory=territory_a, email="new@example.org")
    assert invitation.invited_by == alice and invitation.role == Role.TEAM
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
    assert re.search(r"http://testserver/invitation/\S+/", mail.outbox[0].body)
    page = client.get(team_url(territory_a)).content.decode()
    assert "Invitation envoyée à new@example.org" in page


def test_an_invitation_to_a_member_is_refused_in_french(client_for, alice, victor, territory_a):
    victor.email = "victor@example.org"
    victor.save()
    response = client_for(alice).post(
        team_url(territory_a), {"invite-email": "victor@example.org", "invite-role": "team"}
    )
    assert response.status_code == 400
    assert "victor@example.org est déjà membre" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_team_resends_and_cancels_an_invitation(client_for, alice, territory_a, pending):
    client = client_for(alice)
    url = reverse("accounts:invitation_resend", args=[territory_a.slug, pending.pk])
    assert client.post(url).status_code == 302
    pending.refresh_from_db()
    assert pending.send_count == 2 and len(mail.outbox) == 2
    url = reverse("accounts:invitation_cancel", args=[territory_a.slug, pending.pk])
    assert client.post(url).status_code == 302
    pending.refresh_from_db()
    assert pending.cancelled_at is not None
    page = client.get(team_url(territory_a)).content.decode()
    assert "Invitation de invitee@example.org annulée" in page
    assert f'data-invitation="{pending.pk}"' not in page and "Aucune invitation en attente" in page


def test_the_team_changes_a_role_and_removes_a_member_after_confirming(client_for, alice, victor, territory_a):
    client = client_for(alice)
    membership = TerritoryMembership.objects.get(user=victor, territory=territory_a)
    url = reverse("accounts:member_role", args=[territory_a.slug, membership.pk])
    assert client.post(url, {"role": Role.TEAM}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.TEAM
    assert JournalEntry.objects.filter(verb=JournalVerb.MEMBER_ROLE_CHANGED, actor=alice).exists()
    url = reverse("accounts:member_remove", args=[territory_a.slug, membership.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Retirer victor ?" in confirm.content.decode()
    assert TerritoryMembership.objects.filter(pk=membership.pk).exists()  # the GET changes nothing
    assert client.post(url).status_code == 302
    assert not TerritoryMembership.objects.filter(pk=membership.pk).exists()
    assert JournalEntry.objects.filter(verb=JournalVerb.MEMBER_REMOVED, actor=alice).exists()


def test_never_the_last_team_member(client_for, alice, victor, territory_a):
    membership = TerritoryMembership.objects.get(user=alice, territory=territory_a)
    with pytest.raises(ValidationError, match="dernier membre de l'équipe"):
        member_remove(membership=membership, actor=alice)
    with pytest.raises(ValidationError, match="dernier membre de l'équipe"):
        member_role_change(membership=membership, role=Role.VIEWER, actor=alice)
    client = client_for(alice)
    response = client.post(reverse("accounts:member_remove", args=[territory_a.slug, membership.pk]), follow=True)
    assert "dernier membre de l&#x27;équipe" in response.content.decode()
    response = client.post(
        reverse("accounts:member_role", args=[territory_a.slug, membership.pk]), {"role": Role.VIEWER}, follow=True
    )
    assert "dernier membre de l&#x27;équipe" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.TEAM
    # A viewer can always be removed; with a second team member, the first may leave.
    member_remove(membership=TerritoryMembership.objects.get(user=victor), actor=alice)
    other = get_user_model().objects.create_user(username="second")
    TerritoryMembership.objects.create(user=other, territory=territory_a, role=Role.TEAM)
    member_role_change(membership=membership, role=Role.VIEWER, actor=alice)
    with pytest.raises(ValidationError):
        member_remove(membership=TerritoryMembership.objects.get(user=other), actor=alice)


def test_anct_manages_any_team(client_for, nadia, alice, territory_a):
    client = client_for(nadia)
    assert client.get(team_url(territory_a)).status_code == 200
    response = client.post(team_url(territory_a), {"invite-email": "anct-invite@example.org", "invite-role": "team"})
    assert response.status_code == 302
    assert Invitation.objects.get(email="anct-invite@example.org").invited_by == nadia


def test_a_viewer_reads_the_team_but_changes_nothing(client_for, alice, victor, territory_a, pending):
    client = client_for(victor)
    page = client.get(team_url(territory_a)).content.decode()
    assert "alice" in page and "invitee@example.org" in page
    assert "lecture seule" in page and 'name="invite-email"' not in page and "Renvoyer" not in page
    alice_membership = TerritoryMembership.objects.get(user=alice)
    own = TerritoryMembership.objects.get(user=victor)
    assert (
        client.post(team_url(territory_a), {"invite-email": "x@example.org", "invite-role": "team"}).status_code == 403
    )
    assert client.post(reverse("accounts:invitation_resend", args=[territory_a.slug, pending.pk])).status_code == 403
    assert client.post(reverse("accounts:invitation_cancel", args=[territory_a.slug, pending.pk])).status_code == 403
    url = reverse("accounts:member_role", args=[territory_a.slug, own.pk])
    assert client.post(url, {"role": Role.TEAM}).status_code == 403
    assert (
        client.get(reverse("accounts:member_remove", args=[territory_a.slug, alice_membership.pk])).status_code == 403
    )
    assert (
        client.post(reverse("accounts:member_remove", args=[territory_a.slug, alice_membership.pk])).status_code == 403
    )
    own.refresh_from_db()
    pending.refresh_from_db()
    assert own.role == Role.VIEWER and pending.send_count == 1 and pending.cancelled_at is None
    assert TerritoryMembership.objects.filter(pk=alice_membership.pk).exists()
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_bob_of_territory_b_cannot_read_or_change_territory_a_team(
    client_for, alice, bob, victor, territory_a, territory_b, pending
):
    client = client_for(bob)
    victor_membership = TerritoryMembership.objects.get(user=victor)
    assert client.get(team_url(territory_a)).status_code == 403
    assert (
        client.post(team_url(territory_a), {"invite-email": "x@example.org", "invite-role": "team"}).status_code == 403
    )
    for name, pk in (
        ("accounts:invitation_resend", pending.pk),
        ("accounts:invitation_cancel", pending.pk),
        ("accounts:member_remove", victor_membership.pk),
    ):
        assert client.post(reverse(name, args=[territory_a.slug, pk])).status_code == 403
        # Through his own territory's URLs, A's rows are not found.
        assert client.post(reverse(name, args=[territory_b.slug, pk])).status_code == 404
    url = reverse("accounts:member_role", args=[territory_b.slug, victor_membership.pk])
    assert client.post(url, {"role": Role.TEAM}).status_code == 404
    pending.refresh_from_db()
    victor_membership.refresh_from_db()
    assert pending.send_count == 1 and pending.cancelled_at is None and victor_membership.role == Role.VIEWER
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, territory_a, alice):
    response = client.get(team_url(territory_a))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_a_member_of_several_territories_switches_between_them(client_for, alice, territory_a, territory_b):
    TerritoryMembership.objects.create(user=alice, territory=territory_b, role=Role.VIEWER)
    client = client_for(alice)  # the session learns her territories at sign-in
    page = client.get(team_url(territory_a)).content.decode()
    switcher = page[page.index('data-testid="territory-switcher"') :]
    assert reverse("roadmap:roadmap", args=[territory_b.slug]) in switcher[: switcher.index("</nav>")]
    single = client_for(get_user_model().objects.get(username="alice"))
    TerritoryMembership.objects.filter(user=alice, territory=territory_b).delete()
    single.logout()
    page = client_for(alice).get(team_url(territory_a)).content.decode()
    assert 'data-testid="territory-switcher"' not in page


def test_the_demo_lists_a_read_only_member_and_a_pending_invitation(client_for, alice, territory_a):
    from pacte.accounts.demo import DEMO_INVITED_EMAIL, DEMO_VIEWER, demo_people_load

    lines = demo_people_load(territory_a)
    assert any(DEMO_VIEWER[1] in line for line in lines) and len(DEMO_VIEWER[1]) >= 12
    demo_people_load(territory_a)  # idempotent
    assert Invitation.objects.filter(territory=territory_a, email=DEMO_INVITED_EMAIL).count() == 1
    assert TerritoryMembership.objects.get(user__username=DEMO_VIEWER[0]).role == Role.VIEWER
    page = client_for(alice).get(team_url(territory_a)).content.decode()
    assert "Élise Lecture (élue communautaire)" in page and DEMO_INVITED_EMAIL in page

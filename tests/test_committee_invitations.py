"""Committee members of a land call are invited by email: a single-use link to their own scoring sheet. The team
never learns whether an address has an account, and the member reads nothing else of the territory."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pacte.core.models import JournalEntry, JournalVerb
from pacte.land.models import CommitteeInvitation, CommitteeMember, LandEvent
from pacte.land.services_committee import committee_invitation_accept, member_invitation_resend, member_invite

from .test_land_committee import make_call

PASSWORD = "une-phrase-de-passe-solide"


def link_in(message) -> str:
    match = re.search(r"http://testserver(/comite-foncier/invitation/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def call(territory_a):
    return make_call(territory_a)[0]


def committee_url(call):
    return reverse("land:committee", args=[call.territory.slug, call.pk])


def add(client, call, email, name="Ambassadeur local"):
    return client.post(
        committee_url(call),
        {"action": "add_member", "member-name": name, "member-role": "ambassadeur", "member-email": email},
        follow=True,
    )


def test_the_answer_never_says_whether_the_address_has_an_account(client_for, alice, call):
    get_user_model().objects.create_user(username="known", email="known@example.org", password=PASSWORD)
    client = client_for(alice)
    known = add(client, call, "Known@Example.org", name="Membre A").content.decode()
    unknown = add(client, call, "unknown@example.org", name="Membre B").content.decode()
    assert "une invitation a été envoyée à known@example.org" in known
    assert "une invitation a été envoyée à unknown@example.org" in unknown
    for page in (known, unknown):
        assert "Aucun compte" not in page and "compte : known" not in page
    # Both members wait for their invitation, neither is linked to an account.
    assert list(CommitteeMember.objects.filter(call=call).values_list("user", flat=True)) == [None, None]
    assert [m.to for m in mail.outbox] == [["known@example.org"], ["unknown@example.org"]]
    assert call.title in mail.outbox[0].subject and "Membre A" in mail.outbox[0].body
    assert JournalEntry.objects.filter(verb=JournalVerb.COMMITTEE_MEMBER_INVITED, actor=alice).count() == 2
    assert CommitteeInvitation.objects.filter(member__call=call, email="known@example.org").exists()


def test_the_link_creates_an_account_that_opens_only_the_own_scoring_sheet(client_for, client, alice, call):
    add(client_for(alice), call, "ambassadeur@example.org")
    other = CommitteeMember.objects.create(territory=call.territory, call=call, name="ADI")
    member = CommitteeMember.objects.get(call=call, name="Ambassadeur local")
    client.logout()
    link = link_in(mail.outbox[0])
    page = client.get(link).content.decode()
    assert "Ambassadeur local" in page and call.title in page
    response = client.post(
        link, {"first_name": "Paul", "last_name": "Ambassadeur", "password1": PASSWORD, "password2": PASSWORD}
    )
    own = reverse("land:scoring", args=[call.territory.slug, call.pk, member.pk])
    assert response.status_code == 302 and response.url == own
    member.refresh_from_db()
    assert member.user.username == "ambassadeur@example.org"
    assert client.get(own).status_code == 200
    assert client.get(reverse("land:scoring", args=[call.territory.slug, call.pk, other.pk])).status_code == 403
    assert client.get(committee_url(call)).status_code == 403
    assert client.get(reverse("stakeholders:tracking_file", args=[call.territory.slug])).status_code == 403
    assert client.get(reverse("accounts:team", args=[call.territory.slug])).status_code == 403
    assert LandEvent.objects.filter(call=call, data__kind="member_invitation_accepted").exists()
    # Single use.
    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and "déjà servi" in again.content.decode()


def test_an_existing_account_signs_in_then_accepts(client, alice, bob, call):
    member = member_invite(
        call=call, name="Dirigeant", email="bob@example.org", actor=alice, base_url="http://testserver"
    )
    link = link_in(mail.outbox[0])
    client.force_login(bob)
    assert "Accepter et ouvrir ma grille" in client.get(link).content.decode()
    assert client.post(link).status_code == 302
    member.refresh_from_db()
    assert member.user == bob


def test_an_expired_or_resent_link_is_refused(client, alice, call):
    member = member_invite(call=call, name="M", email="m@example.org", actor=alice, base_url="http://testserver")
    first = link_in(mail.outbox[0])
    member_invitation_resend(member=member, actor=alice, base_url="http://testserver")
    second = link_in(mail.outbox[1])
    assert client.get(first).status_code == 404
    CommitteeInvitation.objects.filter(member=member).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(second)
    assert response.status_code == 410 and "expiré" in response.content.decode()
    with pytest.raises(ValidationError):
        committee_invitation_accept(invitation=CommitteeInvitation.objects.get(member=member), user=alice)


def test_one_account_cannot_hold_two_seats_of_the_same_committee(alice, bob, call):
    first = member_invite(call=call, name="A", email="a@example.org", actor=alice, base_url="http://x")
    second = member_invite(call=call, name="B", email="b@example.org", actor=alice, base_url="http://x")
    committee_invitation_accept(invitation=first.invitation, user=bob)
    with pytest.raises(ValidationError, match="déjà rattaché"):
        committee_invitation_accept(invitation=second.invitation, user=bob)


def test_only_the_team_invites_committee_members(client_for, victor, bob, call):
    for person in (victor, bob):
        response = client_for(person).post(
            committee_url(call), {"action": "add_member", "member-name": "X", "member-email": "x@example.org"}
        )
        assert response.status_code == 403
    assert not CommitteeMember.objects.filter(name="X").exists() and mail.outbox == []


def test_resend_is_for_the_team_of_the_territory(client_for, alice, victor, bob, call):
    member = member_invite(call=call, name="M", email="m@example.org", actor=alice, base_url="http://x")
    data = {"action": "resend_invitation", "member": member.pk}
    assert client_for(victor).post(committee_url(call), data).status_code == 403
    assert client_for(bob).post(committee_url(call), data).status_code == 403
    assert CommitteeInvitation.objects.get(member=member).send_count == 1
    assert client_for(alice).post(committee_url(call), data).status_code == 302
    assert CommitteeInvitation.objects.get(member=member).send_count == 2

"""Account security: passwords of 12 characters at least (and not common), sessions that end after inactivity,
"se déconnecter partout", the account page, and the French page for a person without any access."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pacte.accounts.middleware import SESSION_TOUCHED_KEY, TOUCH_EVERY_SECONDS
from pacte.accounts.models import AccountSecurity, Role
from pacte.accounts.services import invitation_create, sign_out_everywhere


def test_it_refuses_a_password_shorter_than_12_characters_in_french():
    with pytest.raises(ValidationError) as error:
        validate_password("Court-9x!ab")  # 11 characters
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in error.value.messages


def test_it_refuses_common_and_numeric_passwords_in_french():
    with pytest.raises(ValidationError) as error:
        validate_password("qwerty123456")
    assert "Ce mot de passe est trop courant." in error.value.messages
    with pytest.raises(ValidationError) as error:
        validate_password("918273645546")
    assert "Ce mot de passe est entièrement numérique." in error.value.messages
    validate_password("mot-de-passe-de-test")  # the personas' password (20 characters) is accepted


def test_the_invitation_form_refuses_a_short_password_in_french(client, alice, territory_a):
    invitation_create(territory=territory_a, email="nina@example.org", role=Role.TEAM, invited_by=alice, base_url="")
    link = mail.outbox[0].body.split("/invitation/")[1].split("/")[0]
    url = reverse("accounts:invitation", args=[link])
    response = client.post(
        url, {"first_name": "Nina", "last_name": "D", "password1": "court-123", "password2": "court-123"}
    )
    assert response.status_code == 400
    assert "Il doit contenir au minimum 12 caractères" in response.content.decode()
    response = client.post(
        url, {"first_name": "Nina", "last_name": "D", "password1": "nina@example.org", "password2": "nina@example.org"}
    )
    assert response.status_code == 400
    assert "trop semblable" in response.content.decode()
    response = client.post(
        url, {"first_name": "Nina", "last_name": "D", "password1": "un-long-mot-passe", "password2": "un-autre-long"}
    )
    assert "Les deux mots de passe ne sont pas identiques" in response.content.decode()
    assert not get_user_model().objects.filter(username="nina@example.org").exists()


def test_sessions_end_after_8_hours_without_activity():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert "pacte.accounts.middleware.SessionSecurityMiddleware" in settings.MIDDLEWARE


def test_the_expiry_rolls_forward_with_activity(client_for, alice, territory_a):
    client = client_for(alice)
    url = reverse("accounts:team", args=[territory_a.slug])
    session = client.session
    session[SESSION_TOUCHED_KEY] = int(time.time()) - TOUCH_EVERY_SECONDS - 1
    session.save()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get(url).status_code == 200
    expiry = Session.objects.get(session_key=session.session_key).expire_date
    assert expiry > timezone.now() + timedelta(hours=7, minutes=59)  # saved again: 8 h from the last activity
    # Within 5 minutes of the last touch, a request does not write the session again.
    touched = client.session[SESSION_TOUCHED_KEY]
    assert touched >= int(time.time()) - 5
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() + timedelta(hours=1))
    assert client.get(url).status_code == 200
    assert client.session[SESSION_TOUCHED_KEY] == touched
    assert Session.objects.get(session_key=session.session_key).expire_date < timezone.now() + timedelta(hours=2)


def test_sign_out_everywhere_ends_another_session(alice, territory_a):
    url = reverse("accounts:team", args=[territory_a.slug])
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        response = device.post(reverse("accounts:login"), {"username": "alice", "password": "mot-de-passe-de-test"})
        assert response.status_code == 302
        assert device.get(url).status_code == 200
    response = laptop.post(reverse("accounts:sign_out_everywhere"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert AccountSecurity.objects.get(user=alice).session_generation == 1
    # The other device's session is over: its next request is anonymous and sent to sign in.
    response = phone.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert laptop.get(url).status_code == 302
    # Signing in again works, in the new generation.
    phone.post(reverse("accounts:login"), {"username": "alice", "password": "mot-de-passe-de-test"})
    assert phone.get(url).status_code == 200


def test_a_forced_sign_in_belongs_to_the_current_generation(client_for, alice, territory_a):
    sign_out_everywhere(user=alice)
    client = client_for(alice)
    assert client.get(reverse("accounts:team", args=[territory_a.slug])).status_code == 200
    sign_out_everywhere(user=alice)
    assert client.get(reverse("accounts:team", args=[territory_a.slug])).status_code == 302


def test_the_account_page_shows_name_email_territories_and_the_button(client_for, alice, territory_a):
    alice.first_name, alice.last_name, alice.email = "Alice", "Martin", "alice@example.org"
    alice.save()
    page = client_for(alice).get(reverse("accounts:account")).content.decode()
    assert "Alice Martin" in page and "alice@example.org" in page
    assert territory_a.name in page and "Équipe du territoire" in page
    assert "Se déconnecter partout" in page


def test_a_person_without_access_is_told_whom_to_ask_never_an_admin_page(client, db):
    get_user_model().objects.create_user(username="sam", password="mot-de-passe-de-test")
    response = client.post(
        reverse("accounts:login"), {"username": "sam", "password": "mot-de-passe-de-test"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("accounts:home")
    page = response.content.decode()
    assert "Vous n'avez encore accès à aucun territoire" in page
    assert "équipe du territoire" in page and "ANCT" in page
    assert reverse("admin:index") not in page


def test_a_wrong_password_is_checked_once_and_still_throttled(client, alice):
    for _ in range(5):
        response = client.post(reverse("accounts:login"), {"username": "alice", "password": "mauvais-mot-de-passe"})
        assert response.status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "mot-de-passe-de-test"})
    assert "Trop de tentatives" in response.content.decode()

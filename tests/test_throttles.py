"""Anonymous and costly writes are throttled per client address and per target (French 429 page saying when to
retry); oversized requests are refused before their body is read; impossible SIREN refused; password sign-in locked
after a few failures, on the team's sign-in page and on the admin's."""

import html
import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pacte.core.identifiers import siren_is_valid, siret_is_valid
from pacte.core.throttle import Throttled, throttle
from pacte.land.models import Application
from pacte.land.views.applications import APPLY_PER_ADDRESS_PER_HOUR

from .test_land_applications import apply_url, form_data, open_call, pdf


def page_text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


# ------------------------------------------------------------------------------------------------------ the counter


def test_it_counts_attempts_in_a_window_and_says_how_long_to_wait():
    for _ in range(3):
        throttle(scope="t", key="k", limit=3, period=60, now=1000.0)
    with pytest.raises(Throttled) as refused:
        throttle(scope="t", key="k", limit=3, period=60, now=1010.0)
    assert refused.value.retry_after == 10  # the window [960, 1020) ends in 10 s
    throttle(scope="t", key="other", limit=3, period=60, now=1010.0)  # another key counts on its own
    throttle(scope="t", key="k", limit=3, period=60, now=1020.0)  # a new window


# ---------------------------------------------------------------------------------------------- land applications


def test_it_throttles_land_applications_from_one_address(territory_a, alice):
    call = open_call(territory_a, alice)
    phone = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(APPLY_PER_ADDRESS_PER_HOUR):
        assert phone.post(apply_url(call), {"company_name": ""}).status_code == 200  # refused form, counted
    before = Application.objects.count()

    response = phone.post(apply_url(call), form_data(attachment_1=pdf()))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = page_text(response)
    assert "Trop de demandes" in text and "Vous pourrez réessayer dans" in text
    assert Application.objects.count() == before  # a valid application past the limit is not stored
    other = Client(REMOTE_ADDR="198.51.100.9").post(apply_url(call), form_data(attachment_1=pdf()))
    assert other.status_code == 200 and Application.objects.count() == before + 1


def test_it_refuses_an_oversized_request_before_reading_its_body(territory_a, alice, client, settings):
    call = open_call(territory_a, alice)
    before = Application.objects.count()
    # The body holds 1 byte but claims 60 MB: reading it would fail (the test payload refuses reads past its end).
    response = client.post(
        apply_url(call), data=b"x", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(60 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "Envoi trop volumineux" in page_text(response) and "52 Mo" in page_text(response)
    assert Application.objects.count() == before


def test_it_refuses_an_all_zero_siren_although_its_key_is_right(territory_a, alice, client):
    assert not siren_is_valid("000000000") and not siren_is_valid("000 000 000")
    assert siren_is_valid("732 829 320")
    assert not siret_is_valid("73282932000000") and siret_is_valid("73282932000074")
    call = open_call(territory_a, alice)
    response = client.post(apply_url(call), form_data(siren="000000000", attachment_1=pdf()))
    assert response.status_code == 200
    assert "Ce SIREN n'est pas valide" in page_text(response)
    assert not Application.objects.filter(siren="000000000").exists()


def test_it_refuses_an_all_zero_siren_for_a_new_territory(client_for, nadia):
    response = client_for(nadia).post("/espace/nouveau-territoire/", {"name": "Zéro", "sirens": "000000000"})
    assert response.status_code == 200
    assert "« 000000000 » n'est pas un numéro SIREN valide" in page_text(response)


# ------------------------------------------------------------------------------------------- company sign-in links


def test_it_sends_at_most_three_sign_in_links_to_one_address(db):
    url = reverse("members:new_link")
    mail.outbox.clear()
    get_user_model().objects.create_user(username="rep", email="rep@example.com")
    for n in range(3):
        assert Client(REMOTE_ADDR=f"203.0.113.{n}").post(url, {"email": "Rep@example.com"}).status_code == 200

    response = Client(REMOTE_ADDR="203.0.113.99").post(url, {"email": "rep@example.com "})

    assert response.status_code == 429 and "Trop de demandes" in page_text(response)
    assert len(mail.outbox) <= 3


def test_it_throttles_sign_in_link_requests_from_one_client(db):
    url = reverse("members:new_link")
    phone = Client(REMOTE_ADDR="203.0.113.50")
    statuses = [phone.post(url, {"email": f"x{n}@example.com"}).status_code for n in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


# ------------------------------------------------------------------------------------------- password sign-in


@pytest.fixture
def agent(db):
    return get_user_model().objects.create_user(username="agent", password="un-mot-de-passe-solide", is_staff=True)


@pytest.mark.parametrize("url", ["/connexion/", "/espace/gestion/login/"])
def test_it_locks_password_sign_in_after_five_failures_even_with_the_right_password(agent, url):
    browser = Client(REMOTE_ADDR="203.0.113.20")
    for _ in range(5):
        response = browser.post(url, {"username": "agent", "password": "faux"})
        assert response.status_code == 200 and "_auth_user_id" not in browser.session

    response = browser.post(url, {"username": "agent", "password": "un-mot-de-passe-solide"})

    assert "_auth_user_id" not in browser.session
    assert "Trop de tentatives de connexion ont échoué" in page_text(response)
    assert "Réessayez dans" in page_text(response)
    # Another address is locked out of this account too (the lock is per account)…
    other = Client(REMOTE_ADDR="198.51.100.1")
    other.post(url, {"username": "AGENT", "password": "un-mot-de-passe-solide"})
    assert "_auth_user_id" not in other.session
    # …until an administrator unlocks it.
    call_command("unlock_sign_in", "agent", stdout=io.StringIO())
    other.post(url, {"username": "agent", "password": "un-mot-de-passe-solide"})
    assert other.session.get("_auth_user_id") == str(agent.pk)


def test_it_still_signs_in_after_a_few_typos(agent):
    browser = Client()
    for _ in range(4):
        browser.post("/connexion/", {"username": "agent", "password": "faux"})
    response = browser.post("/connexion/", {"username": "agent", "password": "un-mot-de-passe-solide"})
    assert response.status_code == 302 and browser.session.get("_auth_user_id") == str(agent.pk)

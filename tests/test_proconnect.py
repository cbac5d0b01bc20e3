"""ProConnect sign-in, driven for real through a local OpenID Connect provider (tests/oidc_provider.py) on
127.0.0.1: the Django test client plays the browser on our side, `requests` plays it at the provider."""

from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from joserfc.jwk import RSAKey

from pacte.accounts import oidc, services
from pacte.accounts.models import AccessRequest, AccessRequestStatus, Invitation, Role, TerritoryMembership
from pacte.core.models import JournalEntry, JournalVerb
from tests import oidc_provider
from tests.conftest import ROCHEFORT_SIRENS

User = get_user_model()

AGENT = {
    "sub": "agent-camille",
    "email": "Camille.Durand@agglo-rochefortocean.fr",
    "given_name": "Camille",
    "usual_name": "Durand",
    "siret": ROCHEFORT_SIRENS[0] + "00017",
    "uid": "camille-1",
}


@pytest.fixture
def provider(settings):
    with oidc_provider.running_provider(client_id="pacte-test", client_secret="secret-de-test") as running:
        settings.PROCONNECT_CLIENT_ID = "pacte-test"
        settings.PROCONNECT_CLIENT_SECRET = "secret-de-test"
        settings.PROCONNECT_DISCOVERY_URL = running.discovery_url
        yield running


def text(response) -> str:
    return unescape(response.content.decode())


def start(client, provider, agent, *, next_url=None):
    """The agent clicks the button: our redirect to the provider, and the provider's answer (the agent signed in
    there) with the code. Returns the callback path + query the browser would open."""
    provider.agent = dict(agent)
    url = reverse("proconnect:login") + (f"?next={next_url}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(provider.url + "/api/v2/authorize?")
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    callback = urlsplit(at_provider.headers["Location"])
    assert callback.netloc == "testserver" and callback.path == reverse("proconnect:callback")
    return f"{callback.path}?{callback.query}"


def sign_in(client, provider, agent, **kwargs):
    return client.get(start(client, provider, agent, **kwargs))


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def invite(territory, email, inviter, role=Role.TEAM):
    return services.invitation_create(
        territory=territory, email=email, role=role, invited_by=inviter, base_url="http://testserver"
    )


# --- configuration ---------------------------------------------------------------------------------------------


def test_unconfigured_hides_button_and_answers_404(client, settings, db):
    settings.PROCONNECT_CLIENT_ID = settings.PROCONNECT_CLIENT_SECRET = settings.PROCONNECT_DISCOVERY_URL = ""
    page = text(client.get(reverse("accounts:login")))
    assert "ProConnect" not in page
    for name in ("proconnect:login", "proconnect:callback", "proconnect:access"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("proconnect:access_request_create", args=["x"])).status_code == 404


def test_button_shown_without_calling_the_provider(client, provider):
    page = text(client.get(reverse("accounts:login")))
    assert "S’identifier avec" in page and "ProConnect" in page
    assert f'href="{reverse("proconnect:login")}' in page
    assert "Qu’est-ce que ProConnect ?" in page
    assert "accounts/proconnect.css" in page
    assert provider.discovery_hits == 0  # no network to render the button
    assert finders.find("accounts/proconnect.css") and finders.find("accounts/proconnect-logo.svg")  # served locally


# --- the flow --------------------------------------------------------------------------------------------------


def test_invited_agent_signs_in_and_joins(client, provider, territory_a, alice):
    invitation = invite(territory_a, AGENT["email"], alice)
    response = sign_in(client, provider, AGENT)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    user = User.objects.get(email="camille.durand@agglo-rochefortocean.fr")
    assert (user.first_name, user.last_name) == ("Camille", "Durand")
    assert not user.has_usable_password()
    assert signed_in_user_id(client) == str(user.pk)
    assert TerritoryMembership.objects.get(user=user, territory=territory_a).role == Role.TEAM
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    home = client.get(reverse("accounts:home"))
    assert territory_a.name in text(home)

    # state, nonce and PKCE S256 were sent; the token request proved the verifier; scopes are ProConnect's
    sent = provider.authorize_requests[-1]
    assert sent["code_challenge_method"] == "S256" and sent["code_challenge"] and sent["nonce"] and sent["state"]
    assert sent["scope"].split()[:5] == ["openid", "given_name", "usual_name", "email", "siret"]
    assert provider.token_requests[-1]["code_verifier"]
    assert provider.discovery_hits == 1  # read once, then from the cache


def test_existing_account_matched_by_email_keeps_its_access(client, provider, territory_a, alice):
    alice.email = "alice@agglo-rochefortocean.fr"
    alice.save()
    response = sign_in(client, provider, {**AGENT, "email": "ALICE@agglo-rochefortocean.fr"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")
    assert signed_in_user_id(client) == str(alice.pk)
    assert User.objects.filter(email__iexact="alice@agglo-rochefortocean.fr").count() == 1


def test_next_is_followed(client, provider, territory_a, alice):
    invite(territory_a, AGENT["email"], alice)
    target = reverse("roadmap:roadmap", args=[territory_a.slug])
    response = sign_in(client, provider, AGENT, next_url=target)
    assert response["Location"] == target


def test_wrong_state_is_refused(client, provider, territory_a, alice):
    invite(territory_a, AGENT["email"], alice)
    callback = start(client, provider, AGENT)
    path, query = callback.split("?")
    params = parse_qs(query)
    forged = f"{path}?code={params['code'][0]}&state=forged-state"
    response = client.get(forged)
    assert response.status_code == 400
    assert "n'a pas pu être vérifiée" in text(response)
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email__iexact=AGENT["email"]).exists()
    assert provider.token_requests == []  # the code never left our side


def test_reused_code_is_refused(client, provider, territory_a, alice):
    invite(territory_a, AGENT["email"], alice)
    first = start(client, provider, AGENT)
    assert client.get(first).status_code == 302
    client.logout()
    old_code = parse_qs(first.split("?")[1])["code"][0]
    # a new sign-in (new state in the session), answered with the code already used
    second = start(client, provider, AGENT)
    new_state = parse_qs(second.split("?")[1])["state"][0]
    response = client.get(f"{reverse('proconnect:callback')}?code={old_code}&state={new_state}")
    assert response.status_code == 400
    assert "n'a pas abouti" in text(response)
    assert signed_in_user_id(client) is None


def test_expired_code_is_refused(client, provider, territory_a, alice, monkeypatch):
    invite(territory_a, AGENT["email"], alice)
    monkeypatch.setattr(oidc_provider, "CODE_LIFETIME", -1)
    response = sign_in(client, provider, AGENT)
    assert response.status_code == 400
    assert "n'a pas abouti" in text(response)
    assert signed_in_user_id(client) is None
    assert not TerritoryMembership.objects.filter(user__email__iexact=AGENT["email"]).exists()


def test_id_token_signed_by_another_key_is_refused(client, provider, territory_a, alice):
    invite(territory_a, AGENT["email"], alice)
    oidc.jwks()  # the provider's JWKS is in our cache
    provider.key = RSAKey.generate_key(2048, parameters={"kid": provider.key.kid, "alg": "RS256", "use": "sig"})
    response = sign_in(client, provider, AGENT)
    assert response.status_code == 400
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email__iexact=AGENT["email"]).exists()


def test_unverified_email_is_refused(client, provider, territory_a, alice):
    invite(territory_a, AGENT["email"], alice)
    response = sign_in(client, provider, {**AGENT, "email_verified": False})
    assert response.status_code == 400
    assert "n'est pas vérifiée" in text(response)
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email__iexact=AGENT["email"]).exists()


def test_email_without_invitation_gets_a_french_page_and_no_account(client, provider, territory_a):
    stranger = {**AGENT, "email": "dominique@prefecture.gouv.fr", "siret": "11000101300017"}
    response = sign_in(client, provider, stranger)
    assert response.status_code == 302 and response["Location"] == reverse("proconnect:access")
    page = text(client.get(response["Location"]))
    assert "Vous n'avez pas encore accès à un territoire" in page
    assert "Comment obtenir l'accès ?" in page
    assert "Demander l'accès" not in page  # their organisation is no EPCI of a territory
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email__iexact="dominique@prefecture.gouv.fr").exists()


# --- access requests -------------------------------------------------------------------------------------------


def test_agent_of_an_epci_requests_access_and_the_team_accepts(client, provider, territory_a, territory_b, alice, bob):
    response = sign_in(client, provider, AGENT)  # no invitation, no account; their SIRET is Rochefort's EPCI
    page = text(client.get(response["Location"]))
    assert territory_a.name in page and "Demander l'accès" in page
    assert territory_b.name not in page

    # not their organisation's territory: refused
    client.post(reverse("proconnect:access_request_create", args=[territory_b.slug]))
    assert not AccessRequest.objects.exists()

    response = client.post(
        reverse("proconnect:access_request_create", args=[territory_a.slug]), {"message": "Chargée de mission"}
    )
    assert response.status_code == 302
    access_request = AccessRequest.objects.get()
    agent_user = access_request.user
    assert (access_request.territory, access_request.status) == (territory_a, AccessRequestStatus.PENDING)
    assert access_request.siret == AGENT["siret"] and access_request.message == "Chargée de mission"
    assert agent_user.email == AGENT["email"].lower() and not agent_user.has_usable_password()
    assert not TerritoryMembership.objects.filter(user=agent_user).exists()
    assert JournalEntry.objects.filter(territory=territory_a, verb=JournalVerb.ACCESS_REQUESTED).exists()
    page = text(client.get(reverse("proconnect:access")))
    assert "Mes demandes d'accès" in page and "En attente" in page
    # the agent cannot reach the territory's space yet
    assert client.get(reverse("roadmap:roadmap", args=[territory_a.slug])).status_code == 403

    # the team's page shows the request (the partial the team page includes)
    request = RequestFactory().get("/espace/equipe/")
    html = render_to_string(
        "accounts/_access_requests.html",
        {"access_requests": oidc.access_requests_pending(territory_a), "territory": territory_a, "request": request},
    )
    assert "Camille Durand" in html and AGENT["siret"] in html
    decide = reverse("proconnect:access_request_decide", args=[territory_a.slug, access_request.pk])
    assert decide in html

    # the team of B cannot decide A's request, under A's address or its own
    client.force_login(bob)
    assert client.post(decide, {"decision": "accept", "role": "team"}).status_code == 403
    other = reverse("proconnect:access_request_decide", args=[territory_b.slug, access_request.pk])
    assert client.post(other, {"decision": "accept", "role": "team"}).status_code == 404
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.PENDING

    client.force_login(alice)
    response = client.post(decide, {"decision": "accept", "role": "team", "next": "/espace/"})
    assert response.status_code == 302 and response["Location"] == "/espace/"
    access_request.refresh_from_db()
    assert (access_request.status, access_request.role, access_request.decided_by) == (
        AccessRequestStatus.ACCEPTED,
        Role.TEAM,
        alice,
    )
    assert TerritoryMembership.objects.get(user=agent_user, territory=territory_a).role == Role.TEAM
    assert JournalEntry.objects.filter(territory=territory_a, verb=JournalVerb.ACCESS_REQUEST_DECIDED).exists()
    assert mail.outbox[-1].to == [agent_user.email] and "ouvert" in mail.outbox[-1].subject
    # decided once only
    client.post(decide, {"decision": "refuse"})
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.ACCEPTED

    # next sign-in: straight to their space
    client.logout()
    response = sign_in(client, provider, AGENT)
    assert response["Location"] == reverse("accounts:home") and signed_in_user_id(client) == str(agent_user.pk)


def test_read_only_member_cannot_decide_and_anct_refuses(client, territory_a, victor, nadia):
    agent_user = User.objects.create_user("agent", email="agent@cara.fr")
    access_request = AccessRequest.objects.create(territory=territory_a, user=agent_user, siret=AGENT["siret"])
    decide = reverse("proconnect:access_request_decide", args=[territory_a.slug, access_request.pk])
    assert client.post(decide, {"decision": "accept", "role": "team"}).status_code == 302  # to sign-in
    client.force_login(victor)
    assert client.post(decide, {"decision": "accept", "role": "team"}).status_code == 403
    client.force_login(nadia)
    client.post(decide, {"decision": "refuse"})
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.REFUSED and access_request.decided_by == nadia
    assert not TerritoryMembership.objects.filter(user=agent_user).exists()
    assert "n'a pas été retenue" in mail.outbox[-1].subject


# --- sign-out --------------------------------------------------------------------------------------------------


def test_sign_out_ends_the_proconnect_session(client, provider, territory_a, alice):
    invite(territory_a, AGENT["email"], alice)
    sign_in(client, provider, AGENT)
    id_token = client.session[oidc.ID_TOKEN_SESSION_KEY]

    response = client.post(reverse("proconnect:logout"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == provider.url + "/api/v2/session/end"
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://testserver" + reverse("proconnect:logged_out")
    assert params["state"]
    assert signed_in_user_id(client) is None

    back = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert provider.end_session_requests[-1]["id_token_hint"] == id_token
    returned = urlsplit(back.headers["Location"])
    response = client.get(f"{returned.path}?{returned.query}", follow=True)
    assert "Votre session est fermée, sur la plateforme et sur ProConnect." in text(response)


def test_sign_out_of_a_password_session_is_a_plain_sign_out(client, provider, alice):
    client.force_login(alice)
    response = client.post(reverse("proconnect:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("public:home")
    assert signed_in_user_id(client) is None
    assert provider.end_session_requests == [] and provider.discovery_hits == 0


def test_invitation_template_button_partial(provider, rf):
    html = render_to_string("accounts/_proconnect_button.html", {"next": "/invitation/abc/"})
    assert reverse("proconnect:login") + "?next=/invitation/abc/" in html


def test_invitation_still_pending_after_refused_unverified(provider, client, territory_a, alice):
    invitation = invite(territory_a, AGENT["email"], alice)
    sign_in(client, provider, {**AGENT, "email_verified": "false"})
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None

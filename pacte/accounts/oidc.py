"""ProConnect (the State's OpenID Connect sign-in for public agents), on mozilla-django-oidc.

Configuration comes only from the environment (settings PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET,
PROCONNECT_DISCOVERY_URL); unset, the button is hidden and the URLs answer 404. The endpoints are read from the
provider's discovery document the first time they are needed (never at import time), then kept in the cache.

The library runs the authorisation-code flow with state, nonce and PKCE (S256); this module adds what ProConnect
needs: the id_token and the userinfo (which ProConnect answers as a JWT signed RS256, `application/jwt`) are checked
against the provider's JWKS, issuer and audience; accounts are matched by the verified email address; an account is
created only for an address that was invited; an agent whose organisation (SIRET) belongs to a territory's EPCI may
ask the team for access.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from pacte.core.models import JournalVerb, journal_write

from .models import AccessRequest, AccessRequestStatus, Invitation, Role, TerritoryMembership

logger = logging.getLogger(__name__)

SCOPES = "openid given_name usual_name email siret uid"
DISCOVERY_CACHE_SECONDS = 3600
JWKS_CACHE_SECONDS = 3600
HTTP_TIMEOUT = 10
SIGN_ALGORITHM = "RS256"
AGENT_SESSION_KEY = "proconnect_agent"  # the verified claims of the agent signed in (or refused) with ProConnect
ID_TOKEN_SESSION_KEY = "oidc_id_token"  # where mozilla-django-oidc keeps the id_token (OIDC_STORE_ID_TOKEN)
LOGOUT_STATE_SESSION_KEY = "proconnect_logout_state"


class ProConnectUnavailable(Exception):
    """The provider could not be reached or answered something unusable."""


def is_configured() -> bool:
    return all(
        getattr(settings, name, "")
        for name in ("PROCONNECT_CLIENT_ID", "PROCONNECT_CLIENT_SECRET", "PROCONNECT_DISCOVERY_URL")
    )


def _cache_key(kind: str, url: str) -> str:
    return f"proconnect:{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProConnectUnavailable(f"{url}: {error}") from error


def discovery() -> dict:
    """The provider's discovery document, fetched once and kept in the cache."""
    if not is_configured():
        raise ImproperlyConfigured("ProConnect is not configured (PROCONNECT_* environment variables).")
    url = settings.PROCONNECT_DISCOVERY_URL
    key = _cache_key("discovery", url)
    document = cache.get(key)
    if document is None:
        document = _get_json(url)
        missing = [
            name
            for name in ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
            if not document.get(name)
        ]
        if missing:
            raise ProConnectUnavailable(f"discovery document without {', '.join(missing)}")
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def jwks(*, refresh: bool = False) -> dict:
    url = discovery()["jwks_uri"]
    key = _cache_key("jwks", url)
    keys = None if refresh else cache.get(key)
    if keys is None:
        keys = _get_json(url)
        cache.set(key, keys, JWKS_CACHE_SECONDS)
    return keys


# mozilla-django-oidc reads its configuration through get_settings(); this gives it ProConnect's, from the
# environment and the discovery document, and the library's own defaults otherwise.
_FROM_DISCOVERY = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def proconnect_setting(attr, *default):
    if attr in _FROM_DISCOVERY:
        return discovery()[_FROM_DISCOVERY[attr]]
    fixed = {
        "OIDC_RP_CLIENT_ID": getattr(settings, "PROCONNECT_CLIENT_ID", ""),
        "OIDC_RP_CLIENT_SECRET": getattr(settings, "PROCONNECT_CLIENT_SECRET", ""),
        "OIDC_RP_SCOPES": SCOPES,
        "OIDC_RP_SIGN_ALGO": SIGN_ALGORITHM,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "proconnect:callback",
        "OIDC_TIMEOUT": HTTP_TIMEOUT,
        "OIDC_CREATE_USER": False,
        "LOGIN_REDIRECT_URL_FAILURE": "proconnect:failure",
        # ProConnect asks for the acr (eidas1: the agent's identity provider checked who they are)
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {"acr_values": "eidas1"},
    }
    if attr in fixed:
        return fixed[attr]
    return import_from_settings(attr, *default)


# ---------------------------------------------------------------------------------------------------------------
# The agent, from ProConnect's claims


@dataclass(frozen=True)
class Agent:
    sub: str
    email: str
    given_name: str = ""
    usual_name: str = ""
    siret: str = ""
    organisation: str = ""

    @property
    def siren(self) -> str:
        return self.siret[:9] if len(self.siret) == 14 else ""

    def as_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data) -> "Agent | None":
        if not isinstance(data, dict) or not data.get("email"):
            return None
        return cls(**{name: str(data.get(name) or "") for name in cls.__dataclass_fields__})


def agent_from_claims(claims: dict) -> Agent:
    """The agent described by ProConnect's (verified) userinfo; a refusal when the email is missing or said to
    be unverified."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise ValidationError(_("ProConnect n'a pas transmis d'adresse électronique."), code="no_email")
    if claims.get("email_verified") is False or str(claims.get("email_verified")).lower() == "false":
        raise ValidationError(_("Votre adresse électronique n'est pas vérifiée."), code="unverified")
    siret = re.sub(r"\D", "", str(claims.get("siret") or ""))
    return Agent(
        sub=str(claims.get("sub") or ""),
        email=email,
        given_name=str(claims.get("given_name") or "").strip(),
        usual_name=str(claims.get("usual_name") or claims.get("family_name") or "").strip(),
        siret=siret if len(siret) == 14 else "",
        organisation=str(claims.get("organizational_unit") or claims.get("belonging_population") or "").strip()[:255],
    )


def _username_for(email: str) -> str:
    User = get_user_model()
    base = email[:150]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        suffix = f"-{n}"
        username = base[: 150 - len(suffix)] + suffix
    return username


def account_create(*, agent: Agent):
    """A new account for a ProConnect agent (no password: they sign in with ProConnect)."""
    User = get_user_model()
    user = User(
        username=_username_for(agent.email),
        email=agent.email,
        first_name=agent.given_name[:150],
        last_name=agent.usual_name[:150],
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def account_for_agent(*, agent: Agent):
    """The account of a verified agent: the one with this email (its pending invitations accepted), or a new one
    when an invitation awaits this address; None when there is neither (no account is created)."""
    from . import services

    users = list(get_user_model().objects.filter(email__iexact=agent.email)[:2])
    if len(users) > 1:
        raise SuspiciousOperation("several accounts share this email address")
    if users:
        user = users[0]
        changed = [
            name
            for name, value in (("first_name", agent.given_name), ("last_name", agent.usual_name))
            if value and not getattr(user, name)
        ]
        for name in changed:
            setattr(user, name, getattr(agent, "given_name" if name == "first_name" else "usual_name")[:150])
        if changed:
            user.save(update_fields=changed)
    elif Invitation.objects.pending().filter(email=agent.email).exists():
        user = account_create(agent=agent)
    else:
        return None
    services.invitations_accept_for_user(user=user)
    return user


# ---------------------------------------------------------------------------------------------------------------
# The authentication backend


class ProConnectBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, for ProConnect. Listed in AUTHENTICATION_BACKENDS; it only acts on the
    callback of a ProConnect sign-in (password sign-ins pass it by)."""

    get_settings = staticmethod(proconnect_setting)

    def __init__(self, *args, **kwargs):
        # The library reads every endpoint here; this backend is built for every sign-in and every request of a
        # ProConnect session, so the endpoints are read (discovery) only when a ProConnect sign-in needs them.
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802 (the library's names)
        return proconnect_setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):  # noqa: N802
        return proconnect_setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):  # noqa: N802
        return proconnect_setting("OIDC_OP_JWKS_ENDPOINT")

    OIDC_RP_SIGN_ALGO = SIGN_ALGORITHM
    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_CLIENT_ID(self):  # noqa: N802
        return settings.PROCONNECT_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self):  # noqa: N802
        return settings.PROCONNECT_CLIENT_SECRET

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not is_configured():
            return None
        self.request = request
        request.proconnect_failure = ""
        try:
            return super().authenticate(request, **kwargs)
        except ValidationError as error:
            request.proconnect_failure = error.code or "refused"
        except (requests.RequestException, ProConnectUnavailable, SuspiciousOperation, jwt.PyJWTError) as error:
            logger.warning("ProConnect sign-in failed: %s", error)
            request.proconnect_failure = "error"
        return None

    def retrieve_matching_jwk(self, token):
        """The provider's key for this token, from the cached JWKS (fetched again once if the key is unknown:
        the provider rotated its keys)."""
        header = jwt.get_unverified_header(token)
        if header.get("alg") != SIGN_ALGORITHM:
            raise SuspiciousOperation("unexpected signing algorithm")
        for refresh in (False, True):
            for key in jwks(refresh=refresh).get("keys", []):
                if key.get("kid") == header.get("kid") and key.get("alg", SIGN_ALGORITHM) == SIGN_ALGORITHM:
                    return jwt.PyJWK(key)
        raise SuspiciousOperation("no key of the provider matches the token")

    def _decode(self, token: str, *, required: list[str]) -> dict:
        return jwt.decode(
            token,
            self.retrieve_matching_jwk(token),
            algorithms=[SIGN_ALGORITHM],
            audience=settings.PROCONNECT_CLIENT_ID,
            issuer=discovery()["issuer"],
            options={"require": required},
            leeway=30,
        )

    def verify_token(self, token, **kwargs):
        """The id_token: signed RS256 by the provider, for this client, from this issuer, not expired, with the
        nonce of this sign-in."""
        payload = self._decode(token, required=["iss", "aud", "sub", "exp", "iat"])
        if payload.get("nonce") != kwargs.get("nonce"):
            raise SuspiciousOperation("JWT nonce verification failed")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """ProConnect answers userinfo as a signed JWT: check it like the id_token, and that it speaks of the same
        person (sub)."""
        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        if response.headers.get("content-type", "").lower().startswith("application/jwt"):
            claims = self._decode(response.text.strip(), required=["iss", "aud", "sub"])
        else:  # plain JSON (other OpenID Connect providers): it came straight from the provider over TLS
            claims = response.json()
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo sub differs from the id_token's")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        agent = agent_from_claims(self.get_userinfo(access_token, id_token, payload))
        self.request.proconnect_agent = agent
        user = account_for_agent(agent=agent)
        if user is None:
            raise ValidationError(_("Aucun accès ne correspond à votre adresse."), code="no_access")
        return user

    def get_user(self, user_id):
        user = self.UserModel._default_manager.select_related("security").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


# ---------------------------------------------------------------------------------------------------------------
# Sign-out


def provider_logout_url(request) -> str | None:
    """Where to send the browser so that ProConnect's session ends too (RP-initiated logout: id_token_hint,
    post_logout_redirect_uri, state); None when the session was not opened with ProConnect."""
    id_token = request.session.get(ID_TOKEN_SESSION_KEY)
    if not id_token or not is_configured():
        return None
    try:
        endpoint = discovery().get("end_session_endpoint")
    except ProConnectUnavailable:
        return None
    if not endpoint:
        return None
    state = secrets.token_urlsafe(24)
    request.proconnect_logout_state = state
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": state,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("proconnect:logged_out")),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# ---------------------------------------------------------------------------------------------------------------
# Access requests (an agent of a territory's EPCI asks the team for access)


def territories_for_siret(siret: str):
    """Territories one of whose EPCI is the organisation of this SIRET (its first nine digits are the SIREN)."""
    from pacte.territories.models import Territory

    siren = (siret or "")[:9]
    if len(siren) != 9 or not siren.isdigit():
        return Territory.objects.none()
    return Territory.objects.filter(intercommunalities__siren=siren).distinct().order_by("name")


def access_request_offers(*, user, agent: Agent | None):
    """The territories the agent may ask to join: their organisation's, minus those they already reach or already
    asked for."""
    if agent is None or not agent.siret:
        return []
    territories = territories_for_siret(agent.siret)
    if user is not None and user.is_authenticated:
        territories = territories.exclude(memberships__user=user).exclude(
            access_requests__user=user, access_requests__status=AccessRequestStatus.PENDING
        )
    return list(territories)


@transaction.atomic
def access_request_create(*, territory, agent: Agent, user=None, message: str = "") -> AccessRequest:
    """The agent asks `territory`'s team for access; their account is created if they have none yet (it gives no
    access until the team accepts)."""
    if not territories_for_siret(agent.siret).filter(pk=territory.pk).exists():
        raise ValidationError(_("Votre organisation ne fait pas partie de ce territoire."))
    if user is None or not user.is_authenticated:
        user = get_user_model().objects.filter(email__iexact=agent.email).first() or account_create(agent=agent)
    if TerritoryMembership.objects.filter(user=user, territory=territory).exists():
        raise ValidationError(_("Vous avez déjà accès à ce territoire."))
    if AccessRequest.objects.filter(territory=territory, user=user, status=AccessRequestStatus.PENDING).exists():
        raise ValidationError(_("Votre demande d'accès à ce territoire est déjà en attente."))
    access_request = AccessRequest.objects.create(
        territory=territory,
        user=user,
        siret=agent.siret,
        organisation=agent.organisation,
        message=message.strip()[:2000],
    )
    journal_write(
        territory=territory,
        verb=JournalVerb.ACCESS_REQUESTED,
        message=_("%(person)s (%(email)s, SIRET %(siret)s) demande l'accès au territoire")
        % {"person": user.get_full_name() or user.get_username(), "email": agent.email, "siret": agent.siret},
        actor=user,
    )
    return access_request


def access_requests_pending(territory):
    """What the team page shows in accounts/_access_requests.html."""
    return AccessRequest.objects.filter(territory=territory, status=AccessRequestStatus.PENDING).select_related("user")


@transaction.atomic
def access_request_decide(*, access_request: AccessRequest, accept: bool, role: str, actor) -> AccessRequest:
    """The team accepts (with a role: the membership is created) or refuses a pending request; journalled."""
    access_request = (
        AccessRequest.objects.select_for_update().select_related("territory", "user").get(pk=access_request.pk)
    )
    if access_request.status != AccessRequestStatus.PENDING:
        raise ValidationError(_("Cette demande d'accès a déjà été tranchée."))
    if accept and role not in Role.values:
        raise ValidationError(_("Rôle inconnu."))
    person = access_request.user.get_full_name() or access_request.user.get_username()
    if accept:
        membership, created = TerritoryMembership.objects.get_or_create(
            user=access_request.user, territory=access_request.territory, defaults={"role": role}
        )
        access_request.status = AccessRequestStatus.ACCEPTED
        access_request.role = membership.role
        message = _("Demande d'accès de %(person)s acceptée (%(role)s)") % {
            "person": person,
            "role": Role(membership.role).label,
        }
    else:
        access_request.status = AccessRequestStatus.REFUSED
        message = _("Demande d'accès de %(person)s refusée") % {"person": person}
    access_request.decided_at = timezone.now()
    access_request.decided_by = actor
    access_request.save(update_fields=["status", "role", "decided_at", "decided_by"])
    journal_write(
        territory=access_request.territory, verb=JournalVerb.ACCESS_REQUEST_DECIDED, message=message, actor=actor
    )
    return access_request


def access_request_notify(*, access_request: AccessRequest, base_url: str) -> int:
    """Tell the agent the team's decision by email."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    email = access_request.user.email
    if not email:
        return 0
    context = {
        "access_request": access_request,
        "accepted": access_request.status == AccessRequestStatus.ACCEPTED,
        "login_url": base_url.rstrip("/") + reverse("accounts:login"),
        "site_title": settings.SITE_TITLE,
    }
    subject = (
        _("Votre accès à %(territory)s est ouvert")
        if context["accepted"]
        else _("Votre demande d'accès à %(territory)s n'a pas été retenue")
    ) % {"territory": access_request.territory.name}
    body = render_to_string("accounts/access_request_decided_email.txt", context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])

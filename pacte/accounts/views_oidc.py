"""ProConnect sign-in and sign-out (mozilla-django-oidc's views, configured by pacte.accounts.oidc), the access
requests of agents and the team's decisions on them."""

import secrets

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from pacte.core.access import get_territory_for_user, territories_for_user
from pacte.core.throttle import client_address, throttle
from pacte.territories.models import Territory

from . import oidc
from .models import AccessRequest, AccessRequestStatus, Role

BACKEND_PATH = "pacte.accounts.oidc.ProConnectBackend"

FAILURES = {
    "unverified": (
        "Votre adresse électronique n'est pas vérifiée par ProConnect",
        "Pour votre sécurité, la plateforme n'ouvre l'accès qu'à une adresse vérifiée par votre fournisseur "
        "d'identité. Connectez-vous à ProConnect avec votre adresse professionnelle vérifiée, ou demandez à "
        "l'équipe de votre territoire une invitation à créer un compte avec mot de passe.",
    ),
    "no_email": (
        "ProConnect n'a pas transmis votre adresse électronique",
        "La plateforme reconnaît les personnes à leur adresse électronique. Réessayez, ou demandez à l'équipe "
        "de votre territoire une invitation à créer un compte avec mot de passe.",
    ),
    "state": (
        "Cette connexion ProConnect n'a pas pu être vérifiée",
        "Le retour de ProConnect ne correspond à aucune connexion commencée dans ce navigateur (lien ancien, "
        "ouvert dans un autre navigateur ou déjà utilisé). Recommencez depuis la page de connexion.",
    ),
    "error": (
        "La connexion avec ProConnect n'a pas abouti",
        "ProConnect n'a pas confirmé votre identité (connexion annulée, délai dépassé ou service momentanément "
        "indisponible). Recommencez depuis la page de connexion.",
    ),
}


def _require_configured():
    if not oidc.is_configured():
        raise Http404


def _failure(request, reason: str, status: int = 400):
    title, text = FAILURES.get(reason, FAILURES["error"])
    return render(
        request, "accounts/access_request_signin_failed.html", {"title": _(title), "text": _(text)}, status=status
    )


def _unavailable(request):
    return _failure(request, "error", status=503)


class ProConnectLoginView(OIDCAuthenticationRequestView):
    """Sends the browser to ProConnect (state, nonce and PKCE S256 kept in the session by the library)."""

    get_settings = staticmethod(oidc.proconnect_setting)

    def __init__(self, *args, **kwargs):
        # The library reads the endpoint here; it is read in get() instead (discovery on first use, cached).
        self.OIDC_RP_CLIENT_ID = oidc.proconnect_setting("OIDC_RP_CLIENT_ID")

    def get(self, request):
        _require_configured()
        throttle(scope="proconnect-login", key=client_address(request), limit=30, period=60)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.proconnect_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except oidc.ProConnectUnavailable:
            return _unavailable(request)
        return super().get(request)


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    """ProConnect's redirect back: the library checks the state and exchanges the code; the backend checks the
    tokens and finds the account."""

    get_settings = staticmethod(oidc.proconnect_setting)

    def get(self, request):
        _require_configured()
        try:
            return super().get(request)
        except SuspiciousOperation:  # a state this browser never started (or already used)
            return _failure(request, "state")

    def login_failure(self):
        request = self.request
        reason = getattr(request, "proconnect_failure", "") or "error"
        agent = getattr(request, "proconnect_agent", None)
        if reason == "no_access" and agent is not None:
            request.session[oidc.AGENT_SESSION_KEY] = agent.as_session()
            return redirect("proconnect:access")
        return _failure(request, reason)

    def login_success(self):
        response = super().login_success()
        agent = getattr(self.request, "proconnect_agent", None)
        if agent is not None:
            self.request.session[oidc.AGENT_SESSION_KEY] = agent.as_session()
        if not territories_for_user(self.user).exists():
            return redirect("proconnect:access")
        return response


class ProConnectLogoutView(OIDCLogoutView):
    """Sign-out; a session opened with ProConnect also ends ProConnect's (end_session_endpoint with id_token_hint,
    post_logout_redirect_uri and state). Any other session signs out as django's LogoutView does."""

    def get_settings(self, attr, *args):
        if attr == "OIDC_OP_LOGOUT_URL_METHOD":
            return "pacte.accounts.views_oidc.logout_url"
        return oidc.proconnect_setting(attr, *args)

    def post(self, request):
        response = super().post(request)
        state = getattr(request, "proconnect_logout_state", None)
        if state:  # the session was flushed by the sign-out: the state goes in the new one
            request.session[oidc.LOGOUT_STATE_SESSION_KEY] = state
        return response


def logout_url(request) -> str:
    return oidc.provider_logout_url(request) or resolve_url(settings.LOGOUT_REDIRECT_URL)


@require_GET
def logged_out(request):
    """Where ProConnect sends the browser back after ending its session."""
    expected = request.session.pop(oidc.LOGOUT_STATE_SESSION_KEY, None)
    if expected and secrets.compare_digest(expected, request.GET.get("state", "")):
        messages.success(request, _("Votre session est fermée, sur la plateforme et sur ProConnect."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _agent(request) -> oidc.Agent | None:
    return oidc.Agent.from_session(request.session.get(oidc.AGENT_SESSION_KEY))


@require_GET
def access(request):
    """After a ProConnect sign-in without access: whom to ask, and the territories of the agent's organisation
    (SIRET) they may ask to join; their requests and how they stand."""
    _require_configured()
    agent = _agent(request)
    if agent is None and not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user if request.user.is_authenticated else None
    return render(
        request,
        "accounts/access_request_page.html",
        {
            "agent": agent,
            "offers": oidc.access_request_offers(user=user, agent=agent),
            "my_requests": AccessRequest.objects.filter(user=user).select_related("territory") if user else [],
            "has_territories": bool(user) and territories_for_user(user).exists(),
        },
    )


@require_POST
def access_request_create(request, slug):
    _require_configured()
    agent = _agent(request)
    if agent is None:  # only an agent who came through ProConnect (their SIRET is ProConnect's word)
        return redirect("accounts:login")
    territory = get_object_or_404(Territory, slug=slug)
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.email.lower() != agent.email:
        raise PermissionDenied
    try:
        access_request = oidc.access_request_create(
            territory=territory, agent=agent, user=user, message=request.POST.get("message", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("proconnect:access")
    if user is None:  # the account was just created (or found) for this verified agent
        auth.login(request, access_request.user, backend=BACKEND_PATH)
        request.session[oidc.AGENT_SESSION_KEY] = agent.as_session()
    messages.success(
        request,
        _("Votre demande d'accès à %(territory)s est envoyée à son équipe. Vous recevrez un courriel à sa décision.")
        % {"territory": territory.name},
    )
    return redirect("proconnect:access")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_POST
@login_required
def access_request_decide(request, slug, pk):
    """The team (or ANCT) accepts, with a role, or refuses a request to join its territory."""
    territory = get_territory_for_user(request, slug, write=True)
    access_request = get_object_or_404(AccessRequest.objects.select_related("user"), pk=pk, territory=territory)
    decision = request.POST.get("decision")
    if decision not in {"accept", "refuse"}:
        messages.error(request, _("Choisissez d'accepter ou de refuser la demande."))
    else:
        try:
            decided = oidc.access_request_decide(
                access_request=access_request,
                accept=decision == "accept",
                role=request.POST.get("role", Role.VIEWER),
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            oidc.access_request_notify(access_request=decided, base_url=request.build_absolute_uri("/"))
            person = decided.user.get_full_name() or decided.user.get_username()
            if decided.status == AccessRequestStatus.ACCEPTED:
                messages.success(request, _("%(person)s a maintenant accès au territoire.") % {"person": person})
            else:
                messages.success(request, _("La demande de %(person)s est refusée.") % {"person": person})
    return HttpResponseRedirect(_safe_next(request, resolve_url("roadmap:roadmap", territory.slug)))

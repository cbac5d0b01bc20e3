"""The signed-in person's space, their account, a territory's team (members, invitations) and the invitation page.

Thin views: an access helper (pacte.core.access), a form, a service (pacte.accounts.services), a redirect."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pacte.core.access import get_territory_for_user, territories_for_user, user_can_write

from . import services
from .forms import InvitationForm, InvitedAccountForm, RoleForm
from .models import AccessRequest, AccessRequestStatus, Invitation, InvitationStatus, Role, TerritoryMembership
from .oidc import ID_TOKEN_SESSION_KEY
from .session import session_territories_refresh


def _template_exists(name: str) -> bool:
    """Slots filled by templates of another part (ProConnect): shown only once they exist."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# ---------------------------------------------------------------------------------------------------------------
# The person's space and account


@login_required
@require_GET
def home(request):
    """The signed-in user's space: the territories they work on, or whom to ask when they have none."""
    territories = list(territories_for_user(request.user).select_related("pact").order_by("name"))
    roles = dict(TerritoryMembership.objects.filter(user=request.user).values_list("territory_id", "role"))
    for territory in territories:
        territory.my_role = Role.TEAM if request.user.is_superuser else roles.get(territory.pk)
    context = {
        "territories": territories,
        "role_team": Role.TEAM,
        # An agent signed in with ProConnect may ask to join the territory of their organisation.
        "proconnect_agent": bool(request.session.get(ID_TOKEN_SESSION_KEY)),
    }
    return render(request, "accounts/home.html", context)


@login_required
@require_GET
def account(request):
    memberships = (
        TerritoryMembership.objects.filter(user=request.user).select_related("territory").order_by("territory__name")
    )
    return render(request, "accounts/account.html", {"memberships": memberships})


@login_required
@require_POST
def sign_out_everywhere(request):
    services.sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(
        request,
        _("Toutes vos sessions sont fermées, sur tous vos appareils et navigateurs. Reconnectez-vous pour continuer."),
    )
    return redirect("accounts:login")


# ---------------------------------------------------------------------------------------------------------------
# A territory's team


@login_required
@require_http_methods(["GET", "POST"])
def team(request, slug):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    form = InvitationForm(prefix="invite")
    if request.method == "POST":
        form = InvitationForm(request.POST, prefix="invite")
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    territory=territory,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                    base_url=_base_url(request),
                )
            except ValidationError as error:
                form.add_error("email", _error_text(error))
            else:
                messages.success(
                    request,
                    _("Invitation envoyée à %(email)s : le lien est valable 7 jours.") % {"email": invitation.email},
                )
                return redirect("accounts:team", territory.slug)
    members = list(
        TerritoryMembership.objects.filter(territory=territory).select_related("user").order_by("user__last_name", "pk")
    )
    accepted = {}
    for invitation in (
        Invitation.objects.filter(territory=territory, accepted_at__isnull=False)
        .select_related("invited_by")
        .order_by("accepted_at")
    ):
        invitation.inviter_label = services.person_label(invitation.invited_by)
        accepted[invitation.accepted_by_id] = invitation  # the latest one wins
    for member in members:
        member.invitation = accepted.get(member.user_id)
        member.label = services.person_label(member.user)
    invitations = list(
        Invitation.objects.filter(territory=territory, accepted_at__isnull=True, cancelled_at__isnull=True)
        .select_related("invited_by")
        .order_by("-sent_at")
    )
    for invitation in invitations:
        invitation.expired = invitation.status == InvitationStatus.EXPIRED
        invitation.inviter_label = services.person_label(invitation.invited_by)
    can_manage = user_can_write(request, territory)
    context = {
        "territory": territory,
        "members": members,
        "invitations": invitations,
        "form": form,
        "can_manage": can_manage,
        "roles": Role.choices,
        "team_count": sum(1 for m in members if m.role == Role.TEAM),
        "access_requests_slot": _template_exists("accounts/_access_requests.html"),
    }
    if context["access_requests_slot"]:
        context["access_requests"] = (
            AccessRequest.objects.filter(territory=territory, status=AccessRequestStatus.PENDING)
            .select_related("user")
            .order_by("created_at")
        )
    return render(request, "accounts/team.html", context, status=400 if form.errors else 200)


def _invitation_of(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    return territory, get_object_or_404(Invitation.objects.filter(territory=territory), pk=pk)


def _membership_of(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    membership = get_object_or_404(
        TerritoryMembership.objects.filter(territory=territory).select_related("user"), pk=pk
    )
    return territory, membership


@login_required
@require_POST
def invitation_resend(request, slug, pk):
    territory, invitation = _invitation_of(request, slug, pk)
    try:
        services.invitation_resend(invitation=invitation, actor=request.user, base_url=_base_url(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Invitation renvoyée à %(email)s (nouveau lien).") % {"email": invitation.email})
    return redirect("accounts:team", territory.slug)


@login_required
@require_POST
def invitation_cancel(request, slug, pk):
    territory, invitation = _invitation_of(request, slug, pk)
    try:
        services.invitation_cancel(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Invitation de %(email)s annulée : son lien ne fonctionne plus.") % {"email": invitation.email}
        )
    return redirect("accounts:team", territory.slug)


@login_required
@require_POST
def member_role(request, slug, pk):
    territory, membership = _membership_of(request, slug, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rôle inconnu."))
        return redirect("accounts:team", territory.slug)
    try:
        services.member_role_change(membership=membership, role=form.cleaned_data["role"], actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Rôle de %(person)s modifié.") % {"person": services.person_label(membership.user)})
    return redirect("accounts:team", territory.slug)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, slug, pk):
    territory, membership = _membership_of(request, slug, pk)
    label = services.person_label(membership.user)
    if request.method == "POST":
        try:
            services.member_remove(membership=membership, actor=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("%(person)s n'a plus accès au territoire.") % {"person": label})
            if membership.user_id == request.user.pk and not request.user.is_superuser:
                return redirect("accounts:home")
        return redirect("accounts:team", territory.slug)
    return render(
        request, "accounts/member_remove.html", {"territory": territory, "membership": membership, "label": label}
    )


# ---------------------------------------------------------------------------------------------------------------
# The invitation link


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invitation = services.invitation_from_token(token)
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"invitation": invitation, "inviter": invitation and services.person_label(invitation.invited_by)},
            status=404 if invitation is None else 410,
        )
    inviter = services.person_label(invitation.invited_by)
    form = None
    account_exists = False
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as error:
                messages.error(request, _error_text(error))
                return redirect("accounts:home")
            session_territories_refresh(request)
            messages.success(request, _("Vous avez rejoint %(territory)s.") % {"territory": invitation.territory})
            return redirect("roadmap:roadmap", invitation.territory.slug)
    else:
        account_exists = get_user_model().objects.filter(username__iexact=invitation.email).exists()
        form = InvitedAccountForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and not account_exists and form.is_valid():
            data = form.cleaned_data
            try:
                membership = services.account_create_from_invitation(
                    invitation=invitation,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    password=data["password1"],
                )
            except ValidationError as error:
                form.add_error(None, _error_text(error))
            else:
                login(request, membership.user, backend="pacte.accounts.backends.PasswordBackend")
                session_territories_refresh(request)
                messages.success(
                    request,
                    _("Votre compte est créé et vous avez rejoint %(territory)s.")
                    % {"territory": invitation.territory},
                )
                return redirect("roadmap:roadmap", invitation.territory.slug)
    return render(
        request,
        "accounts/invitation.html",
        {
            "invitation": invitation,
            "inviter": inviter,
            "role": services.role_label(invitation.role),
            "form": form,
            "account_exists": account_exists,
            "login_url": reverse("accounts:login") + "?" + urlencode({"next": request.path}),
            "proconnect_slot": _template_exists("accounts/_proconnect_button.html"),
        },
        status=400 if form is not None and form.errors else 200,
    )

"""Who may act for which territory: invitations by email (single-use links), members' roles, signing out everywhere.

Every function is keyword-only and atomic; a refusal is a ValidationError in French; what matters to the team is
journalled. The single-use token of a link is never stored, only its SHA-256 (`token_digest`)."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.core.models import JournalVerb, journal_write

from .models import AccountSecurity, Invitation, InvitationStatus, Role, TerritoryMembership, token_digest

INVITATION_DAYS = 7


def person_label(user) -> str:
    """How a person is named to others: "Prénom Nom" when known, otherwise their identifier."""
    if user is None:
        return _("l'ANCT")
    return user.get_full_name() or user.get_username()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def link_email_send(*, to: str, subject: str, template: str, context: dict) -> int:
    """Send a plain-text email rendered from `template` (the invitations of this app and of land's committees)."""
    body = render_to_string(template, context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def email_normalize(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(_("Saisissez une adresse électronique valide.")) from error
    return email


def _role_check(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(_("Rôle inconnu."))


def role_label(role: str) -> str:
    return str(Role(role).label)


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation of a link (whatever its status), or None."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("territory", "invited_by", "accepted_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


def _invitation_send(*, invitation: Invitation, token: str, base_url: str) -> None:
    link = base_url.rstrip("/") + reverse("accounts:invitation", args=[token])
    invitation.link = link  # not stored: the demo prints it, nothing else reads it back
    inviter = person_label(invitation.invited_by)
    link_email_send(
        to=invitation.email,
        subject=_("Invitation à rejoindre l'équipe du territoire %(territory)s") % {"territory": invitation.territory},
        template="accounts/email_invitation.txt",
        context={
            "invitation": invitation,
            "inviter": inviter,
            "role": role_label(invitation.role),
            "link": link,
            "site_title": settings.SITE_TITLE,
        },
    )


def _renew(invitation: Invitation) -> str:
    token = new_token()
    now = timezone.now()
    invitation.token_digest = token_digest(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    return token


@transaction.atomic
def invitation_create(*, territory, email: str, role: str, invited_by, base_url: str) -> Invitation:
    """Invite an address to a territory with a role; an open invitation of the same address is sent again."""
    email = email_normalize(email)
    _role_check(role)
    if TerritoryMembership.objects.filter(territory=territory, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s est déjà membre de l'équipe de %(territory)s.") % {"email": email, "territory": territory}
        )
    invitation = (
        Invitation.objects.select_for_update()
        .filter(territory=territory, email=email, accepted_at__isnull=True, cancelled_at__isnull=True)
        .first()
    )
    if invitation is not None:
        token = _renew(invitation)
        invitation.role = role
        invitation.send_count += 1
        invitation.save()
        verb, message = (
            JournalVerb.INVITATION_RESENT,
            _("Invitation renvoyée à %(email)s (%(role)s), envoi n° %(n)s")
            % {"email": email, "role": role_label(role), "n": invitation.send_count},
        )
    else:
        invitation = Invitation(territory=territory, email=email, role=role, invited_by=invited_by)
        token = _renew(invitation)
        invitation.created_at = invitation.sent_at
        invitation.save()
        verb, message = (
            JournalVerb.MEMBER_INVITED,
            _("Invitation envoyée à %(email)s (%(role)s)") % {"email": email, "role": role_label(role)},
        )
    journal_write(territory=territory, verb=verb, message=message, actor=invited_by)
    _invitation_send(invitation=invitation, token=token, base_url=base_url)
    return invitation


def _refuse_unless_open(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise ValidationError(_("Cette invitation a déjà été acceptée."))
    if invitation.cancelled_at is not None:
        raise ValidationError(_("Cette invitation a été annulée."))


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor, base_url: str) -> Invitation:
    """Send the invitation again with a new link (the previous one stops working), valid again for a week."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("territory", "invited_by")
        .get(pk=invitation.pk)
    )
    _refuse_unless_open(invitation)
    token = _renew(invitation)
    invitation.send_count += 1
    invitation.save()
    journal_write(
        territory=invitation.territory,
        verb=JournalVerb.INVITATION_RESENT,
        message=_("Invitation renvoyée à %(email)s (%(role)s), envoi n° %(n)s")
        % {"email": invitation.email, "role": role_label(invitation.role), "n": invitation.send_count},
        actor=actor,
    )
    _invitation_send(invitation=invitation, token=token, base_url=base_url)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, actor) -> Invitation:
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("territory").get(pk=invitation.pk)
    _refuse_unless_open(invitation)
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    journal_write(
        territory=invitation.territory,
        verb=JournalVerb.INVITATION_CANCELLED,
        message=_("Invitation de %(email)s annulée") % {"email": invitation.email},
        actor=actor,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> TerritoryMembership:
    """The account gains the invitation's access (an existing read-only access becomes a team one; a team access
    is never lowered by an invitation). The link then stops working."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("territory").get(pk=invitation.pk)
    status = invitation.status
    if status == InvitationStatus.ACCEPTED:
        raise ValidationError(_("Ce lien d'invitation a déjà servi."))
    if status == InvitationStatus.CANCELLED:
        raise ValidationError(_("Cette invitation a été annulée."))
    if status == InvitationStatus.EXPIRED:
        raise ValidationError(_("Ce lien d'invitation a expiré."))
    membership, created = TerritoryMembership.objects.get_or_create(
        user=user, territory=invitation.territory, defaults={"role": invitation.role}
    )
    if not created and membership.role == Role.VIEWER and invitation.role == Role.TEAM:
        membership.role = Role.TEAM
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if not user.email:
        user.email = invitation.email
        user.save(update_fields=["email"])
    journal_write(
        territory=invitation.territory,
        verb=JournalVerb.INVITATION_ACCEPTED,
        message=_("%(person)s a accepté l'invitation de %(email)s (%(role)s)")
        % {"person": person_label(user), "email": invitation.email, "role": role_label(membership.role)},
        actor=user,
    )
    return membership


@transaction.atomic
def invitations_accept_for_user(*, user) -> list[TerritoryMembership]:
    """Accept every pending invitation sent to the account's (verified) email address, e.g. after a ProConnect
    sign-in."""
    email = (user.email or "").strip().lower()
    if not email:
        return []
    return [
        invitation_accept(invitation=invitation, user=user)
        for invitation in Invitation.objects.pending().filter(email=email).order_by("pk")
    ]


@transaction.atomic
def user_create_with_password(*, email: str, first_name: str, last_name: str, password: str):
    """A new account whose identifier is its (invited) email address; the password was validated by the form."""
    User = get_user_model()
    email = email_normalize(email)
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError(_("Un compte existe déjà pour cette adresse : connectez-vous pour accepter."))
    return User.objects.create_user(
        username=email, email=email, password=password, first_name=first_name.strip(), last_name=last_name.strip()
    )


@transaction.atomic
def account_create_from_invitation(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> TerritoryMembership:
    """A new account for the invited address (its identifier is the address), which accepts the invitation."""
    user = user_create_with_password(
        email=invitation.email, first_name=first_name, last_name=last_name, password=password
    )
    return invitation_accept(invitation=invitation, user=user)


def _team_count(territory) -> int:
    # Lock the team's rows so that two concurrent changes cannot both leave the other as the last one.
    return len(
        TerritoryMembership.objects.select_for_update().filter(territory=territory, role=Role.TEAM).values_list("pk")
    )


@transaction.atomic
def member_role_change(*, membership: TerritoryMembership, role: str, actor) -> TerritoryMembership:
    _role_check(role)
    membership = TerritoryMembership.objects.select_related("territory", "user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.TEAM and _team_count(membership.territory) <= 1:
        raise ValidationError(
            _(
                "%(person)s est le dernier membre de l'équipe : invitez d'abord une autre personne dans l'équipe, "
                "le territoire ne peut pas rester sans équipe."
            )
            % {"person": person_label(membership.user)}
        )
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    journal_write(
        territory=membership.territory,
        verb=JournalVerb.MEMBER_ROLE_CHANGED,
        message=_("Rôle de %(person)s : %(before)s → %(after)s")
        % {"person": person_label(membership.user), "before": role_label(before), "after": role_label(role)},
        actor=actor,
    )
    return membership


@transaction.atomic
def member_remove(*, membership: TerritoryMembership, actor) -> None:
    membership = TerritoryMembership.objects.select_related("territory", "user").get(pk=membership.pk)
    if membership.role == Role.TEAM and _team_count(membership.territory) <= 1:
        raise ValidationError(
            _(
                "%(person)s est le dernier membre de l'équipe : le territoire ne peut pas rester sans équipe. "
                "Invitez d'abord une autre personne dans l'équipe."
            )
            % {"person": person_label(membership.user)}
        )
    journal_write(
        territory=membership.territory,
        verb=JournalVerb.MEMBER_REMOVED,
        message=_("Accès de %(person)s retiré (%(role)s)")
        % {"person": person_label(membership.user), "role": role_label(membership.role)},
        actor=actor,
    )
    membership.delete()


# ---------------------------------------------------------------------------------------------------------------
# Sessions


SESSION_GENERATION_KEY = "pacte_session_generation"


def session_generation(user) -> int:
    """The account's current session generation (0 if it never signed out everywhere). Free when the user was
    loaded by pacte.accounts.backends (the security row comes with it)."""
    try:
        return user.security.session_generation
    except AccountSecurity.DoesNotExist:
        return 0


@transaction.atomic
def sign_out_everywhere(*, user) -> AccountSecurity:
    """End every open session of the account (each is checked on its next request by the middleware)."""
    security, _created = AccountSecurity.objects.select_for_update().get_or_create(user=user)
    security.session_generation += 1
    security.signed_out_everywhere_at = timezone.now()
    security.save(update_fields=["session_generation", "signed_out_everywhere_at"])
    user.security = security
    return security

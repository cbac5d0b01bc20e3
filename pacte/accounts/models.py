"""Who may act for which territory: memberships, invitations, access requests (ProConnect agents)."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEAM = "team", _("Équipe du territoire")
    VIEWER = "viewer", _("Lecture seule")


class TerritoryMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="territory_memberships",
        verbose_name=_("utilisateur"),
    )
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("territoire")
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role, default=Role.TEAM)

    class Meta:
        verbose_name = _("accès à un territoire")
        verbose_name_plural = _("accès aux territoires")
        constraints = [models.UniqueConstraint(fields=["user", "territory"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} → {self.territory} ({self.get_role_display()})"


def token_digest(token: str) -> str:
    """What is stored of a single-use link's token: its SHA-256 (a database leak gives no working link)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    CANCELLED = "cancelled", _("Annulée")
    EXPIRED = "expired", _("Expirée")


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An email address invited to a territory with a role, by a single-use link valid a few days.

    The person creates their account (or signs in, or comes through ProConnect with this verified email) and
    gains the access; an existing account just gains it."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="invitations", verbose_name=_("territoire")
    )
    email = models.EmailField(_("courriel"))  # stored lowercased
    role = models.CharField(_("rôle"), max_length=10, choices=Role, default=Role.TEAM)
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("invité le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    send_count = models.PositiveSmallIntegerField(_("envois"), default=1)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
        verbose_name=_("acceptée par"),
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "email"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.territory} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.cancelled_at:
            return InvitationStatus.CANCELLED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")


class AccessRequest(models.Model):
    """A public agent signed in with ProConnect asks to join a territory whose EPCI (or listed partner) their
    organisation belongs to (its SIRET starts with that SIREN); the team accepts or refuses."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="access_requests", verbose_name=_("territoire")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests", verbose_name=_("demandeur")
    )
    siret = models.CharField(_("SIRET de l'organisation"), max_length=14, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    status = models.CharField(
        _("statut"), max_length=10, choices=AccessRequestStatus, default=AccessRequestStatus.PENDING
    )
    role = models.CharField(_("rôle accordé"), max_length=10, choices=Role, blank=True)
    decided_at = models.DateTimeField(_("tranchée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests_decided",
        verbose_name=_("tranchée par"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("demande d'accès")
        verbose_name_plural = _("demandes d'accès")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "user"],
                condition=Q(status="pending"),
                name="one_pending_access_request",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.territory} ({self.get_status_display()})"


class AccountSecurity(models.Model):
    """Per-account security state: `session_generation` grows when the person signs out everywhere; a session
    remembers the generation it was opened in and ends when it is older (pacte.accounts middleware)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security", verbose_name=_("utilisateur")
    )
    session_generation = models.PositiveIntegerField(default=0)
    signed_out_everywhere_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sécurité du compte")
        verbose_name_plural = _("sécurité des comptes")

    def __str__(self):
        return f"{self.user} (génération de session {self.session_generation})"

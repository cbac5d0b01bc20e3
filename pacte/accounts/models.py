"""Who may act for which territory."""

from django.conf import settings
from django.db import models
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

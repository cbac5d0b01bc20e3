"""Indicators of the pact, by theme."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


class Indicator(TerritoryOwned):
    theme = models.ForeignKey(
        "commitments.Theme",
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("thématique"),
    )
    name = models.TextField(_("indicateur"))

    territory_parent = "theme"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")

    def __str__(self):
        return self.name

"""Step 5: governance principles, thematic groups and the calendar of economic events."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned, lines


class GovernancePrinciple(TerritoryOwned):
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(_("texte"))

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("principe de gouvernance")
        verbose_name_plural = _("principes de gouvernance")

    def __str__(self):
        return self.title


class ThematicGroup(TerritoryOwned):
    theme = models.ForeignKey(
        "commitments.Theme",
        on_delete=models.CASCADE,
        related_name="thematic_groups",
        verbose_name=_("thématique"),
    )
    name = models.CharField(_("nom"), max_length=200)
    objectives = models.TextField(_("objectifs (un par ligne)"), blank=True)
    participants = models.TextField(_("participants"), blank=True)
    animation = models.TextField(_("animation"), blank=True)
    example_indicators = models.TextField(_("exemples d'indicateurs (un par ligne)"), blank=True)
    partners = models.TextField(_("partenaires (un par ligne)"), blank=True)

    territory_parent = "theme"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("groupe thématique")
        verbose_name_plural = _("groupes thématiques")

    def __str__(self):
        return self.name

    @property
    def objective_list(self):
        return lines(self.objectives)

    @property
    def example_indicator_list(self):
        return lines(self.example_indicators)

    @property
    def partner_list(self):
        return lines(self.partners)


class EconomicEvent(TerritoryOwned):
    """A yearly milestone of the territory's economic life (rencontre économique)."""

    name = models.CharField(_("nom"), max_length=200)
    date = models.DateField(_("date"))
    organiser = models.CharField(_("organisé par"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta(TerritoryOwned.Meta):
        ordering = ["date", "pk"]
        verbose_name = _("rencontre économique")
        verbose_name_plural = _("rencontres économiques")

    def __str__(self):
        return f"{self.name} ({self.date:%d/%m/%Y})"

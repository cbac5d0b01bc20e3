"""Step 1 outputs: interviews, the industrial diagnostic (findings by axis) and local prides."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


class DiagnosticAxis(TerritoryOwned):
    name = models.CharField(_("axe"), max_length=200)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("axe du diagnostic")
        verbose_name_plural = _("axes du diagnostic")

    def __str__(self):
        return self.name


class FindingKind(models.TextChoices):
    STRENGTH = "strength", _("Atout ✓")
    WEAKNESS = "weakness", _("Faiblesse ✗")


class Finding(TerritoryOwned):
    axis = models.ForeignKey(DiagnosticAxis, on_delete=models.CASCADE, related_name="findings", verbose_name=_("axe"))
    kind = models.CharField(_("nature"), max_length=10, choices=FindingKind)
    text = models.TextField(_("constat"))

    territory_parent = "axis"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("constat")
        verbose_name_plural = _("constats")

    def __str__(self):
        return self.text

    @property
    def is_strength(self):
        return self.kind == FindingKind.STRENGTH


class PrideKind(models.TextChoices):
    INNOVATIVE = "innovative", _("Produit innovant")
    EMBLEMATIC = "emblematic", _("Produit emblématique")


class Pride(TerritoryOwned):
    """A local pride: an innovative or emblematic product of a local company."""

    kind = models.CharField(_("nature"), max_length=12, choices=PrideKind)
    product = models.CharField(_("produit"), max_length=200)
    company = models.CharField(_("entreprise"), max_length=200)
    place = models.CharField(_("lieu"), max_length=200, blank=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("fierté locale")
        verbose_name_plural = _("fiertés locales")

    def __str__(self):
        return f"{self.product}, {self.company}"


class InterviewStatus(models.TextChoices):
    PLANNED = "planned", _("Planifié")
    DONE = "done", _("Réalisé")


class Interview(TerritoryOwned):
    """An interview of the step-1 campaign (about 30 per territory)."""

    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interviews",
        verbose_name=_("partie prenante"),
    )
    held_on = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=InterviewStatus, default=InterviewStatus.PLANNED)
    summary = models.TextField(_("synthèse"), blank=True)

    territory_parent = "stakeholder"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("entretien")
        verbose_name_plural = _("entretiens")

    def __str__(self):
        who = self.stakeholder or _("partie prenante non renseignée")
        return f"{_('Entretien')} — {who}"

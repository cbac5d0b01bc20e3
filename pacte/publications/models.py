"""The pact of a territory: its editorial content and its life cycle draft → validated → published."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import lines


class PactStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    VALIDATED = "validated", _("Validé")
    PUBLISHED = "published", _("Publié")


class Pact(models.Model):
    territory = models.OneToOneField(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="pact",
        verbose_name=_("territoire"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=PactStatus, default=PactStatus.DRAFT)
    version = models.PositiveIntegerField(
        _("version publiée"), default=0, help_text=_("0 tant qu'aucune version n'est publiée.")
    )
    published_on = models.DateField(_("publié le"), null=True, blank=True)
    title = models.CharField(_("titre"), max_length=300)
    editorial_title = models.CharField(_("titre de l'édito"), max_length=300, blank=True)
    editorial = models.TextField(_("édito"), blank=True, help_text=_("Un paragraphe par bloc."))
    ambitions = models.TextField(_("ambitions (une par ligne)"), blank=True)
    acknowledgements = models.TextField(_("remerciements"), blank=True)

    class Meta:
        verbose_name = _("pacte")
        verbose_name_plural = _("pactes")

    def __str__(self):
        return self.title

    @property
    def is_public(self):
        return self.status == PactStatus.PUBLISHED

    @property
    def editorial_paragraphs(self):
        return [p.strip() for p in (self.editorial or "").split("\n\n") if p.strip()]

    @property
    def ambition_list(self):
        return lines(self.ambitions)

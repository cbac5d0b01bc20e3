"""Stakeholders (organisations) and contacts (people) of a territory: the tracking file."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


class Category(models.TextChoices):
    """The 5 categories of stakeholders of step 1 of the method."""

    LOCAL_AUTHORITIES = "collectivites", _("Collectivités")
    STATE = "etat", _("Services et opérateurs de l'État")
    COMPANIES = "entreprises", _("Entreprises")
    CIVIL_SOCIETY = "societe_civile", _("Société civile")
    PARTNERS = "partenaires", _("Partenaires du pacte")


class Priority(models.TextChoices):
    HIGH = "prioritaire", _("Prioritaire")
    MEDIUM = "souhaitable", _("Souhaitable")
    LOW = "facultative", _("Facultative")


class Stakeholder(TerritoryOwned):
    name = models.CharField(_("entité"), max_length=300)
    category = models.CharField(_("typologie"), max_length=20, choices=Category)
    group = models.CharField(
        _("groupe affiché"),
        max_length=100,
        blank=True,
        help_text=_("Regroupement dans les remerciements du pacte (ex. « Tissu économique »)."),
    )
    acknowledged = models.BooleanField(
        _("remercié dans le pacte"),
        default=False,
        help_text=_("Figure dans les remerciements publics du pacte."),
    )

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("partie prenante")
        verbose_name_plural = _("parties prenantes")
        constraints = [models.UniqueConstraint(fields=["territory", "name"], name="unique_stakeholder_name")]

    def __str__(self):
        return self.name


class Contact(TerritoryOwned):
    """A person to interview; never public."""

    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("entité")
    )
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    priority = models.CharField(_("priorité"), max_length=20, choices=Priority, default=Priority.MEDIUM)
    contacted_by = models.CharField(_("qui contacte ?"), max_length=150, blank=True)

    territory_parent = "stakeholder"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.stakeholder})".strip()

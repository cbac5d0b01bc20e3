"""Stakeholders (organisations) and contacts (people) of a territory: the tracking file."""

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


def name_key(name: str) -> str:
    """A comparison key under which near-identical entity names are one entity.

    "CCI Charente-Maritime", "CCI Charente Maritime" and "cci charente-maritime " share a key:
    accents, case, punctuation and spacing are ignored.
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_only.lower()).split())


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
    name_key = models.CharField(max_length=300, db_index=True, editable=False, default="")
    # A company's SIREN when it came from (or was matched with) the SIRENE register: a later feed, or a second
    # establishment of the same company, finds the entity by it whatever its name became.
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, db_index=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("partie prenante")
        verbose_name_plural = _("parties prenantes")
        constraints = [models.UniqueConstraint(fields=["territory", "name"], name="unique_stakeholder_name")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = " ".join((self.name or "").split())
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class ContactStatus(models.TextChoices):
    """Where a contact stands in the interview campaign."""

    TO_CONTACT = "a_contacter", _("À contacter")
    CONTACTED = "contacte", _("Contacté")
    INTERVIEW_PLANNED = "entretien_planifie", _("Entretien planifié")
    INTERVIEW_DONE = "entretien_realise", _("Entretien réalisé")
    DECLINED = "declinee", _("Déclinée")


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
    status = models.CharField(_("statut"), max_length=20, choices=ContactStatus, default=ContactStatus.TO_CONTACT)
    last_action_on = models.DateField(
        _("dernier échange"),
        null=True,
        blank=True,
        help_text=_("Date du dernier contact, de la dernière relance ou de l'entretien."),
    )
    notes = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    territory_parent = "stakeholder"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.full_name} ({self.stakeholder})"

    @property
    def display_name(self) -> str:
        """The person and their entity, or the entity alone while the person is unknown."""
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.stakeholder.name})" if name else self.stakeholder.name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or str(_("interlocuteur à identifier"))


class TrackingFileImport(TerritoryOwned):
    """An uploaded tracking file, kept between its preview and its confirmation (and afterwards, for audit)."""

    filename = models.CharField(_("fichier"), max_length=255)
    content = models.BinaryField(_("contenu"))
    # The rows read from the file at upload (tracking_file.parsed_to_json): the preview and the confirmation use
    # them instead of reading the file again. Empty for imports stored before, parsed on first use.
    parsed = models.JSONField(_("lignes lues"), null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("déposé par")
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    imported_at = models.DateTimeField(_("importé le"), null=True, blank=True)
    summary = models.TextField(_("bilan"), blank=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("import du fichier de suivi")
        verbose_name_plural = _("imports du fichier de suivi")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.filename

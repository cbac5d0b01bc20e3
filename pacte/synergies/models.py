"""Mutualisation and industrial ecology (EIT): what companies offer and need, the synergies proposed between them,
the team's follow-up of each one, and the territory's matching settings.

The member companies come from `companies` (below this app); the rest of the app takes `Company`, `Membership` and
`MembershipStatus` from this module.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.core.models import TerritoryOwned

__all__ = ["Company", "Membership", "MembershipStatus"]


class Direction(models.TextChoices):
    OFFER = "offer", _("Offre")
    NEED = "need", _("Besoin")


class Kind(models.TextChoices):
    MATERIALS = "materials", _("Matières et coproduits")
    WASTE = "waste", _("Déchets")
    ENERGY = "energy", _("Énergie")
    WATER = "water", _("Eau")
    EQUIPMENT = "equipment", _("Équipements et machines")
    SKILLS = "skills", _("Compétences et emplois partagés")
    PREMISES = "premises", _("Locaux et foncier")
    LOGISTICS = "logistics", _("Logistique et transport")
    PURCHASES = "purchases", _("Achats à mutualiser")


class EnergyForm(models.TextChoices):
    HEAT = "heat", _("Chaleur")
    ELECTRICITY = "electricity", _("Électricité")
    GAS = "gas", _("Gaz")


class Unit(models.TextChoices):
    TONNES = "t", _("tonnes")
    MWH = "MWh", _("MWh")
    M3 = "m3", _("m³")
    M2 = "m2", _("m²")
    HOURS = "h", _("heures")
    DAYS = "j", _("jours")
    UNITS = "u", _("unités")
    EUROS = "eur", _("euros")


class Frequency(models.TextChoices):
    CONTINUOUS = "continuous", _("Continue")
    SEASONAL = "seasonal", _("Saisonnière")
    ONE_OFF = "one_off", _("Ponctuelle")


class Visibility(models.TextChoices):
    """Who may read a declaration beyond its company: nothing is shown beyond what the company chose."""

    TEAM = "team", _("L'équipe du territoire seulement")
    MEMBERS = "members", _("Les autres entreprises adhérentes")
    PUBLIC = "public", _("Tout le monde (page publique)")


# The chapters of the European List of Waste (decision 2000/532/EC, consolidated 2014/955/EU). The full list has
# some 840 six-digit codes; the platform checks the format and the chapter only, not each code.
WASTE_CHAPTERS = {
    "01": _("Exploration et exploitation des mines et carrières"),
    "02": _("Agriculture, pêche, préparation des aliments"),
    "03": _("Transformation du bois, production de papier et de carton"),
    "04": _("Industries du cuir, de la fourrure et du textile"),
    "05": _("Raffinage du pétrole, purification du gaz, charbon"),
    "06": _("Procédés de la chimie minérale"),
    "07": _("Procédés de la chimie organique"),
    "08": _("Peintures, vernis, adhésifs, encres"),
    "09": _("Industrie photographique"),
    "10": _("Procédés thermiques"),
    "11": _("Traitement chimique de surface des métaux"),
    "12": _("Mise en forme et traitement des métaux et plastiques"),
    "13": _("Huiles et combustibles liquides usagés"),
    "14": _("Solvants, réfrigérants et gaz propulseurs"),
    "15": _("Emballages, absorbants, chiffons, matériaux filtrants"),
    "16": _("Déchets non décrits ailleurs (véhicules, équipements…)"),
    "17": _("Construction et démolition"),
    "18": _("Soins médicaux ou vétérinaires"),
    "19": _("Installations de traitement des déchets et de l'eau"),
    "20": _("Déchets municipaux et assimilés, collecte séparée"),
}
WASTE_CODE_RE = re.compile(r"^(\d{2}) ?(\d{2}) ?(\d{2})(\*?)$")


def waste_code_normalize(value: str) -> str:
    """A European List of Waste code as "xx xx xx" (a trailing * marks a hazardous waste); ValidationError in
    French for a malformed code or an unknown chapter. "" stays ""."""
    value = (value or "").strip()
    if not value:
        return ""
    match = WASTE_CODE_RE.match(value)
    if match is None:
        raise ValidationError(
            _(
                "Code déchet : « %(v)s » n'est pas au format de la liste européenne des déchets (6 chiffres, « xx xx xx »)."
            )
            % {"v": value}
        )
    chapter, section, item, star = match.groups()
    if chapter not in WASTE_CHAPTERS:
        raise ValidationError(
            _("Code déchet : le chapitre « %(c)s » n'existe pas dans la liste européenne des déchets (01 à 20).")
            % {"c": chapter}
        )
    if section == "00" or item == "00":
        raise ValidationError(_("Code déchet : « %(v)s » n'est pas un code de déchet de la liste.") % {"v": value})
    return f"{chapter} {section} {item}{star}"


class Declaration(TerritoryOwned):
    """An offer or a need of a company: a resource it can give, or one it looks for."""

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="synergy_declarations",
        verbose_name=_("entreprise"),
    )
    direction = models.CharField(_("offre ou besoin"), max_length=5, choices=Direction)
    kind = models.CharField(_("nature"), max_length=12, choices=Kind)
    energy_form = models.CharField(_("forme d'énergie"), max_length=12, choices=EnergyForm, blank=True)
    temperature_c = models.SmallIntegerField(
        _("température (°C)"),
        null=True,
        blank=True,
        help_text=_("Chaleur : la température disponible (offre) ou nécessaire (besoin)."),
    )
    waste_code = models.CharField(
        _("code déchet"),
        max_length=9,
        blank=True,
        help_text=_("Liste européenne des déchets, 6 chiffres « xx xx xx » (ex. : 15 01 01)."),
    )
    description = models.TextField(_("description"))
    quantity = models.DecimalField(_("quantité"), max_digits=14, decimal_places=3, null=True, blank=True)
    unit = models.CharField(_("unité"), max_length=4, choices=Unit, blank=True)
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency, default=Frequency.CONTINUOUS)
    starts_on = models.DateField(_("à partir du"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    commune_code = models.CharField(
        _("commune (code INSEE)"),
        max_length=5,
        blank=True,
        help_text=_("Par défaut, la commune de l'établissement de l'entreprise (Sirene)."),
    )
    visibility = models.CharField(_("visibilité"), max_length=8, choices=Visibility, default=Visibility.TEAM)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    territory_parent = "company"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("offre ou besoin")
        verbose_name_plural = _("offres et besoins")
        ordering = ["company__name", "direction", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="declaration_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | ~models.Q(unit=""), name="declaration_quantity_has_unit"
            ),
        ]
        indexes = [models.Index(fields=["territory", "kind"], name="declaration_territory_kind")]

    def __str__(self):
        return f"{self.get_direction_display()} — {self.get_kind_display()} — {self.company}"

    @property
    def sub_kind_label(self) -> str:
        if self.kind == Kind.ENERGY and self.energy_form:
            label = str(self.get_energy_form_display())
            if self.energy_form == EnergyForm.HEAT and self.temperature_c is not None:
                label += f" ({self.temperature_c} °C)"
            return label
        if self.kind == Kind.WASTE and self.waste_code:
            return self.waste_code
        return ""

    def clean(self):
        super().clean()
        errors = {}
        try:
            self.waste_code = waste_code_normalize(self.waste_code)
        except ValidationError as error:
            errors["waste_code"] = error.messages
        if self.waste_code and self.kind != Kind.WASTE:
            errors["waste_code"] = [_("Code déchet : il ne se renseigne que pour un déchet.")]
        if self.kind == Kind.ENERGY and not self.energy_form:
            errors["energy_form"] = [_("Forme d'énergie : précisez chaleur, électricité ou gaz.")]
        if self.kind != Kind.ENERGY:
            self.energy_form = ""
        if self.temperature_c is not None and self.energy_form != EnergyForm.HEAT:
            errors["temperature_c"] = [_("Température : elle ne se renseigne que pour de la chaleur.")]
        if self.quantity is not None and not self.unit:
            errors["unit"] = [_("Unité : une quantité sans unité ne veut rien dire ; choisissez l'unité.")]
        if self.quantity is not None and self.quantity < 0:
            errors["quantity"] = [_("Quantité : elle ne peut pas être négative.")]
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [_("Jusqu'au : la date de fin est avant la date de début.")]
        if errors:
            raise ValidationError(errors)


class Mode(models.TextChoices):
    EXCHANGE = "exchange", _("Échange (une offre, un besoin)")
    POOLING = "pooling", _("Mutualisation (un besoin partagé)")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposée")
    INTRODUCED = "introduced", _("Mise en relation")
    STUDY = "study", _("Étude")
    REALISED = "realised", _("Réalisée")
    ABANDONED = "abandoned", _("Abandonnée")


# The flow: proposée → mise en relation → étude → réalisée; abandonnée from any open status.
TRANSITIONS = {
    Status.PROPOSED: {Status.INTRODUCED, Status.ABANDONED},
    Status.INTRODUCED: {Status.STUDY, Status.ABANDONED},
    Status.STUDY: {Status.REALISED, Status.ABANDONED},
    Status.REALISED: set(),
    Status.ABANDONED: set(),
}


class Synergy(TerritoryOwned):
    """A proposal between one company's offer and another's need (exchange), or between companies sharing the same
    need (pooling), followed by the team up to realised or abandoned."""

    key = models.CharField(max_length=200, editable=False)  # what makes the proposal unique (matching.py)
    mode = models.CharField(_("type"), max_length=8, choices=Mode, default=Mode.EXCHANGE)
    kind = models.CharField(_("nature"), max_length=12, choices=Kind)
    title = models.CharField(_("intitulé"), max_length=300)
    offer = models.ForeignKey(
        Declaration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offered_in",
        verbose_name=_("offre"),
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    reasons = models.JSONField(_("raisons"), default=list, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.PROPOSED)
    abandon_reason = models.TextField(_("raison de l'abandon"), blank=True)
    realised_year = models.PositiveSmallIntegerField(_("année de réalisation"), null=True, blank=True)
    tonnes_per_year = models.DecimalField(_("tonnes par an"), max_digits=14, decimal_places=3, null=True, blank=True)
    mwh_per_year = models.DecimalField(_("MWh par an"), max_digits=14, decimal_places=3, null=True, blank=True)
    m3_per_year = models.DecimalField(_("m³ par an"), max_digits=14, decimal_places=3, null=True, blank=True)
    euros_per_year = models.DecimalField(
        _("euros économisés par an"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    introduced_at = models.DateTimeField(_("mise en relation le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("synergie")
        verbose_name_plural = _("synergies")
        ordering = ["-score", "pk"]
        constraints = [models.UniqueConstraint(fields=["territory", "key"], name="unique_synergy_key")]

    def __str__(self):
        return self.title

    @property
    def all_consented(self) -> bool:
        parties = list(self.parties.all())
        return len(parties) >= 2 and all(p.consent is True for p in parties)

    @property
    def shown_publicly(self) -> bool:
        parties = list(self.parties.all())
        return len(parties) >= 2 and all(p.show_publicly for p in parties)


class Role(models.TextChoices):
    OFFER = "offer", _("Offre")
    NEED = "need", _("Besoin")


class SynergyParty(models.Model):
    """A company in a synergy, through its declaration, with its consents (to be introduced, to be shown)."""

    synergy = models.ForeignKey(Synergy, on_delete=models.CASCADE, related_name="parties")
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="synergy_parties")
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(_("rôle"), max_length=5, choices=Role)
    consent = models.BooleanField(_("accepte la mise en relation"), null=True, blank=True)
    show_publicly = models.BooleanField(_("accepte que la synergie réalisée soit publiée"), default=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "company__name", "pk"]
        verbose_name = _("partie d'une synergie")
        verbose_name_plural = _("parties des synergies")
        constraints = [models.UniqueConstraint(fields=["synergy", "company"], name="one_party_per_company")]

    def __str__(self):
        return f"{self.synergy} — {self.company}"


DEFAULT_MAX_KM = {
    Kind.MATERIALS: 50,
    Kind.WASTE: 50,
    Kind.ENERGY: 5,  # a heat network or a private electricity line is short
    Kind.WATER: 10,
    Kind.EQUIPMENT: 30,
    Kind.SKILLS: 40,
    Kind.PREMISES: 20,
    Kind.LOGISTICS: 60,
    Kind.PURCHASES: 100,
}


class MatchingSettings(models.Model):
    """The territory's maximum distance per kind of resource (km), editable by its team."""

    territory = models.OneToOneField("territories.Territory", on_delete=models.CASCADE, related_name="synergy_settings")
    max_km = models.JSONField(_("distance maximale par nature (km)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("réglages de la mise en relation")
        verbose_name_plural = _("réglages de la mise en relation")

    def __str__(self):
        return str(self.territory)

    def limit(self, kind: str) -> float:
        return float(self.max_km.get(kind, DEFAULT_MAX_KM.get(kind, 50)))

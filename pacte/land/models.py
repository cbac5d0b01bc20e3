"""Industrial land: parcels, land calls, applications, the criteria grid, the ad hoc committee and its decision."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


class LandUse(models.TextChoices):
    """What an allocation consumes, for the "zéro artificialisation nette" trajectory."""

    NATURAL = "natural", _("Espace naturel ou forestier")
    AGRICULTURAL = "agricultural", _("Espace agricole")
    BUILT = "built", _("Terrain déjà artificialisé (friche, bâti existant)")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Disponible")
    RESERVED = "reserved", _("Réservé (appel en cours)")
    ALLOCATED = "allocated", _("Attribué")


class Parcel(TerritoryOwned):
    name = models.CharField(_("nom"), max_length=200)
    area_ha = models.DecimalField(_("surface (ha)"), max_digits=8, decimal_places=2)
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    vocation = models.CharField(_("vocation"), max_length=200, blank=True, help_text=_("Ex. : aéronautique."))
    constraints = models.TextField(_("contraintes"), blank=True)
    availability = models.CharField(
        _("disponibilité"), max_length=10, choices=Availability, default=Availability.AVAILABLE
    )
    land_use = models.CharField(_("nature du terrain"), max_length=12, choices=LandUse, default=LandUse.BUILT)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("parcelle")
        verbose_name_plural = _("parcelles")

    def __str__(self):
        return f"{self.name} ({self.area_ha} ha)"


class LandEnvelope(TerritoryOwned):
    """The land the territory allows itself to consume over a period (its ZAN trajectory)."""

    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    hectares = models.DecimalField(_("enveloppe (ha)"), max_digits=8, decimal_places=2)
    note = models.TextField(_("source de l'enveloppe"), blank=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("enveloppe foncière")
        verbose_name_plural = _("enveloppes foncières")

    def __str__(self):
        return f"{self.hectares} ha ({self.starts_on:%Y}–{self.ends_on:%Y})"


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Ouvert aux candidatures")
    CLOSED = "closed", _("Clos, en instruction")
    DECIDED = "decided", _("Avis rendu")


class LandCall(TerritoryOwned):
    """An appel à projets / à candidatures on one or more parcels. Its grid is frozen once it opens."""

    title = models.CharField(_("titre"), max_length=300)
    description = models.TextField(_("présentation"), blank=True)
    parcels = models.ManyToManyField(Parcel, related_name="calls", verbose_name=_("parcelles"))
    opens_on = models.DateField(_("ouverture"))
    closes_on = models.DateField(_("clôture"))
    status = models.CharField(_("statut"), max_length=8, choices=CallStatus, default=CallStatus.DRAFT)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("appel à projets foncier")
        verbose_name_plural = _("appels à projets fonciers")
        ordering = ["-opens_on", "-pk"]

    def __str__(self):
        return self.title

    @property
    def grid_frozen(self) -> bool:
        return self.status != CallStatus.DRAFT


class Criterion(TerritoryOwned):
    """A selection criterion derived from a commitment of the pact: weight, 0–5 scale described level by level,
    possibly eliminatory (a threshold under which the application is out)."""

    call = models.ForeignKey(LandCall, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("appel"))
    commitment = models.ForeignKey(
        "commitments.Commitment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("critère"), max_length=300)
    weight = models.DecimalField(_("poids"), max_digits=6, decimal_places=2, default=1)
    levels = models.JSONField(_("descripteurs des niveaux 0 à 5"), default=list)  # 6 texts
    eliminatory = models.BooleanField(_("éliminatoire"), default=False)
    threshold = models.PositiveSmallIntegerField(_("seuil éliminatoire (0–5)"), null=True, blank=True)

    territory_parent = "call"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("critère")
        verbose_name_plural = _("critères")

    def __str__(self):
        return self.name


class ScreeningRule(TerritoryOwned):
    """A legal minimum checked pass/fail before any scoring (never points)."""

    call = models.ForeignKey(LandCall, on_delete=models.CASCADE, related_name="screening_rules")
    text = models.CharField(_("exigence légale"), max_length=400)

    territory_parent = "call"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("exigence légale")
        verbose_name_plural = _("exigences légales")

    def __str__(self):
        return self.text


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Déposée")
    COMPLETE = "complete", _("Complète")
    INCOMPLETE = "incomplete", _("Refusée : incomplète")
    SCREENED_OUT = "screened_out", _("Écartée : exigence légale non remplie")
    WITHDRAWN = "withdrawn", _("Retirée")


class Application(TerritoryOwned):
    """A project holder's application, with what the pact asks of a newcomer."""

    call = models.ForeignKey(LandCall, on_delete=models.CASCADE, related_name="applications")
    company_name = models.CharField(_("entreprise"), max_length=300)
    siren = models.CharField(_("SIREN"), max_length=9)
    contact_email = models.EmailField(_("courriel"))
    project = models.TextField(_("projet"))
    jobs_created = models.PositiveIntegerField(_("emplois créés"), default=0)
    jobs_kept = models.PositiveIntegerField(_("emplois maintenus"), default=0)
    surface_ha = models.DecimalField(_("surface demandée (ha)"), max_digits=8, decimal_places=2)
    density = models.TextField(_("densité et verticalisation"), blank=True)
    brownfield = models.TextField(_("réemploi de friches ou de bâti existant"), blank=True)
    vegetated_share = models.DecimalField(
        _("part de surfaces végétalisées (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    rainwater = models.TextField(_("récupération des eaux de pluie"), blank=True)
    materials = models.TextField(_("matériaux bas carbone et locaux"), blank=True)
    renewable_share = models.DecimalField(
        _("part d'énergie renouvelable (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    local_sourcing = models.TextField(_("achats et sous-traitance locaux"), blank=True)
    pooling = models.TextField(_("mutualisation et écologie industrielle"), blank=True)
    training_hiring = models.TextField(_("formation et recrutement local"), blank=True)
    residents_information = models.TextField(_("information des riverains"), blank=True)
    land_use = models.CharField(_("terrain consommé"), max_length=12, choices=LandUse, default=LandUse.BUILT)
    status = models.CharField(
        _("statut"), max_length=12, choices=ApplicationStatus, default=ApplicationStatus.SUBMITTED
    )
    missing = models.TextField(_("ce qui manque"), blank=True)
    submitted_at = models.DateTimeField(_("déposée le"), auto_now_add=True)
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="land_applications"
    )

    territory_parent = "call"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["submitted_at", "pk"]

    def __str__(self):
        return f"{self.company_name} — {self.call}"


class Attachment(TerritoryOwned):
    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan masse")
        BUSINESS = "business", _("Plan d'affaires")
        KBIS = "kbis", _("Extrait Kbis")
        OTHER = "other", _("Autre pièce")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("pièce"), max_length=10, choices=Kind)
    file = models.FileField(_("fichier"), upload_to="candidatures/")

    territory_parent = "application"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.application}"


class ScreeningCheck(TerritoryOwned):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="screening")
    rule = models.ForeignKey(ScreeningRule, on_delete=models.CASCADE, related_name="checks")
    passed = models.BooleanField(_("conforme"))
    note = models.TextField(_("observation"), blank=True)

    territory_parent = "application"

    class Meta(TerritoryOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["application", "rule"], name="one_check_per_rule")]

    def __str__(self):
        return f"{self.rule} — {self.passed}"


class CommitteeMember(TerritoryOwned):
    """A member of the ad hoc committee of a call (as in the "Implantation et mutualisation" group)."""

    call = models.ForeignKey(LandCall, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="land_committees"
    )
    name = models.CharField(_("nom"), max_length=200)
    role = models.CharField(_("qualité"), max_length=200, blank=True)

    territory_parent = "call"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("membre du comité")
        verbose_name_plural = _("membres du comité")

    def __str__(self):
        return self.name


class ConflictOfInterest(TerritoryOwned):
    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="conflicts")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.TextField(_("nature du lien"))
    declared_at = models.DateTimeField(auto_now_add=True)

    territory_parent = "member"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("conflit d'intérêts")
        verbose_name_plural = _("conflits d'intérêts")
        constraints = [models.UniqueConstraint(fields=["member", "application"], name="one_conflict_declaration")]

    def __str__(self):
        return f"{self.member} — {self.application}"


class Score(TerritoryOwned):
    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="scores")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(_("note (0–5)"))
    comment = models.TextField(_("commentaire"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    territory_parent = "member"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(fields=["member", "application", "criterion"], name="one_score_per_member"),
            models.CheckConstraint(condition=models.Q(value__lte=5), name="score_0_to_5"),
        ]

    def __str__(self):
        return f"{self.member} {self.criterion}: {self.value}"


class LandEvent(TerritoryOwned):
    """Every score, change and decision, with who and when (append-only)."""

    call = models.ForeignKey(LandCall, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    territory_parent = "call"

    class Meta(TerritoryOwned.Meta):
        ordering = ["-at", "-pk"]

    def __str__(self):
        return self.message


class Opinion(models.TextChoices):
    FAVOURABLE = "favourable", _("Favorable")
    UNFAVOURABLE = "unfavourable", _("Défavorable")
    DEFERRED = "deferred", _("Ajourné")


class Decision(TerritoryOwned):
    """The committee's opinion for the elected officials; frozen once signed."""

    call = models.OneToOneField(LandCall, on_delete=models.CASCADE, related_name="decision")
    dissent = models.TextField(_("avis divergents"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    frozen = models.JSONField(_("avis figé"), null=True, blank=True)  # the ranking and opinions as signed
    final_application = models.ForeignKey(
        Application,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("décision des élus"),
    )
    final_reason = models.TextField(_("motif de la décision des élus"), blank=True)
    final_decided_at = models.DateTimeField(null=True, blank=True)

    territory_parent = "call"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("avis du comité")
        verbose_name_plural = _("avis du comité")

    def __str__(self):
        return str(self.call)


class ApplicationOpinion(TerritoryOwned):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="opinions")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="opinions")
    opinion = models.CharField(_("avis"), max_length=12, choices=Opinion)
    justification = models.TextField(_("justification"))

    territory_parent = "decision"

    class Meta(TerritoryOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["decision", "application"], name="one_opinion_per_application")]

    def __str__(self):
        return f"{self.application}: {self.get_opinion_display()}"


class CommitteeInvitation(TerritoryOwned):
    """A committee member invited by email: a single-use link (only its SHA-256 is stored) lets the person sign in
    or create an account, which is then linked to the member. Nothing here says whether the address already had
    an account, and it gives no access to the territory's other data: only the member's own scoring sheet."""

    member = models.OneToOneField(CommitteeMember, on_delete=models.CASCADE, related_name="invitation")
    email = models.EmailField(_("courriel"))  # stored lowercased
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("envoyée le"))
    send_count = models.PositiveSmallIntegerField(_("envois"), default=1)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)

    territory_parent = "member"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("invitation au comité")
        verbose_name_plural = _("invitations au comité")

    def __str__(self):
        return f"{self.email} → {self.member}"

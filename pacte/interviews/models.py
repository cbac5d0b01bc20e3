"""Step 1 outputs: interviews, the industrial diagnostic (findings by axis) and local prides."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned, lines


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
    """A strength or weakness of the territory; its evidence is the interviews that brought it out."""

    axis = models.ForeignKey(DiagnosticAxis, on_delete=models.CASCADE, related_name="findings", verbose_name=_("axe"))
    kind = models.CharField(_("nature"), max_length=10, choices=FindingKind)
    text = models.TextField(_("constat"))
    theme = models.ForeignKey(
        "commitments.Theme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        verbose_name=_("thématique"),
    )
    interviews = models.ManyToManyField(
        "Interview", blank=True, related_name="findings", verbose_name=_("entretiens qui l'étayent")
    )
    retained = models.BooleanField(
        _("retenu dans le diagnostic"),
        default=True,
        help_text=_("Seuls les constats retenus figurent dans le diagnostic du pacte."),
    )

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


class SizeClass(models.TextChoices):
    """Company size classes the source asks the prides panel to span."""

    STARTUP = "startup", _("Start-up")
    SME = "pme", _("PME")
    MIDCAP = "eti", _("ETI")
    LARGE = "grand_groupe", _("Grand groupe")


class Pride(TerritoryOwned):
    """A local pride: an innovative or emblematic product of a local company."""

    kind = models.CharField(_("nature"), max_length=12, choices=PrideKind)
    product = models.CharField(_("produit"), max_length=200)
    company = models.CharField(_("entreprise"), max_length=200)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    size_class = models.CharField(_("taille de l'entreprise"), max_length=20, choices=SizeClass, blank=True)
    image = models.ImageField(_("image"), upload_to="fiertes/", blank=True)

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
    interviewees = models.ManyToManyField(
        "stakeholders.Contact", blank=True, related_name="interviews", verbose_name=_("personnes interrogées")
    )
    interviewers = models.CharField(_("conduit par"), max_length=300, blank=True)
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


class InterviewGuide(TerritoryOwned):
    """The territory's interview guide; the source's guide is the default."""

    title = models.CharField(_("titre"), max_length=300)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("guide d'entretien")
        verbose_name_plural = _("guides d'entretien")
        constraints = [models.UniqueConstraint(fields=["territory"], name="one_interview_guide_per_territory")]

    def __str__(self):
        return self.title


class GuideSection(TerritoryOwned):
    guide = models.ForeignKey(
        InterviewGuide, on_delete=models.CASCADE, related_name="sections", verbose_name=_("guide")
    )
    title = models.CharField(_("partie"), max_length=200)
    minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), null=True, blank=True)
    questions = models.TextField(_("questions"), blank=True, help_text=_("Une question par ligne."))
    by_theme = models.BooleanField(
        _("par thématique"), default=False, help_text=_("Les questions se posent pour chaque thématique du pacte.")
    )

    territory_parent = "guide"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("partie du guide")
        verbose_name_plural = _("parties du guide")

    def __str__(self):
        return self.title

    @property
    def question_list(self) -> list[str]:
        return lines(self.questions)


class InterviewNote(TerritoryOwned):
    """What was said in one section of the guide during one interview."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="notes", verbose_name=_("entretien")
    )
    section = models.ForeignKey(
        GuideSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("partie")
    )
    section_title = models.CharField(_("partie"), max_length=200)  # survives edits of the guide
    text = models.TextField(_("notes"), blank=True)

    territory_parent = "interview"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("notes d'entretien")
        verbose_name_plural = _("notes d'entretien")
        constraints = [models.UniqueConstraint(fields=["interview", "section"], name="one_note_per_section")]

    def __str__(self):
        return self.section_title


class IdeaSide(models.TextChoices):
    COMPANY = "company", _("Côté entreprises")
    TERRITORY = "territory", _("Côté territoire")


class CommitmentIdea(TerritoryOwned):
    """An idea of commitment that an interview brought out, before it becomes a commitment."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="ideas", verbose_name=_("entretien")
    )
    side = models.CharField(_("côté"), max_length=10, choices=IdeaSide)
    theme = models.ForeignKey(
        "commitments.Theme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("thématique"),
    )
    text = models.TextField(_("idée d'engagement"))

    territory_parent = "interview"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("idée d'engagement")
        verbose_name_plural = _("idées d'engagement")

    def __str__(self):
        return self.text

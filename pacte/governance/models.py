"""Step 5: governance principles, thematic groups and the calendar of economic events."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.companies.models import Membership
from pacte.core.models import TerritoryOwned, lines


class GovernancePrinciple(TerritoryOwned):
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(_("texte"))

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("principe de gouvernance")
        verbose_name_plural = _("principes de gouvernance")

    def __str__(self):
        return self.title


class ThematicGroup(TerritoryOwned):
    theme = models.ForeignKey(
        "commitments.Theme",
        on_delete=models.CASCADE,
        related_name="thematic_groups",
        verbose_name=_("thématique"),
    )
    name = models.CharField(_("nom"), max_length=200)
    objectives = models.TextField(_("objectifs (un par ligne)"), blank=True)
    participants = models.TextField(_("participants"), blank=True)
    animation = models.TextField(_("animation"), blank=True)
    example_indicators = models.TextField(_("exemples d'indicateurs (un par ligne)"), blank=True)
    partners = models.TextField(_("partenaires (un par ligne)"), blank=True)
    cadence = models.CharField(
        _("cadence"),
        max_length=12,
        choices=[
            ("trimestriel", _("Trimestrielle")),
            ("semestriel", _("Semestrielle")),
            ("annuel", _("Annuelle")),
            ("ad_hoc", _("Ad hoc")),
        ],
        blank=True,
    )

    territory_parent = "theme"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("groupe thématique")
        verbose_name_plural = _("groupes thématiques")

    def __str__(self):
        return self.name

    @property
    def objective_list(self):
        return lines(self.objectives)

    @property
    def example_indicator_list(self):
        return lines(self.example_indicators)

    @property
    def partner_list(self):
        return lines(self.partners)


class EconomicEvent(TerritoryOwned):
    """A yearly milestone of the territory's economic life (rencontre économique)."""

    name = models.CharField(_("nom"), max_length=200)
    date = models.DateField(_("date"))
    end_date = models.DateField(
        _("date de fin"), null=True, blank=True, help_text=_("Pour un événement de plusieurs jours.")
    )
    organiser = models.CharField(_("organisé par"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta(TerritoryOwned.Meta):
        ordering = ["date", "pk"]
        verbose_name = _("rencontre économique")
        verbose_name_plural = _("rencontres économiques")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("date")),
                name="economic_event_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.date:%d/%m/%Y})"


class Cadence(models.TextChoices):
    QUARTERLY = "trimestriel", _("Trimestrielle")
    SEMIANNUAL = "semestriel", _("Semestrielle")
    YEARLY = "annuel", _("Annuelle")
    AD_HOC = "ad_hoc", _("Ad hoc")


class Meeting(TerritoryOwned):
    """A meeting of a thematic group (committee): agenda, minutes, decisions. Elected officials are consulted,
    not members (source)."""

    group = models.ForeignKey(
        ThematicGroup, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("groupe")
    )
    starts_at = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=300, blank=True)
    agenda = models.TextField(_("ordre du jour"), blank=True)
    minutes = models.TextField(_("compte rendu"), blank=True)
    decisions = models.TextField(_("décisions (une par ligne)"), blank=True)

    territory_parent = "group"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["starts_at", "pk"]

    def __str__(self):
        return f"{self.group} — {self.starts_at:%d/%m/%Y}"


class FollowUpAction(TerritoryOwned):
    """An action decided in a meeting, with an owner and a due date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("réunion"))
    text = models.TextField(_("action"))
    owner = models.CharField(_("responsable"), max_length=200)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    done = models.BooleanField(_("faite"), default=False)

    territory_parent = "meeting"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("action de suivi")
        verbose_name_plural = _("actions de suivi")

    def __str__(self):
        return self.text


class ActionPlan(TerritoryOwned):
    """The company's own roadmap, after the source's sheet "Le pacte et vous"."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="action_plan")
    issues = models.TextField(_("les principaux enjeux que vous rencontrez sur le territoire"), blank=True)
    contribution = models.TextField(_("la contribution spécifique que vous pensez pouvoir apporter"), blank=True)
    territory_view = models.TextField(_("là où le territoire pense que l'entreprise aura le plus d'impact"), blank=True)
    success_1y = models.TextField(_("indicateurs de réussite à 1 an"), blank=True)
    success_3y = models.TextField(_("indicateurs de réussite à 3 ans"), blank=True)

    territory_parent = "membership"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("plan d'action")
        verbose_name_plural = _("plans d'action")

    def __str__(self):
        return str(self.membership.company)


class ActionKind(models.TextChoices):
    COMMITMENT = "commitment", _("Engagement de l'entreprise")
    SUPPORT = "support", _("Soutien attendu du territoire")


class Horizon(models.TextChoices):
    ONE_YEAR = "1y", _("À 1 an")
    THREE_YEARS = "3y", _("À 3 ans")


class Action(TerritoryOwned):
    """A line of an action plan: a commitment of the company (a company-side action of the pact, or its own),
    or a support it expects from the territory (a territory-side action)."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan"))
    kind = models.CharField(_("nature"), max_length=10, choices=ActionKind)
    company_action = models.ForeignKey(
        "commitments.CompanyAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory_action = models.ForeignKey(
        "commitments.TerritoryAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("action"), blank=True, help_text=_("Son propre engagement, ou une précision."))
    horizon = models.CharField(_("horizon"), max_length=2, choices=Horizon, default=Horizon.ONE_YEAR)
    indicator = models.ForeignKey(
        "indicators.Indicator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    territory_parent = "plan"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("action du plan")
        verbose_name_plural = _("actions du plan")

    def __str__(self):
        return self.text or str(self.company_action or self.territory_action or "")


class AnnualReview(TerritoryOwned):
    """The yearly review between the company and the territory."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reviews")
    year_number = models.PositiveSmallIntegerField(_("année d'adhésion"))  # 1, 2, 3
    due_on = models.DateField(_("prévue le"))
    held_on = models.DateField(_("tenue le"), null=True, blank=True)
    done = models.TextField(_("ce qui a été fait"), blank=True)
    next_year = models.TextField(_("le plan pour l'année suivante"), blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True, editable=False)

    territory_parent = "membership"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("revue annuelle")
        verbose_name_plural = _("revues annuelles")
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["membership", "year_number"], name="one_review_per_year")]

    def __str__(self):
        return f"{self.membership.company} — revue {self.year_number}"

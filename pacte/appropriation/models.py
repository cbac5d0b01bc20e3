"""Step 4 of the method, the appropriation of the pact: its restitution by widening circles.

Source: "ÉTAPE 4 : APPROPRIATION DU PACTE" (shared/source/pacte-industrie-territoire.txt): the démarche is
restituted first to the Copil Territoire d'industrie, then to the bureau communautaire, to all the elected
officials of the collectivity, and finally to all the economic actors.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned, lines


class Circle(models.TextChoices):
    """The circles of the restitution, in their widening order (the order of the choices)."""

    COPIL = "copil", _("Copil Territoire d'industrie")
    BUREAU = "bureau", _("Bureau communautaire")
    ELUS = "elus", _("Ensemble des élus")
    ACTEURS = "acteurs", _("Ensemble des acteurs économiques")


CIRCLE_RANK = {value: rank for rank, value in enumerate(Circle.values)}

# What each circle is presented, and to whom; the texts are the source's (its step-4 diagram), except the
# circle of all elected officials, which the source names ("puis, les élus de la collectivité au sens
# large") without a box of its own: it is given the démarche and the commitments, as the bureau.
CIRCLE_DEFAULTS = {
    Circle.COPIL: {
        "contents": [
            "Restitution de la démarche et des engagements",
            "La gouvernance du pacte est évoquée après ce moment d'appropriation",
        ],
        "audience_hint": "Les élus en charge du développement économique et les partenaires de Territoire "
        "d'industrie (ils ont normalement été entendus dès les entretiens).",
    },
    Circle.BUREAU: {
        "contents": [
            "Restitution de la démarche, des engagements et éventuelles réponses aux questions évoquées en "
            "COPIL Territoire d'industrie",
        ],
        "audience_hint": "Le bureau communautaire.",
    },
    Circle.ELUS: {
        "contents": ["Restitution de la démarche et des engagements"],
        "audience_hint": "Les élus de la collectivité au sens large.",
    },
    Circle.ACTEURS: {
        "contents": [
            "Restitution de la démarche, du diagnostic, des engagements",
            "Valorisation des fiertés industrielles locales",
            "Proposition d'une gouvernance et visibilité sur l'année à venir",
        ],
        "audience_hint": "L'ensemble des acteurs économiques (le pacte peut concerner également les entreprises "
        "hors du secteur industriel), en particulier lors des rencontres économiques locales.",
    },
}

QA_SEPARATOR = "—"  # how questions and answers were once typed in one text (split by migration 0002)


class Presentation(TerritoryOwned):
    """A restitution of the pact to one circle: what is presented, when, to whom, with which version of the
    document, the questions raised and the answers given. The default plan has one per circle; a territory
    may add more (e.g. a second economic meeting)."""

    circle = models.CharField(_("cercle"), max_length=10, choices=Circle)
    title = models.CharField(
        _("intitulé"),
        max_length=200,
        blank=True,
        help_text=_("Laissé vide, c'est le nom du cercle (ex. « Rencontre économique Boost'éco »)."),
    )
    contents = models.TextField(_("ce qui est présenté"), blank=True, help_text=_("Un élément par ligne."))
    date = models.DateField(_("date"), null=True, blank=True)
    audience = models.TextField(
        _("public"), blank=True, help_text=_("Qui était présent, combien de personnes (ex. « 32 élus »).")
    )
    version = models.ForeignKey(
        "publications.PactVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("version du pacte présentée"),
    )
    held = models.BooleanField(_("tenue"), default=False)

    territory_parent = "version"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("restitution")
        verbose_name_plural = _("restitutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(held=False) | Q(date__isnull=False),
                name="presentation_held_dated",
                violation_error_message=_("Une restitution tenue a une date."),
            ),
        ]

    def __str__(self):
        return self.heading

    @property
    def heading(self) -> str:
        return self.title or str(self.get_circle_display())

    @property
    def rank(self) -> tuple:
        return (CIRCLE_RANK.get(self.circle, len(CIRCLE_RANK)), self.order, self.pk or 0)

    @property
    def content_list(self) -> list[str]:
        return lines(self.contents)

    @property
    def audience_hint(self) -> str:
        return CIRCLE_DEFAULTS.get(self.circle, {}).get("audience_hint", "")

    @property
    def question_answers(self) -> list[tuple[str, str]]:
        """The questions raised, each with its answer ("" when none was given yet); uses the prefetched rows."""
        return [(q.question, q.answer) for q in self.questions.all()]


class PresentationQuestion(TerritoryOwned):
    """A question raised at a restitution, and the answer given (then or later); each in a field of its own."""

    presentation = models.ForeignKey(
        Presentation, on_delete=models.CASCADE, related_name="questions", verbose_name=_("restitution")
    )
    question = models.TextField(_("question posée"))
    answer = models.TextField(_("réponse apportée"), blank=True)

    territory_parent = "presentation"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("question posée à une restitution")
        verbose_name_plural = _("questions posées aux restitutions")

    def __str__(self):
        return self.question

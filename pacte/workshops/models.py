"""Step 2: co-construction workshops, participants' reactions and post-it ideas, and their resolution."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


def new_token() -> str:
    """An unguessable link token (about 128 bits)."""
    return secrets.token_urlsafe(16)


class WorkshopKind(models.TextChoices):
    COMMITMENTS = "commitments", _("Atelier #1 : les engagements du pacte")
    GOVERNANCE = "governance", _("Atelier #2 : la gouvernance du pacte")


# The questions of the source, asked to every participant.
COMMITMENT_QUESTIONS = [
    _("De manière générale : vous retrouvez-vous dans ces engagements ?"),
    _("Avez-vous des questions ou ajustements à apporter ?"),
    _("Avez-vous des vetos ?"),
]


class GovernanceQuestion(models.TextChoices):
    """The 4 questions of workshop #2 (source: "Atelier #2 : La gouvernance du pacte")."""

    DURATION = "duree", _("Quelle devrait être la durée d'adhésion et la fréquence de suivi ?")
    INDICATORS = "indicateurs", _("Qui devrait intervenir dans le suivi des indicateurs ?")
    INSTANCES = (
        "instances",
        _("Gouvernance thématique : sur quelles thématiques faut-il créer une instance spécifique ?"),
    )
    SUCCESS = "reussite", _("Pour vous, ce pacte sera réussi si...")


class WorkshopStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Ouvert aux réactions")
    CLOSED = "closed", _("Clos")


class Workshop(TerritoryOwned):
    kind = models.CharField(_("atelier"), max_length=12, choices=WorkshopKind)
    title = models.CharField(_("titre"), max_length=200)
    starts_at = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=300, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=180)
    status = models.CharField(_("statut"), max_length=8, choices=WorkshopStatus, default=WorkshopStatus.DRAFT)
    token = models.CharField(_("jeton du lien ouvert"), max_length=40, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["-starts_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def accepts_contributions(self) -> bool:
        return self.status == WorkshopStatus.OPEN


class Participant(TerritoryOwned):
    """Someone who reacts in a workshop, with no account: invited from the tracking file or come by the open link.

    A participant is known by an unguessable token (their personal link, or a cookie set by the open link).
    """

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="participants", verbose_name=_("atelier")
    )
    contact = models.ForeignKey(
        "stakeholders.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshop_participations",
        verbose_name=_("contact invité"),
    )
    name = models.CharField(_("nom affiché"), max_length=200, blank=True)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    on_paper = models.BooleanField(_("saisi depuis le papier"), default=False)
    created_at = models.DateTimeField(_("arrivé le"), auto_now_add=True)
    # Rate limiting: writes counted in a sliding one-minute window.
    window_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    window_writes = models.PositiveIntegerField(default=0, editable=False)

    territory_parent = "workshop"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "contact"],
                condition=models.Q(contact__isnull=False),
                name="one_invitation_per_contact",
            )
        ]

    def __str__(self):
        if self.contact_id:
            return self.contact.display_name
        return self.name or str(_("Participant anonyme"))


class ReactionKind(models.TextChoices):
    AGREE = "agree", _("D'accord")
    ADJUST = "adjust", _("Question ou ajustement")
    VETO = "veto", _("Veto")


class Resolution(TerritoryOwned):
    """The team's decision on vetoes and adjustments of one commitment: the change is accepted, or the text is kept."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Modification acceptée")
        KEPT = "kept", _("Texte maintenu")

    commitment = models.ForeignKey(
        "commitments.Commitment", on_delete=models.CASCADE, related_name="resolutions", verbose_name=_("engagement")
    )
    outcome = models.CharField(_("décision"), max_length=10, choices=Outcome)
    reason = models.TextField(_("motif"), blank=True)
    changes = models.TextField(_("modifications apportées"), blank=True)  # readable, one per line
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("décidé par")
    )
    decided_at = models.DateTimeField(_("décidé le"), auto_now_add=True)

    territory_parent = "commitment"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("résolution")
        verbose_name_plural = _("résolutions")
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"{self.commitment} — {self.get_outcome_display()}"


class Reaction(TerritoryOwned):
    """A participant's reaction to one commitment; one per participant and commitment (a new tap replaces it)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="reactions")
    commitment = models.ForeignKey("commitments.Commitment", on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(_("réaction"), max_length=8, choices=ReactionKind)
    comment = models.TextField(_("précision"), blank=True)
    resolution = models.ForeignKey(
        Resolution,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reactions",
        verbose_name=_("résolution"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the decision on it was emailed to the participant (pacte.workshops.decisions): sent once.
    decision_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    territory_parent = "participant"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("réaction")
        verbose_name_plural = _("réactions")
        constraints = [
            models.UniqueConstraint(fields=["participant", "commitment"], name="one_reaction_per_participant")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.commitment}"

    @property
    def needs_resolution(self) -> bool:
        return self.kind in (ReactionKind.ADJUST, ReactionKind.VETO) and self.resolution_id is None


class Idea(TerritoryOwned):
    """A post-it: one idea, on a commitment (workshop #1) or on a governance question (workshop #2)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="ideas", verbose_name=_("atelier"))
    participant = models.ForeignKey(
        Participant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
        verbose_name=_("participant"),
    )
    commitment = models.ForeignKey(
        "commitments.Commitment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshop_ideas",
        verbose_name=_("engagement"),
    )
    question = models.CharField(_("question"), max_length=12, choices=GovernanceQuestion, blank=True)
    text = models.TextField(_("idée"))
    typed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saisie par"),
    )
    # Sent by the form with each post-it: a resent form or a double tap carries the same key and adds nothing.
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)
    decision_sent_at = models.DateTimeField(null=True, blank=True, editable=False)  # as Reaction's

    territory_parent = "workshop"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("idée (post-it)")
        verbose_name_plural = _("idées (post-its)")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "client_key"], condition=~models.Q(client_key=""), name="one_idea_per_client_key"
            )
        ]

    def __str__(self):
        return self.text

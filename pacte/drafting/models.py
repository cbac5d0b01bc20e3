"""The evidence trail of step 3: which interview ideas, findings and post-its a commitment's text was written from.

The drafting app sits above the apps it reads (commitments, interviews, workshops, governance, publications,
territories): nothing below imports it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned


class EvidenceKind(models.TextChoices):
    IDEA = "idea", _("idée d'engagement (entretien)")
    FINDING = "finding", _("constat du diagnostic")
    POSTIT = "postit", _("post-it d'atelier")


class EvidenceLink(TerritoryOwned):
    """One source (an interview's commitment idea, a finding or a workshop post-it) used for one commitment, and the
    action it created or amended when there is one. The link stays when the action's text is edited, when the
    action is removed (the commitment keeps its source) and across frozen versions."""

    commitment = models.ForeignKey(
        "commitments.Commitment", on_delete=models.CASCADE, related_name="evidence_links", verbose_name=_("engagement")
    )
    company_action = models.ForeignKey(
        "commitments.CompanyAction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_links",
        verbose_name=_("action des entreprises"),
    )
    territory_action = models.ForeignKey(
        "commitments.TerritoryAction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_links",
        verbose_name=_("action du territoire"),
    )
    kind = models.CharField(_("nature"), max_length=10, choices=EvidenceKind)
    idea = models.ForeignKey(
        "interviews.CommitmentIdea",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence_links",
        verbose_name=_("idée d'engagement"),
    )
    finding = models.ForeignKey(
        "interviews.Finding",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence_links",
        verbose_name=_("constat"),
    )
    postit = models.ForeignKey(
        "workshops.Idea",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence_links",
        verbose_name=_("post-it"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lié par"),
    )
    created_at = models.DateTimeField(_("lié le"), auto_now_add=True)

    territory_parent = "commitment"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("source d'un engagement")
        verbose_name_plural = _("sources des engagements")
        ordering = ["created_at", "pk"]
        constraints = [
            # Exactly the source its kind names.
            models.CheckConstraint(
                condition=(
                    Q(kind="idea", idea__isnull=False, finding__isnull=True, postit__isnull=True)
                    | Q(kind="finding", idea__isnull=True, finding__isnull=False, postit__isnull=True)
                    | Q(kind="postit", idea__isnull=True, finding__isnull=True, postit__isnull=False)
                ),
                name="evidence_link_one_source",
            ),
            models.CheckConstraint(
                condition=Q(company_action__isnull=True) | Q(territory_action__isnull=True),
                name="evidence_link_one_side",
            ),
            models.UniqueConstraint(
                fields=["commitment", "idea"], condition=Q(idea__isnull=False), name="evidence_idea_once"
            ),
            models.UniqueConstraint(
                fields=["commitment", "finding"], condition=Q(finding__isnull=False), name="evidence_finding_once"
            ),
            models.UniqueConstraint(
                fields=["commitment", "postit"], condition=Q(postit__isnull=False), name="evidence_postit_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.commitment}"

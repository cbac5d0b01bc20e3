"""Closing the participant's loop: the team's decision on each veto, adjustment and post-it, shown on the
participant's own page and emailed to the invited participants once the commitments are frozen again.

A reaction carries its decision (Reaction.resolution). A post-it on a commitment is answered by the decisions
taken on that commitment after it was written (the latest one).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.core.models import lines

from .models import Idea, Participant, Reaction, ReactionKind, Resolution


@dataclass
class Decision:
    """What the participant said on a commitment, and what the team decided (None: still waiting)."""

    commitment_title: str
    said_kind: str  # "Veto", "Question ou ajustement", "Post-it"
    said: str
    resolution: Resolution | None
    item: object  # the Reaction or the Idea

    @property
    def accepted(self) -> bool:
        return self.resolution is not None and self.resolution.outcome == Resolution.Outcome.ACCEPTED

    @property
    def changes(self) -> list[str]:
        return lines(self.resolution.changes) if self.resolution else []


def participant_decisions(participant: Participant) -> list[Decision]:
    """The participant's vetoes, adjustments and post-its on commitments, each with the decision taken (3 queries)."""
    reactions = list(
        Reaction.objects.filter(participant=participant, kind__in=[ReactionKind.VETO, ReactionKind.ADJUST])
        .select_related("commitment", "resolution")
        .order_by("commitment__theme__order", "commitment__order", "pk")
    )
    ideas = list(
        Idea.objects.filter(participant=participant, commitment__isnull=False)
        .select_related("commitment")
        .order_by("commitment__theme__order", "commitment__order", "created_at", "pk")
    )
    latest = {}
    for resolution in Resolution.objects.filter(commitment_id__in={i.commitment_id for i in ideas}).order_by(
        "decided_at", "pk"
    ):
        latest.setdefault(resolution.commitment_id, []).append(resolution)

    def answer(idea):
        after = [r for r in latest.get(idea.commitment_id, []) if r.decided_at >= idea.created_at]
        return after[-1] if after else None

    decisions = [Decision(r.commitment.title, r.get_kind_display(), r.comment, r.resolution, r) for r in reactions] + [
        Decision(i.commitment.title, _("Post-it"), i.text, answer(i), i) for i in ideas
    ]
    return decisions


def _recipients(territory):
    """The invited participants of the territory's workshops who have an email address (1 query)."""
    return (
        Participant.objects.for_territory(territory)
        .filter(contact__isnull=False)
        .exclude(contact__email="")
        .select_related("contact", "workshop")
        .order_by("pk")
    )


@transaction.atomic
def decisions_send(*, territory) -> int:
    """Email each invited participant the decisions taken on what they said and not sent yet: one email per
    participant, each decision sent once (Reaction/Idea.decision_sent_at). Returns the number of emails sent."""
    sent = 0
    now = timezone.now()
    for participant in _recipients(territory).select_for_update(of=("self",)):
        decided = [
            d
            for d in participant_decisions(participant)
            if d.resolution is not None and d.item.decision_sent_at is None
        ]
        if not decided:
            continue
        context = {"participant": participant, "workshop": participant.workshop, "decisions": decided}
        subject = _("Les suites données à vos réponses — %(w)s") % {"w": participant.workshop.title}
        body = render_to_string("workshops/email_decisions.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [participant.contact.email])
        Reaction.objects.filter(pk__in=[d.item.pk for d in decided if isinstance(d.item, Reaction)]).update(
            decision_sent_at=now
        )
        Idea.objects.filter(pk__in=[d.item.pk for d in decided if isinstance(d.item, Idea)]).update(
            decision_sent_at=now
        )
        sent += 1
    return sent


def on_commitments_frozen(sender, instance, created, **kwargs):
    """A new version of the commitments is frozen: the decisions it carries are final, and are sent."""
    if created and not kwargs.get("raw"):
        territory = instance.territory
        transaction.on_commit(lambda: decisions_send(territory=territory))

"""Step 2 rules: workshops, participants, reactions and post-its, the live board, and the resolution of vetoes."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.commitments.models import Commitment
from pacte.commitments.services import commitment_revise, commitments_version_first
from pacte.core.models import JournalVerb, journal_write

from .models import (
    GovernanceQuestion,
    Idea,
    Participant,
    Reaction,
    ReactionKind,
    Resolution,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)

WRITES_PER_MINUTE = 30  # one phone cannot flood the board: 30 reactions or post-its a minute is plenty by hand
IDEA_MAX_LENGTH = 1000


class WorkshopError(ValueError):
    """A refusal to show to the participant or the team, in French."""


class WorkshopThrottled(WorkshopError):
    """Refused by the rate limit (the views answer it with HTTP 429)."""


# --- the workshop -----------------------------------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *,
    territory,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    place: str = "",
    duration_minutes: int = 180,
    actor=None,
) -> Workshop:
    """A workshop; the first one freezes version 1 of the commitments (the draft from the interviews)."""
    workshop = Workshop.objects.create(
        territory=territory,
        kind=kind,
        title=title,
        starts_at=starts_at,
        place=place,
        duration_minutes=duration_minutes,
    )
    commitments_version_first(territory=territory, actor=actor)
    return workshop


def workshop_set_status(*, workshop: Workshop, status: str) -> Workshop:
    if status not in WorkshopStatus.values:
        raise WorkshopError(status)
    Workshop.objects.filter(pk=workshop.pk).update(status=status)
    workshop.status = status
    return workshop


def participants_invite(*, workshop: Workshop, contacts) -> list[Participant]:
    """Personal links for contacts of the tracking file (a contact already invited keeps their link)."""
    contacts = [c for c in contacts if c.territory_id == workshop.territory_id]
    already = set(workshop.participants.filter(contact__in=contacts).values_list("contact_id", flat=True))
    Participant.objects.bulk_create(
        [
            Participant(territory=workshop.territory, workshop=workshop, contact=c)
            for c in contacts
            if c.pk not in already
        ]
    )
    return list(workshop.participants.filter(contact__in=contacts).select_related("contact__stakeholder"))


def participant_join(*, workshop: Workshop, name: str = "") -> Participant:
    """Someone arrives by the workshop's open link."""
    if not workshop.accepts_contributions:
        raise WorkshopError(_("Cet atelier n'est pas ouvert aux réactions."))
    return Participant.objects.create(territory=workshop.territory, workshop=workshop, name=name.strip()[:200])


def participant_throttle(*, participant: Participant, now: datetime.datetime | None = None) -> None:
    """Count one write; refuse it when the participant exceeds WRITES_PER_MINUTE (a one-minute window).

    The participant's row is locked for the read and the write, so that a burst of simultaneous requests
    from one phone is counted request by request (and a new window is opened once).
    """
    now = now or timezone.now()
    window_start = now - datetime.timedelta(minutes=1)
    with transaction.atomic():
        current = (
            Participant.objects.select_for_update().only("window_started_at", "window_writes").get(pk=participant.pk)
        )
        if current.window_started_at is None or current.window_started_at <= window_start:
            started, writes = now, 1
        else:
            started, writes = current.window_started_at, current.window_writes + 1
        Participant.objects.filter(pk=participant.pk).update(window_started_at=started, window_writes=writes)
    if writes > WRITES_PER_MINUTE:
        raise WorkshopThrottled(_("Trop de réponses en une minute : patientez un instant avant de continuer."))


def _check_open(workshop: Workshop) -> None:
    if not workshop.accepts_contributions:
        raise WorkshopError(
            _("Cet atelier est clos : il n'accepte plus de réponse.")
            if workshop.status == WorkshopStatus.CLOSED
            else _("Cet atelier n'est pas encore ouvert aux réactions.")
        )


def reaction_record(*, participant: Participant, commitment: Commitment, kind: str, comment: str = "") -> Reaction:
    """A participant's reaction to a commitment. A new tap replaces the previous one: never counted twice."""
    workshop = participant.workshop
    _check_open(workshop)
    if workshop.kind != WorkshopKind.COMMITMENTS:
        raise WorkshopError(_("Cet atelier ne porte pas sur les engagements."))
    if commitment.territory_id != participant.territory_id:
        raise WorkshopError(_("Cet engagement n'est pas celui de cet atelier."))
    if kind not in ReactionKind.values:
        raise WorkshopError(_("Réaction inconnue."))
    participant_throttle(participant=participant)
    comment = comment.strip()[:IDEA_MAX_LENGTH]
    for _attempt in range(2):  # two simultaneous first taps: the second insert fails and becomes an update
        try:
            with transaction.atomic():
                reaction = (
                    Reaction.objects.select_for_update().filter(participant=participant, commitment=commitment).first()
                )
                if reaction is None:
                    return Reaction.objects.create(
                        territory=participant.territory,
                        participant=participant,
                        commitment=commitment,
                        kind=kind,
                        comment=comment,
                    )
                if (reaction.kind, reaction.comment) != (kind, comment):
                    reaction.resolution = None  # a changed reaction (kind or words) needs a new decision
                    reaction.kind, reaction.comment = kind, comment
                    reaction.save(update_fields=["kind", "comment", "resolution", "updated_at"])
                return reaction
        except IntegrityError:
            continue
    raise WorkshopError(_("Votre réaction n'a pas pu être enregistrée : réessayez."))


def idea_record(
    *,
    workshop: Workshop,
    text: str,
    participant: Participant | None = None,
    commitment: Commitment | None = None,
    question: str = "",
    client_key: str = "",
    typed_by=None,
    on_paper: bool = False,
) -> tuple[Idea, bool]:
    """A post-it. With a client_key, sending the same post-it twice adds it once. Returns (idea, created)."""
    text = " ".join(text.split())
    if not text:
        raise WorkshopError(_("Le post-it est vide."))
    if len(text) > IDEA_MAX_LENGTH:
        raise WorkshopError(_("Un post-it tient en %(n)s caractères au plus.") % {"n": IDEA_MAX_LENGTH})
    if commitment is not None and commitment.territory_id != workshop.territory_id:
        raise WorkshopError(_("Cet engagement n'est pas celui de cet atelier."))
    if question and question not in GovernanceQuestion.values:
        raise WorkshopError(_("Question inconnue."))
    if not (on_paper or typed_by):  # the facilitator may type post-its in after the workshop is closed
        _check_open(workshop)
    client_key = client_key[:64]
    if client_key:
        existing = Idea.objects.filter(workshop=workshop, client_key=client_key).first()
        if existing is not None:
            return existing, False
    if participant is not None:
        participant_throttle(participant=participant)
    try:
        with transaction.atomic():
            idea = Idea.objects.create(
                territory=workshop.territory,
                workshop=workshop,
                participant=participant,
                commitment=commitment,
                question=question,
                text=text,
                client_key=client_key,
                typed_by=typed_by,
            )
    except IntegrityError:  # the same key, sent twice at the same moment
        return Idea.objects.get(workshop=workshop, client_key=client_key), False
    return idea, True


PAPER_PREFIXES = {
    "veto": ReactionKind.VETO,
    "ajustement": ReactionKind.ADJUST,
    "question": ReactionKind.ADJUST,
    "accord": ReactionKind.AGREE,
    "d'accord": ReactionKind.AGREE,
}


@transaction.atomic
def paper_type_in(
    *,
    workshop: Workshop,
    lines: str,
    commitment: Commitment | None = None,
    question: str = "",
    typed_by=None,
    client_key: str = "",
) -> dict:
    """Post-its of a paper workshop, typed in by the facilitator: one idea per line, all on one commitment or question.

    On a commitment, a line that starts with "veto :", "ajustement :", "question :" or "accord :" is a reaction of
    its own (from a paper participant), so that paper vetoes are resolved like the others. With a client_key (one per
    form), the same batch sent twice is typed in once: the second time, nothing is added and "duplicate" is True.
    An error names its line and writes nothing.
    """
    counts = {"ideas": 0, "reactions": 0, "duplicate": False}
    key = client_key[:32]
    if key and (
        Idea.objects.filter(workshop=workshop, client_key__startswith=f"{key}:").exists()
        or Participant.objects.filter(workshop=workshop, token__startswith=f"p-{key}-").exists()
    ):
        counts["duplicate"] = True
        return counts
    for number, raw in enumerate(lines.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        head, sep, rest = line.partition(":")
        kind = PAPER_PREFIXES.get(head.strip().lower()) if sep else None
        if kind and commitment is not None:
            participant = Participant.objects.create(
                territory=workshop.territory,
                workshop=workshop,
                on_paper=True,
                name=_("Post-it papier"),
                **({"token": f"p-{key}-{number}"} if key else {}),
            )
            Reaction.objects.create(
                territory=workshop.territory,
                participant=participant,
                commitment=commitment,
                kind=kind,
                comment=" ".join(rest.split())[:IDEA_MAX_LENGTH],
            )
            counts["reactions"] += 1
        else:
            try:
                idea_record(
                    workshop=workshop,
                    text=line,
                    commitment=commitment,
                    question=question,
                    typed_by=typed_by,
                    on_paper=True,
                    client_key=f"{key}:{number}" if key else "",
                )
            except WorkshopError as error:
                raise WorkshopError(_("Ligne %(n)s : %(error)s") % {"n": number, "error": error}) from error
            counts["ideas"] += 1
    return counts


# --- the live board -------------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    commitment: Commitment
    agree: int = 0
    adjust: int = 0
    veto: int = 0
    ideas: list = field(default_factory=list)
    vetoes: list = field(default_factory=list)  # the vetoes' comments, shown on the board


def workshop_board(*, workshop: Workshop, ideas_shown: int = 200) -> dict:
    """Everything the room's board shows, in a fixed number of queries."""
    commitments = list(
        Commitment.objects.for_territory(workshop.territory)
        .select_related("theme")
        .order_by("theme__order", "theme__pk", "order", "pk")
    )  # 1 query
    rows = {c.pk: BoardRow(c) for c in commitments}
    counts = (
        Reaction.objects.filter(participant__workshop=workshop)
        .order_by()
        .values("commitment_id")
        .annotate(
            agree=Count("pk", filter=Q(kind=ReactionKind.AGREE)),
            adjust=Count("pk", filter=Q(kind=ReactionKind.ADJUST)),
            veto=Count("pk", filter=Q(kind=ReactionKind.VETO)),
        )
    )  # 1 query
    for row in counts:
        if row["commitment_id"] in rows:
            board_row = rows[row["commitment_id"]]
            board_row.agree, board_row.adjust, board_row.veto = row["agree"], row["adjust"], row["veto"]
    for reaction in Reaction.objects.filter(participant__workshop=workshop, kind=ReactionKind.VETO).exclude(comment=""):
        if reaction.commitment_id in rows:  # 1 query
            rows[reaction.commitment_id].vetoes.append(reaction.comment)
    ideas = list(workshop.ideas.order_by("-created_at", "-pk")[:ideas_shown])  # 1 query
    by_question = {q: [] for q in GovernanceQuestion.values}
    for idea in reversed(ideas):
        if idea.commitment_id in rows:
            rows[idea.commitment_id].ideas.append(idea)
        elif idea.question:
            by_question[idea.question].append(idea)
    return {
        "rows": list(rows.values()),
        "questions": [(q, label, by_question[q]) for q, label in GovernanceQuestion.choices],
        "participants": workshop.participants.filter(on_paper=False).count(),  # 1 query (paper post-its are nobody)
        "vetoes_total": sum(r.veto for r in rows.values()),
        "ideas_total": workshop.ideas.count(),  # 1 query
        "updated_at": timezone.now(),
    }


# --- resolution -------------------------------------------------------------------------------------------------


def unresolved(*, territory, kinds=(ReactionKind.VETO, ReactionKind.ADJUST)):
    """Vetoes and adjustments that still wait for a decision."""
    return Reaction.objects.for_territory(territory).filter(kind__in=kinds, resolution__isnull=True)


@transaction.atomic
def resolution_record(
    *,
    commitment: Commitment,
    reactions,
    outcome: str,
    reason: str = "",
    wording: dict | None = None,
    actor=None,
) -> Resolution:
    """Decide on vetoes and adjustments of a commitment: accept a new wording, or keep the text with a reason."""
    wanted = {r.pk for r in reactions}
    if not wanted:
        raise WorkshopError(_("Choisissez au moins une réaction à traiter."))
    # Locked, still pending, on this commitment: two decisions taken at the same moment cannot both apply.
    reactions = list(
        Reaction.objects.select_for_update().filter(
            pk__in=wanted,
            commitment=commitment,
            resolution__isnull=True,
            kind__in=[ReactionKind.VETO, ReactionKind.ADJUST],
        )
    )
    if len(reactions) != len(wanted):
        raise WorkshopError(
            _("Certaines de ces réactions ont déjà été tranchées entre-temps, ou ne portent pas sur cet engagement.")
        )
    changes = []
    if outcome == Resolution.Outcome.ACCEPTED:
        if wording is None:
            raise WorkshopError(_("Indiquez la nouvelle rédaction de l'engagement."))
        changes = commitment_revise(commitment=commitment, **wording)
        if not changes:
            raise WorkshopError(
                _("La rédaction n'a pas changé : modifiez-la, ou maintenez le texte en donnant un motif.")
            )
    elif outcome == Resolution.Outcome.KEPT:
        if not reason.strip():
            raise WorkshopError(_("Donnez le motif pour lequel le texte est maintenu."))
    else:
        raise WorkshopError(_("Décision inconnue."))
    resolution = Resolution.objects.create(
        territory=commitment.territory,
        commitment=commitment,
        outcome=outcome,
        reason=reason.strip(),
        changes="\n".join(changes),
        decided_by=actor,
    )
    Reaction.objects.filter(pk__in=[r.pk for r in reactions]).update(resolution=resolution)
    journal_write(
        territory=commitment.territory,
        verb=JournalVerb.RESOLUTION_RECORDED,
        actor=actor,
        message=_("« %(c)s » : %(outcome)s (%(n)s réaction(s)).")
        % {"c": commitment.title, "outcome": resolution.get_outcome_display(), "n": len(reactions)},
    )
    return resolution

"""Step 2 rules: workshops, participants, reactions and post-its, the live board, and the resolution of vetoes."""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacte.commitments.models import Commitment
from pacte.commitments.services import commitment_revise, commitments_version_first
from pacte.core.models import JournalVerb, journal_write
from pacte.core.throttle import Throttled, throttle

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
# Joins by the open link, counted in windows of JOIN_PERIOD seconds: per client address (a room of 100 phones on
# the venue's Wi-Fi shares one address, and still gets in) and per workshop (bounds what a flood adds to the board).
JOIN_PERIOD = 600
JOINS_PER_ADDRESS = 150
JOINS_PER_WORKSHOP = 1000
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


def _last_join_key(workshop: Workshop, address: str) -> str:
    return f"workshop-last-join:{workshop.pk}:{address}"


def join_throttle(*, workshop: Workshop, address: str) -> None:
    """Before a join by the open link from `address`: raise Throttled (a French 429) past the join limits, or while
    the participant who last joined from this address is held by the write limit, so that joining again (with the
    cookie cleared) does not give a new minute of writes. Counted through the cache (pacte.core.throttle)."""
    last = cache.get(_last_join_key(workshop, address))
    if last is not None:
        wait = participant_wait(participant_pk=last)
        if wait:
            raise Throttled(retry_after=wait, scope="workshop-rejoin")
    throttle(scope="workshop-join", key=f"{address}:{workshop.pk}", limit=JOINS_PER_ADDRESS, period=JOIN_PERIOD)
    throttle(scope="workshop-join-all", key=str(workshop.pk), limit=JOINS_PER_WORKSHOP, period=JOIN_PERIOD)


def join_remember(*, participant: Participant, address: str) -> None:
    """Remember, for a minute (the write limit's window), who last joined the workshop from this address."""
    cache.set(_last_join_key(participant.workshop, address), participant.pk, timeout=60)


def participant_join(*, workshop: Workshop, name: str = "") -> Participant:
    """Someone arrives by the workshop's open link."""
    if not workshop.accepts_contributions:
        raise WorkshopError(_("Cet atelier n'est pas ouvert aux réactions."))
    return Participant.objects.create(territory=workshop.territory, workshop=workshop, name=name.strip()[:200])


def participant_throttle(*, participant: Participant, now: datetime.datetime | None = None) -> None:
    """Count one write; refuse it when the participant exceeds WRITES_PER_MINUTE (a one-minute window).

    One UPDATE, atomic on its own, with no transaction around it: it counts the write only while the window has
    room (or opens a new window), and says by its row count whether it did. Simultaneous requests of one phone are
    counted one by one (PostgreSQL re-checks the condition on the row it waited for; SQLite runs writes one at a
    time), and no read lock ever has to be upgraded to a write lock (SQLite's "database is locked").
    """
    now = now or timezone.now()
    expired = Q(window_started_at__isnull=True) | Q(window_started_at__lte=now - datetime.timedelta(minutes=1))
    counted = (
        Participant.objects.filter(pk=participant.pk)
        .filter(expired | Q(window_writes__lt=WRITES_PER_MINUTE))
        .update(
            window_writes=Case(When(expired, then=Value(1)), default=F("window_writes") + 1),
            window_started_at=Case(When(expired, then=Value(now)), default=F("window_started_at")),
        )
    )
    if not counted:
        raise WorkshopThrottled(_("Trop de réponses en une minute : patientez un instant avant de continuer."))


def participant_wait(*, participant_pk: int, now: datetime.datetime | None = None) -> int:
    """Seconds until this participant may write again (0: they may write now)."""
    now = now or timezone.now()
    window = Participant.objects.filter(pk=participant_pk).values_list("window_started_at", "window_writes").first()
    if window is None or window[0] is None or window[1] < WRITES_PER_MINUTE:
        return 0
    remaining = (window[0] + datetime.timedelta(minutes=1) - now).total_seconds()
    return max(0, int(remaining) + 1) if remaining > 0 else 0


def _insert_returning(model, sql: str, params: list):
    """Runs one INSERT … RETURNING * (an upsert) and returns the row as a model instance, or None if no row came
    back (ON CONFLICT DO NOTHING). One statement: atomic by itself, no transaction needed around it."""
    rows = list(model.objects.raw(sql, params))
    return rows[0] if rows else None


def _check_open(workshop: Workshop) -> None:
    if not workshop.accepts_contributions:
        raise WorkshopError(
            _("Cet atelier est clos : il n'accepte plus de réponse.")
            if workshop.status == WorkshopStatus.CLOSED
            else _("Cet atelier n'est pas encore ouvert aux réactions.")
        )


def pact_reaction_arrived(*, reaction) -> None:
    from pacte.publications.services import pact_reaction_arrived as arrived  # publications imports this module

    arrived(reaction=reaction)


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
    # One upsert: a double tap or two phones of one participant can never add a second row; a reaction whose kind
    # or words change needs a new decision (its resolution is cleared), the same tap again keeps it.
    quote = connection.ops.quote_name
    table = quote(Reaction._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    same = f"{table}.{quote('kind')} = excluded.{quote('kind')} AND {table}.{quote('comment')} = excluded.{quote('comment')}"
    sql = (
        f"INSERT INTO {table} ({quote('territory_id')}, {quote('order')}, {quote('participant_id')}, "
        f"{quote('commitment_id')}, {quote('kind')}, {quote('comment')}, {quote('resolution_id')}, "
        f"{quote('created_at')}, {quote('updated_at')}) VALUES (%s, 0, %s, %s, %s, %s, NULL, %s, %s) "
        f"ON CONFLICT ({quote('participant_id')}, {quote('commitment_id')}) DO UPDATE SET "
        f"{quote('resolution_id')} = CASE WHEN {same} THEN {table}.{quote('resolution_id')} ELSE NULL END, "
        f"{quote('updated_at')} = CASE WHEN {same} THEN {table}.{quote('updated_at')} "
        f"ELSE excluded.{quote('updated_at')} END, "
        f"{quote('kind')} = excluded.{quote('kind')}, {quote('comment')} = excluded.{quote('comment')} "
        "RETURNING *"
    )
    params = [participant.territory_id, participant.pk, commitment.pk, kind, comment, now, now]
    reaction = _insert_returning(Reaction, sql, params)
    pact_reaction_arrived(reaction=reaction)  # a validated pact goes back to draft
    return reaction


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
    if participant is not None:  # a resent post-it counts as a tap, but adds nothing
        participant_throttle(participant=participant)
    if not client_key:
        idea = Idea.objects.create(
            territory=workshop.territory,
            workshop=workshop,
            participant=participant,
            commitment=commitment,
            question=question,
            text=text,
            typed_by=typed_by,
        )
        return idea, True
    # One statement: the post-it, unless this form's key is already stored (a resent form, a double tap).
    quote = connection.ops.quote_name
    table = quote(Idea._meta.db_table)
    columns = ["territory_id", "order", "workshop_id", "participant_id", "commitment_id", "question", "text"]
    columns += ["typed_by_id", "client_key", "created_at"]
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote('workshop_id')}, {quote('client_key')}) WHERE NOT ({quote('client_key')} = '') "
        "DO NOTHING RETURNING *"
    )
    params = [
        workshop.territory_id,
        0,
        workshop.pk,
        participant.pk if participant else None,
        commitment.pk if commitment else None,
        question,
        text,
        typed_by.pk if typed_by else None,
        client_key,
        connection.ops.adapt_datetimefield_value(timezone.now()),
    ]
    idea = _insert_returning(Idea, sql, params)
    if idea is None:
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
            reaction = Reaction.objects.create(
                territory=workshop.territory,
                participant=participant,
                commitment=commitment,
                kind=kind,
                comment=" ".join(rest.split())[:IDEA_MAX_LENGTH],
            )
            pact_reaction_arrived(reaction=reaction)  # a validated pact goes back to draft
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


@dataclass(frozen=True)
class BoardNote:
    """A post-it on the board, or a veto's comment: only what the board shows."""

    pk: int
    commitment_id: int | None
    created_at: datetime.datetime
    question: str
    text: str


def _count_of(queryset, key: str):
    """A correlated COUNT(*) of `queryset` rows whose `key` is the outer workshop."""
    counted = queryset.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def workshops_with_board_totals(queryset):
    """Workshops with the board's two totals, counted in the same query as the workshop (paper post-its are
    nobody: they do not count as participants)."""
    return queryset.annotate(
        board_participants=_count_of(Participant.objects.filter(on_paper=False), "workshop"),
        board_ideas=_count_of(Idea.objects.all(), "workshop"),
    )


def workshop_board(*, workshop: Workshop, ideas_shown: int = 200) -> dict:
    """Everything the room's board shows, in 2 queries (4 if the workshop was not read with
    workshops_with_board_totals()), whatever the number of participants, reactions and post-its."""
    reactions = Q(reactions__participant__workshop=workshop)
    commitments = list(
        Commitment.objects.for_territory(workshop.territory_id)
        .select_related("theme")
        .annotate(
            agree=Count("reactions", filter=reactions & Q(reactions__kind=ReactionKind.AGREE)),
            adjust=Count("reactions", filter=reactions & Q(reactions__kind=ReactionKind.ADJUST)),
            veto=Count("reactions", filter=reactions & Q(reactions__kind=ReactionKind.VETO)),
        )
        .order_by("theme__order", "theme__pk", "order", "pk")
    )  # 1 query: the commitments, their theme and the workshop's reactions counted by kind
    rows = {c.pk: BoardRow(c, agree=c.agree, adjust=c.adjust, veto=c.veto) for c in commitments}
    columns = ("pk", "commitment_id", "created_at", "note_question", "note_text", "note_veto")
    latest = Idea.objects.filter(workshop=workshop).order_by("-created_at", "-pk").values("pk")[:ideas_shown]
    ideas = (
        Idea.objects.filter(pk__in=Subquery(latest))
        .order_by()
        .annotate(note_question=F("question"), note_text=F("text"), note_veto=Value(False))
        .values_list(*columns)
    )
    vetoes = (
        Reaction.objects.filter(participant__workshop=workshop, kind=ReactionKind.VETO)
        .exclude(comment="")
        .order_by()
        .annotate(note_question=Value("", output_field=CharField()), note_text=F("comment"), note_veto=Value(True))
        .values_list(*columns)
    )
    notes = sorted(ideas.union(vetoes, all=True), key=lambda n: (n[2], n[0]))  # 1 query: post-its and vetoes
    by_question = {q: [] for q in GovernanceQuestion.values}
    for pk, commitment_id, created_at, question, text, is_veto in notes:
        note = BoardNote(pk, commitment_id, created_at, question, text)
        if is_veto:
            if commitment_id in rows:
                rows[commitment_id].vetoes.append(text)
        elif commitment_id in rows:
            rows[commitment_id].ideas.append(note)
        elif question:
            by_question[question].append(note)
    totals = getattr(workshop, "board_participants", None), getattr(workshop, "board_ideas", None)
    if None in totals:
        totals = (
            workshop.participants.filter(on_paper=False).count(),  # 1 query
            workshop.ideas.count(),  # 1 query
        )
    return {
        "rows": list(rows.values()),
        "questions": [(q, label, by_question[q]) for q, label in GovernanceQuestion.choices],
        "participants": totals[0],
        "vetoes_total": sum(r.veto for r in rows.values()),
        "ideas_total": totals[1],
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
        message=ngettext(
            "« %(c)s » : %(outcome)s (%(n)s réaction).", "« %(c)s » : %(outcome)s (%(n)s réactions).", len(reactions)
        )
        % {"c": commitment.title, "outcome": resolution.get_outcome_display(), "n": len(reactions)},
    )
    return resolution

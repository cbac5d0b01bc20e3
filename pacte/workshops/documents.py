"""The workshop's documents: the handout (the draft commitments), the sheet with the link and its QR code,
the results spreadsheet and the synthesis (PDF through WeasyPrint, offline; XLSX through openpyxl)."""

import io
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.core.pdf import template_to_pdf
from pacte.stakeholders.tracking_file import _safe_cell

from .models import (
    COMMITMENT_QUESTIONS,
    GovernanceQuestion,
    Idea,
    Reaction,
    ReactionKind,
    Resolution,
    Workshop,
    WorkshopKind,
)

STYLESHEET = "workshops/pdf.css"


# --- shared reading ---------------------------------------------------------------------------------------------


def workshop_questions(workshop: Workshop) -> list[str]:
    """The questions asked in this workshop: the 3 of workshop #1, or the 4 of workshop #2."""
    if workshop.kind == WorkshopKind.GOVERNANCE:
        return [str(label) for label in GovernanceQuestion.labels]
    return [str(question) for question in COMMITMENT_QUESTIONS]


def commitments_numbered(*, territory) -> list[tuple[Theme, list[Commitment]]]:
    """The territory's themes and commitments, in the pact's order, each commitment numbered from 1 across
    themes (`commitment.number`) so that participants can refer to "Engagement 3". 4 queries."""
    themes = Theme.objects.for_territory(territory).prefetch_related(
        Prefetch(
            "commitments",
            queryset=Commitment.objects.order_by("order", "pk").prefetch_related(
                Prefetch("company_actions", queryset=CompanyAction.objects.order_by("order", "pk")),
                Prefetch("territory_actions", queryset=TerritoryAction.objects.order_by("order", "pk")),
            ),
        )
    )
    result, number = [], 0
    for theme in themes:
        commitments = list(theme.commitments.all())
        for commitment in commitments:
            number += 1
            commitment.number = number
        if commitments:
            result.append((theme, commitments))
    return result


def participant_label(participant) -> str:
    if participant is None:
        return ""
    if participant.contact_id:
        return participant.contact.full_name
    return participant.name or _("Participant anonyme")


def participant_entity(participant) -> str:
    return participant.contact.stakeholder.name if participant is not None and participant.contact_id else ""


def idea_author(idea: Idea) -> str:
    if idea.participant_id:
        return participant_label(idea.participant)
    if idea.typed_by_id:
        return _("saisi par %(name)s") % {"name": idea.typed_by.get_full_name() or idea.typed_by.get_username()}
    return ""


def resolution_text(reaction: Reaction) -> str:
    """The decision taken on a veto or an adjustment, in words (empty for an agreement)."""
    if reaction.kind == ReactionKind.AGREE:
        return ""
    resolution = reaction.resolution
    if resolution is None:
        return _("en attente de décision")
    detail = resolution.changes if resolution.outcome == Resolution.Outcome.ACCEPTED else resolution.reason
    label = resolution.get_outcome_display()
    return f"{label} : {detail}" if detail else str(label)


def document_filename(workshop: Workshop, stem: str, extension: str) -> str:
    """e.g. support-atelier-engagements-2025-03-12.pdf"""
    kind = "gouvernance" if workshop.kind == WorkshopKind.GOVERNANCE else "engagements"
    day = timezone.localtime(workshop.starts_at).date().isoformat()
    return f"{stem}-atelier-{kind}-{day}.{extension}"


def _local_naive(moment):
    """Spreadsheets know no time zones: the local time, without its zone."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


# --- the handout ------------------------------------------------------------------------------------------------


def handout_pdf(*, workshop: Workshop) -> bytes:
    """The current draft of the reciprocal commitments, to hand out at the workshop (A4)."""
    themes = commitments_numbered(territory=workshop.territory)
    return template_to_pdf(
        "workshops/pdf_handout.html",
        {
            "workshop": workshop,
            "territory": workshop.territory,
            "questions": workshop_questions(workshop),
            "themes": themes,
            "commitment_count": sum(len(commitments) for _theme, commitments in themes),
            "printed_at": timezone.now(),
        },
        stylesheet=STYLESHEET,
    )


# --- the sheet with the link ------------------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code of a URL as inline SVG, sized by CSS (no width/height attributes)."""
    import segno

    qr = segno.make(url, error="m")
    return mark_safe(qr.svg_inline(scale=1, omitsize=True, border=4, svgclass="qr", title=url))


def link_sheet_pdf(*, workshop: Workshop, url: str) -> bytes:
    """A one-page A4 sheet for the tables: the workshop, a big QR code of its open link, and the link."""
    return template_to_pdf(
        "workshops/pdf_link_sheet.html",
        {"workshop": workshop, "territory": workshop.territory, "url": url, "qr": qr_svg(url)},
        stylesheet=STYLESHEET,
    )


# --- results ----------------------------------------------------------------------------------------------------


@dataclass
class CommitmentResults:
    commitment: Commitment
    agree: int = 0
    adjust: int = 0
    veto: int = 0
    concerns: list = field(default_factory=list)  # vetoes then adjustments, each with its decision
    ideas: list = field(default_factory=list)


@dataclass
class WorkshopResults:
    workshop: Workshop
    themes: list  # [(theme, [CommitmentResults])]
    questions: list  # [(label, [Idea])] for workshop #2
    other_ideas: list  # post-its on neither a commitment nor a question
    reactions: list
    ideas: list
    participants: int

    @property
    def totals(self) -> dict:
        counts = {kind: 0 for kind in ReactionKind.values}
        for reaction in self.reactions:
            counts[reaction.kind] += 1
        return counts


def workshop_results(*, workshop: Workshop) -> WorkshopResults:
    """Every reaction and post-it of a workshop, arranged by commitment (and by question). 7 queries."""
    numbered = commitments_numbered(territory=workshop.territory)  # 4 queries
    rows = {c.pk: CommitmentResults(c) for _theme, commitments in numbered for c in commitments}
    reactions = list(
        Reaction.objects.filter(participant__workshop=workshop)
        .select_related("participant__contact__stakeholder", "resolution")
        .order_by("created_at", "pk")
    )  # 1 query
    for reaction in reactions:
        row = rows.get(reaction.commitment_id)
        if row is None:
            continue
        setattr(row, reaction.kind, getattr(row, reaction.kind) + 1)
        if reaction.kind != ReactionKind.AGREE:
            reaction.decision = resolution_text(reaction)
            row.concerns.append(reaction)
    for row in rows.values():
        row.concerns.sort(key=lambda r: r.kind != ReactionKind.VETO)  # vetoes first, stable
    ideas = list(
        workshop.ideas.select_related("participant__contact__stakeholder", "typed_by").order_by("created_at", "pk")
    )  # 1 query
    by_question = {q: [] for q in GovernanceQuestion.values}
    other_ideas = []
    for idea in ideas:
        if idea.commitment_id in rows:
            rows[idea.commitment_id].ideas.append(idea)
        elif idea.question in by_question:
            by_question[idea.question].append(idea)
        else:
            other_ideas.append(idea)
    return WorkshopResults(
        workshop=workshop,
        themes=[(theme, [rows[c.pk] for c in commitments]) for theme, commitments in numbered],
        questions=[(label, by_question[value]) for value, label in GovernanceQuestion.choices],
        other_ideas=other_ideas,
        reactions=reactions,
        ideas=ideas,
        participants=workshop.participants.count(),  # 1 query
    )


def commitment_label(commitment: Commitment) -> str:
    return _("Engagement %(n)s — %(title)s") % {"n": commitment.number, "title": commitment.title}


def results_xlsx(*, workshop: Workshop) -> bytes:
    """Every reaction and post-it of the workshop, two sheets; no cell can become a formula."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    results = workshop_results(workshop=workshop)
    located = {}  # commitment pk → (theme name, label)
    for theme, rows in results.themes:
        for row in rows:
            located[row.commitment.pk] = (theme.name, commitment_label(row.commitment))
    kinds = dict(ReactionKind.choices)
    questions = dict(GovernanceQuestion.choices)

    reaction_rows = []
    for reaction in results.reactions:
        theme, commitment = located.get(reaction.commitment_id, ("", ""))
        reaction_rows.append(
            [
                participant_label(reaction.participant),
                participant_entity(reaction.participant),
                theme,
                commitment,
                str(kinds[reaction.kind]),
                reaction.comment,
                _local_naive(reaction.updated_at),
                resolution_text(reaction),
            ]
        )
    idea_rows = []
    for idea in results.ideas:
        if idea.commitment_id in located:
            theme, subject = located[idea.commitment_id]
        elif idea.question:
            theme, subject = "", str(questions.get(idea.question, idea.question))
        else:
            theme, subject = "", _("Post-it général")
        idea_rows.append([theme, subject, idea.text, idea_author(idea), _local_naive(idea.created_at)])

    workbook = openpyxl.Workbook()
    sheets = [
        (
            workbook.active,
            _("Réactions"),
            [
                (_("Participant"), 26),
                (_("Entité"), 28),
                (_("Thématique"), 24),
                (_("Engagement"), 50),
                (_("Réaction"), 22),
                (_("Précision"), 50),
                (_("Date"), 17),
                (_("Résolution"), 50),
            ],
            reaction_rows,
        ),
        (
            workbook.create_sheet(),
            _("Post-its"),
            [
                (_("Thématique"), 24),
                (_("Engagement ou question"), 50),
                (_("Post-it"), 60),
                (_("Participant ou saisi par"), 28),
                (_("Date"), 17),
            ],
            idea_rows,
        ),
    ]
    for sheet, title, columns, rows in sheets:
        sheet.title = title
        for index, (header, width) in enumerate(columns, 1):
            cell = sheet.cell(row=1, column=index)
            _safe_cell(cell, str(header))
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        for number, values in enumerate(rows, 2):
            for index, value in enumerate(values, 1):
                cell = sheet.cell(row=number, column=index)
                _safe_cell(cell, value)
                if hasattr(value, "hour"):
                    cell.number_format = "DD/MM/YYYY HH:MM"
                elif isinstance(value, str) and len(value) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def synthesis_pdf(*, workshop: Workshop) -> bytes:
    """Per commitment: the counts, the vetoes and adjustments with their decision, the post-its (A4)."""
    results = workshop_results(workshop=workshop)
    return template_to_pdf(
        "workshops/pdf_synthesis.html",
        {
            "workshop": workshop,
            "territory": workshop.territory,
            "results": results,
            "totals": results.totals,
            "questions": workshop_questions(workshop),
            "is_governance": workshop.kind == WorkshopKind.GOVERNANCE,
            "printed_at": timezone.now(),
        },
        stylesheet=STYLESHEET,
    )

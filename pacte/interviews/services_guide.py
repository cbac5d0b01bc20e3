"""The interview guide of step 1: the source's guide as default, its editing, and the printable sheet.

The default guide is data (data/guide.yaml), copied into each territory's `InterviewGuide` so that the
team can adapt it. The interview sheet is a PDF rendered by WeasyPrint from a Django template, with
the DSFR's Marianne font read from the installed django-dsfr static files: no network access.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

from pacte.commitments.models import Theme
from pacte.core.models import lines
from pacte.core.pdf import font_faces as _font_faces
from pacte.core.pdf import static_uri as _static_uri
from pacte.core.pdf import write_pdf
from pacte.interviews.models import GuideSection, InterviewGuide

GUIDE_FILE = Path(__file__).resolve().parent / "data" / "guide.yaml"


@cache
def guide_default_read() -> dict:
    """The source's interview guide, as data (see data/guide.yaml)."""
    with open(GUIDE_FILE, encoding="utf-8") as stream:
        return yaml.safe_load(stream)


@transaction.atomic
def interview_guide_create(*, territory, specific_question: str = "") -> InterviewGuide:
    """The territory's guide, created from the source's guide.

    `specific_question`, when given, replaces the placeholder of the territory-specific section
    (one question per line). A territory has one guide: creating a second one is an IntegrityError.
    """
    default = guide_default_read()
    guide = InterviewGuide.objects.create(territory=territory, title=default["title"])
    specific = lines(specific_question)
    GuideSection.objects.bulk_create(
        GuideSection(
            territory=territory,
            guide=guide,
            order=order,
            title=section["title"],
            minutes=section.get("minutes"),
            questions="\n".join(specific if section.get("specific") and specific else section["questions"]),
            by_theme=bool(section.get("by_theme")),
        )
        for order, section in enumerate(default["sections"])
    )
    return guide


def interview_guide_for(*, territory) -> InterviewGuide:
    """The territory's guide; the source's guide is created for a territory that has none yet.

    Not atomic as a whole, so that reading an existing guide costs one query and no savepoint.
    """
    guide = InterviewGuide.objects.filter(territory=territory).first()
    if guide is not None:
        return guide
    try:
        with transaction.atomic():  # a savepoint: two first visits at once create one guide
            return interview_guide_create(territory=territory)
    except IntegrityError:
        return InterviewGuide.objects.get(territory=territory)


@dataclass(frozen=True)
class SectionChange:
    """One section as submitted by the edit form; `section` is None for a new one."""

    section: GuideSection | None
    title: str
    minutes: int | None
    questions: str
    by_theme: bool = False
    delete: bool = False


@transaction.atomic
def interview_guide_update(*, guide: InterviewGuide, title: str, sections: list[SectionChange]) -> InterviewGuide:
    """Save the guide's title and sections: sections are updated, created or deleted, in the given order.

    Sections of the guide not in `sections` (added meanwhile by someone else) are kept, after them.
    """
    guide.title = title.strip()
    guide.save(update_fields=["title"])
    kept, deleted = [], []
    for change in sections:
        if change.section is not None and change.section.guide_id != guide.pk:
            raise ValueError(f"{change.section!r} is not a section of {guide!r}")
        if change.delete:
            if change.section is not None:
                deleted.append(change.section.pk)
            continue
        section = change.section or GuideSection(territory_id=guide.territory_id, guide=guide)
        section.title = change.title.strip()
        section.minutes = change.minutes
        section.questions = "\n".join(lines(change.questions))
        section.by_theme = change.by_theme
        kept.append(section)
    GuideSection.objects.filter(guide=guide, pk__in=deleted).delete()
    mentioned = {s.pk for s in kept if s.pk} | set(deleted)
    others = list(guide.sections.exclude(pk__in=mentioned))
    for order, section in enumerate(kept + others):
        section.order = order
        section.save()
    return guide


@transaction.atomic
def guide_section_move(*, section: GuideSection, offset: int) -> None:
    """Move a section up (offset -1) or down (+1) in its guide; nothing happens at either end."""
    sections = list(GuideSection.objects.filter(guide_id=section.guide_id).select_for_update())
    index = next(i for i, s in enumerate(sections) if s.pk == section.pk)
    target = index + offset
    if 0 <= target < len(sections):
        sections[index], sections[target] = sections[target], sections[index]
    for order, item in enumerate(sections):
        if item.order != order:
            item.order = order
            item.save(update_fields=["order"])


def guide_total_minutes(sections) -> int:
    """The guide's announced duration: the sum of the sections that have one."""
    return sum(s.minutes or 0 for s in sections)


# --- The interview sheet (PDF) ---

RULES_PER_QUESTION = 6  # handwriting lines under each question
RULES_PER_THEME = 4  # … and under each theme of a by-theme section


def interview_sheet_filename(*, contact=None) -> str:
    """fiche-entretien-<entity>[-<name>].pdf, or fiche-entretien.pdf for a blank sheet."""
    parts = ["fiche-entretien"]
    if contact is not None:
        parts += [slugify(contact.stakeholder.name), slugify(f"{contact.first_name} {contact.last_name}")]
    return "-".join(p for p in parts if p)[:120] + ".pdf"


def interview_sheet_pdf(*, guide: InterviewGuide, contact=None) -> bytes:
    """The printable A4 interview sheet of the guide, for one interviewee or blank."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    territory = guide.territory
    sections = list(guide.sections.all())
    themes = list(Theme.objects.for_territory(territory)) if any(s.by_theme for s in sections) else []
    html = render_to_string(
        "interviews/sheet.html",
        {
            "territory": territory,
            "guide": guide,
            "sections": sections,
            "themes": themes,
            "contact": contact,
            "total_minutes": guide_total_minutes(sections),
            "question_rules": range(RULES_PER_QUESTION),
            "theme_rules": range(RULES_PER_THEME),
        },
    )
    fetcher = URLFetcher(allowed_protocols={"file", "data"})  # never the network
    font_config = FontConfiguration()
    stylesheets = [
        CSS(string=_font_faces(), font_config=font_config, url_fetcher=fetcher),
        CSS(url=_static_uri("interviews/sheet.css"), font_config=font_config, url_fetcher=fetcher),
    ]
    html_document = HTML(string=html, base_url=_static_uri("interviews/sheet.css"), url_fetcher=fetcher)
    return write_pdf(html_document, stylesheets=stylesheets, font_config=font_config)  # tagged PDF/UA, like the others

"""Load pact content into a territory: the reference case (Rochefort) or the generic template.

The content lives in YAML files next to this module (see data/SCHEMA.md); nothing of it is typed
into templates. This app sits on top of the domain apps: nothing depends on it.
"""

import datetime
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction

from pacte.appropriation.services import presentation_plan_create, presentation_plan_version_set
from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.commitments.services import commitments_version_freeze
from pacte.core.models import journal_write
from pacte.governance.demo_committees import committees_demo_load
from pacte.governance.demo_members import members_demo_load
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.demo import indicator_values_demo_load
from pacte.indicators.models import Indicator
from pacte.interviews.models import (
    CommitmentIdea,
    DiagnosticAxis,
    Finding,
    GuideSection,
    Interview,
    InterviewNote,
    InterviewStatus,
    Pride,
)
from pacte.interviews.services_guide import interview_guide_create
from pacte.land.demo import land_demo_load
from pacte.publications.models import Pact, PactStatus, PactVersion
from pacte.publications.services import pact_version_freeze
from pacte.stakeholders.models import Contact, ContactStatus, Priority, Stakeholder, name_key
from pacte.territories.models import KeyFigure, SizeClassShare, Territory
from pacte.territories.services import territory_create
from pacte.workshops.models import WorkshopStatus
from pacte.workshops.services import paper_type_in, resolution_record, unresolved, workshop_create, workshop_set_status

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_CASE = "rochefort"
TEMPLATE = "template"


@cache
def content_read(name: str) -> dict:
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def _lines(items) -> str:
    return "\n".join(items or [])


INDICATOR_FIELDS = (
    "name",
    "code",
    "definition",
    "unit",
    "value_type",
    "level",
    "aggregation",
    "source",
    "vsme_reference",
    "baseline",
    "baseline_year",
    "target_1y",
    "target_3y",
)


def _indicator_fields(item) -> dict:
    """An indicator of the YAML: its full definition (a mapping), or only its name (a bare string)."""
    if isinstance(item, str):
        return {"name": item}
    unknown = set(item) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"unknown indicator fields {sorted(unknown)} for {item.get('name')!r}")
    return {field: item[field] for field in INDICATOR_FIELDS if item.get(field) not in (None, "")}


def _load_themes(territory: Territory, themes: list[dict], *, from_template: bool) -> None:
    for t_order, t in enumerate(themes):
        theme = Theme.objects.create(territory=territory, code=t["code"], name=t["name"], order=t_order)
        for c_order, c in enumerate(t.get("commitments") or []):
            commitment = Commitment.objects.create(
                territory=territory,
                theme=theme,
                order=c_order,
                short_title=c["short_title"],
                title=c["title"],
                company_intro=c.get("company_intro", ""),
                territory_intro=c.get("territory_intro", ""),
                note=c.get("note", "") or "",
                from_template=from_template,
            )
            CompanyAction.objects.bulk_create(
                CompanyAction(
                    territory=territory,
                    commitment=commitment,
                    order=i,
                    text=a["text"],
                    details=_lines(a.get("details")),
                )
                for i, a in enumerate(c.get("company_actions") or [])
            )
            TerritoryAction.objects.bulk_create(
                TerritoryAction(
                    territory=territory,
                    commitment=commitment,
                    order=i,
                    text=a["text"],
                    details=_lines(a.get("details")),
                )
                for i, a in enumerate(c.get("territory_actions") or [])
            )
        Indicator.objects.bulk_create(
            Indicator(territory=territory, theme=theme, order=i, **_indicator_fields(item))
            for i, item in enumerate(t.get("indicators") or [])
        )
        group = t.get("thematic_group")
        if group:
            ThematicGroup.objects.create(
                territory=territory,
                theme=theme,
                order=t_order,
                name=group["name"],
                objectives=_lines(group.get("objectives")),
                participants=group.get("participants", ""),
                animation=group.get("animation", ""),
                example_indicators=_lines(group.get("example_indicators")),
                partners=_lines(group.get("partners")),
            )


def _load_content(territory: Territory, content: dict, *, from_template: bool = False) -> Pact:
    pact_data = content["pact"]
    pact = Pact.objects.create(
        territory=territory,
        title=pact_data["title"],
        editorial_title=pact_data.get("editorial_title", ""),
        editorial=pact_data.get("editorial", ""),
        ambitions=_lines(pact_data.get("ambitions")),
        acknowledgements=pact_data.get("acknowledgements", ""),
    )
    GovernancePrinciple.objects.bulk_create(
        GovernancePrinciple(territory=territory, order=i, title=p["title"], text=p["text"])
        for i, p in enumerate(pact_data.get("governance_principles") or [])
    )
    KeyFigure.objects.bulk_create(
        KeyFigure(
            territory=territory,
            order=i,
            value=f["value"],
            label=f["label"],
            source=f.get("source", ""),
            date=f.get("date", ""),
        )
        for i, f in enumerate(content.get("key_figures") or [])
    )
    size_classes = content.get("size_classes") or {}
    SizeClassShare.objects.bulk_create(
        SizeClassShare(
            territory=territory,
            order=i,
            size_class=r["size_class"],
            territory_share=r["territory"],
            national_share=r["national"],
        )
        for i, r in enumerate(size_classes.get("rows") or [])
    )
    for a_order, a in enumerate(content.get("diagnostic_axes") or []):
        axis = DiagnosticAxis.objects.create(territory=territory, name=a["name"], order=a_order)
        Finding.objects.bulk_create(
            Finding(territory=territory, axis=axis, order=i, kind=f["kind"], text=f["text"])
            for i, f in enumerate(a.get("findings") or [])
        )
    Pride.objects.bulk_create(
        Pride(
            territory=territory,
            order=i,
            kind=p["kind"],
            product=p["product"],
            company=p["company"],
            place=p.get("place", ""),
        )
        for i, p in enumerate(content.get("prides") or [])
    )
    _load_themes(territory, content["themes"], from_template=from_template)
    interview_guide_create(
        territory=territory, specific_question=(content.get("campaign") or {}).get("specific_question", "")
    )
    EconomicEvent.objects.bulk_create(
        EconomicEvent(
            territory=territory,
            order=i,
            name=e["name"],
            date=datetime.date.fromisoformat(str(e["date"])),
            organiser=e.get("organiser", ""),
            description=e.get("description", ""),
        )
        for i, e in enumerate(content.get("economic_events") or [])
    )
    Stakeholder.objects.bulk_create(
        Stakeholder(
            territory=territory,
            order=i,
            name=s["name"],
            name_key=name_key(s["name"]),  # bulk_create does not call save()
            category=s["category"],
            group=s.get("group", ""),
            acknowledged=True,
        )
        for i, s in enumerate(content.get("stakeholders") or [])
    )
    presentation_plan_create(territory=territory)  # step 4: the restitution plan, one per circle
    return pact


def _load_campaign(territory: Territory, campaign: dict) -> None:
    """The step-1 campaign: the tracking file (one contact per entity), the interviews, their notes by
    section of the guide, the findings they support and the commitment ideas they brought out."""
    stakeholders = {s.name: s for s in Stakeholder.objects.for_territory(territory)}
    interviewed_on = {}
    for record in campaign.get("interviews") or []:
        for name in record["stakeholders"]:
            interviewed_on[name] = datetime.date.fromisoformat(str(record["date"]))
    priorities = campaign.get("priorities") or {}
    contacts = {
        name: Contact(
            territory=territory,
            stakeholder=stakeholder,
            order=stakeholder.order,
            priority=priorities.get(stakeholder.category, Priority.MEDIUM),
            contacted_by=campaign.get("contacted_by", ""),
            status=ContactStatus.INTERVIEW_DONE if name in interviewed_on else ContactStatus.TO_CONTACT,
            last_action_on=interviewed_on.get(name),
        )
        for name, stakeholder in stakeholders.items()
    }
    Contact.objects.bulk_create(contacts.values())
    sections = list(GuideSection.objects.for_territory(territory).order_by("order", "pk"))
    findings = {f.text: f for f in Finding.objects.for_territory(territory)}
    themes = {t.code: t for t in Theme.objects.for_territory(territory)}
    for order, record in enumerate(campaign.get("interviews") or []):
        interview = Interview.objects.create(
            territory=territory,
            order=order,
            stakeholder=stakeholders[record["stakeholders"][0]],
            interviewers=campaign.get("interviewers", ""),
            held_on=datetime.date.fromisoformat(str(record["date"])),
            status=InterviewStatus.DONE,
        )
        interview.interviewees.set([contacts[name] for name in record["stakeholders"]])
        InterviewNote.objects.bulk_create(
            InterviewNote(
                territory=territory,
                interview=interview,
                section=section,
                section_title=section.title,
                order=section.order,
                text=text,
            )
            for section, text in zip(sections, record.get("notes") or [], strict=False)
            if text
        )
        for text in record.get("findings") or []:
            findings[text].interviews.add(interview)
        CommitmentIdea.objects.bulk_create(
            CommitmentIdea(
                territory=territory, interview=interview, side=i["side"], theme=themes[i["theme"]], text=i["text"]
            )
            for i in record.get("ideas") or []
        )


def _load_workshops(territory: Territory, workshops: list[dict], versions: list[str]) -> None:
    """Step 2: the workshops (closed, their post-its typed in as after a paper workshop), the decisions on
    adjustments, and the versions of the commitments before and after."""
    commitments = {c.short_title: c for c in Commitment.objects.for_territory(territory)}
    for label in versions[:1]:
        commitments_version_freeze(territory=territory, label=label)
    for data in workshops:
        workshop = workshop_create(
            territory=territory,
            kind=data["kind"],
            title=data["title"],
            starts_at=datetime.datetime.fromisoformat(str(data["starts_at"])),
            place=data.get("place", ""),
        )
        for block in data.get("paper") or []:
            paper_type_in(
                workshop=workshop,
                lines="\n".join(block["lines"]),
                commitment=commitments[block["commitment"]] if "commitment" in block else None,
                question=block.get("question", ""),
            )
        for decision in data.get("resolutions") or []:
            commitment = commitments[decision["commitment"]]
            resolution_record(
                commitment=commitment,
                reactions=unresolved(territory=territory).filter(commitment=commitment),
                outcome=decision["outcome"],
                reason=decision.get("reason", ""),
            )
        workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    for label in versions[1:]:
        commitments_version_freeze(territory=territory, label=label)


def _load_appropriation(territory: Territory, appropriation: dict) -> None:
    """Step 4: the version of the pact that the planned restitutions are to show (the plan itself is made by
    _load_content; the source dates none of Rochefort's restitutions, so none is marked held)."""
    number = appropriation.get("version_shown")
    if number:
        version = PactVersion.objects.for_territory(territory).get(number=number)
        presentation_plan_version_set(territory=territory, version=version)


@transaction.atomic
def territory_create_from_template(
    *, name: str, sirens: list[str], region: str = "", department: str = "", slug: str = "", actor=None
) -> Territory:
    """A new Territoire d'industrie on real EPCI, starting from the generic pact template."""
    territory = territory_create(name=name, sirens=sirens, region=region, department=department, slug=slug, actor=actor)
    _load_content(territory, content_read(TEMPLATE), from_template=True)
    journal_write(
        territory=territory,
        verb="template_loaded",
        actor=actor,
        message="Pacte initialisé à partir du modèle générique de l'ANCT.",
    )
    return territory


@transaction.atomic
def territory_create_with_team(
    *,
    name: str,
    sirens: list[str],
    region: str = "",
    department: str = "",
    team_emails: list[str],
    actor,
    base_url: str,
) -> tuple[Territory, list]:
    """ANCT's creation form: the territory from the template, and an invitation (team role) to each first member.

    One transaction: an address refused by the invitation rules creates nothing."""
    from pacte.accounts.models import Role
    from pacte.accounts.services import invitation_create

    territory = territory_create_from_template(
        name=name, sirens=sirens, region=region, department=department, actor=actor
    )
    invitations = [
        invitation_create(territory=territory, email=email, role=Role.TEAM, invited_by=actor, base_url=base_url)
        for email in team_emails
    ]
    return territory, invitations


@transaction.atomic
def reference_case_load(*, slug_suffix: str = "") -> Territory:
    """Build the reference territory Rochefort-Royan-Marennes-Oléron from the source publication.

    Replaces any previous copy (same slug), so that `make run` can be repeated.
    """
    content = content_read(REFERENCE_CASE)
    info = content["territory"]
    slug = info["slug"] + slug_suffix
    Territory.objects.filter(slug=slug).delete()
    territory = territory_create(
        name=info["name"],
        sirens=info["intercommunalities"],
        region=info.get("region", ""),
        department=str(info.get("department", "")),
        slug=slug,
    )
    pact = _load_content(territory, content)
    pact.status = PactStatus.PUBLISHED
    pact.version = 1
    pact.published_on = datetime.date.fromisoformat(str(content["pact"]["published_on"]))
    pact.save()
    pact_version_freeze(pact=pact)
    _load_appropriation(territory, content.get("appropriation") or {})
    _load_campaign(territory, content.get("campaign") or {})
    _load_workshops(territory, content.get("workshops") or [], content.get("commitments_versions") or [])
    journal_write(
        territory=territory,
        verb="reference_case_loaded",
        message="Cas de référence chargé depuis la publication de l'ANCT (mars 2025).",
    )
    return territory


@transaction.atomic
def reference_case_illustrations_load(*, territory: Territory) -> dict:
    """Step 5 in the demo, illustrated: the source gives the thematic groups but no meeting, no member company's
    plan and no figure, so these are examples marked "[Illustration]" (loaded by `load_demo`, not by the tests'
    reference case, which starts step 5 empty)."""
    return {
        "committees": committees_demo_load(territory=territory),
        "members": members_demo_load(territory=territory),
        "values": indicator_values_demo_load(territory=territory),
        "land": land_demo_load(territory=territory),
    }

"""Step 1 rules: the interview campaign, the interview records and the diagnostic built from them."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.core.models import JournalVerb, journal_write
from pacte.stakeholders.models import Category, Contact, ContactStatus, Priority

from .models import (
    CommitmentIdea,
    Finding,
    GuideSection,
    IdeaSide,
    Interview,
    InterviewNote,
    InterviewStatus,
)

INTERVIEW_TARGET = 30  # "30 entretiens environ"
INTERVIEW_MINIMUM = 25  # the reference case completed its pact with 25 interviews
FOLLOW_UP_DAYS = 21  # a contact left without news for more than 3 weeks must be followed up
OPEN_STATUSES = (ContactStatus.TO_CONTACT, ContactStatus.CONTACTED)
CAMPAIGN_PROGRESS = {
    ContactStatus.DECLINED: -1,
    ContactStatus.TO_CONTACT: 0,
    ContactStatus.CONTACTED: 1,
    ContactStatus.INTERVIEW_PLANNED: 2,
    ContactStatus.INTERVIEW_DONE: 3,
}
CONTACT_STATUS_AFTER = {
    InterviewStatus.PLANNED: ContactStatus.INTERVIEW_PLANNED,
    InterviewStatus.DONE: ContactStatus.INTERVIEW_DONE,
}


@dataclass
class Coverage:
    key: str
    label: str
    contacts: int = 0
    done: int = 0  # contacts interviewed (categories: interviews held with an entity of the category)
    declined: int = 0

    @property
    def covered(self) -> bool:
        return self.done > 0


@dataclass
class CallerLoad:
    """What one person who contacts still has to do."""

    name: str
    by_status: dict = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return sum(self.by_status.get(s, 0) for s in (*OPEN_STATUSES, ContactStatus.INTERVIEW_PLANNED))

    def count(self, status) -> int:
        return self.by_status.get(status, 0)


@dataclass
class CampaignSummary:
    done: int
    planned: int
    target: int
    categories: list[Coverage]
    priorities: list[Coverage]
    callers: list[CallerLoad]
    stale: list  # contacts without news for more than FOLLOW_UP_DAYS
    stale_total: int
    contacts: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.target)) if self.target else 0

    @property
    def missing_categories(self) -> list[str]:
        return [c.label for c in self.categories if not c.covered]


def stale_contacts(*, territory, today: datetime.date | None = None):
    """Contacts still to contact or contacted, with no news for more than 3 weeks (oldest first)."""
    today = today or timezone.localdate()
    limit = today - datetime.timedelta(days=FOLLOW_UP_DAYS)
    since = timezone.make_aware(datetime.datetime.combine(limit, datetime.time.min))
    return (
        Contact.objects.for_territory(territory)
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(last_action_on__lt=limit) | Q(last_action_on__isnull=True, created_at__lt=since))
        .select_related("stakeholder")
        .order_by("last_action_on", "created_at", "pk")
    )


def interviews_by_category(*, territory) -> dict[str, int]:
    """Interviews held, by category of the people met (a joint interview counts for each category met).

    2 queries: by the interviewees' entities, and by the entity of interviews recorded without interviewees.
    """
    done = Interview.objects.for_territory(territory).filter(status=InterviewStatus.DONE).order_by()
    counts = dict(
        done.filter(interviewees__isnull=False)
        .values_list("interviewees__stakeholder__category")
        .annotate(n=Count("pk", distinct=True))
    )
    for category, n in (
        done.filter(interviewees__isnull=True, stakeholder__isnull=False)
        .values_list("stakeholder__category")
        .annotate(n=Count("pk"))
    ):
        counts[category] = counts.get(category, 0) + n
    return counts


def campaign_summary(*, territory, today: datetime.date | None = None, stale_shown: int = 50) -> CampaignSummary:
    """The campaign dashboard in a fixed number of queries, whatever the size of the tracking file."""
    interviews = dict(
        Interview.objects.for_territory(territory).order_by().values_list("status").annotate(n=Count("pk"))
    )  # 1 query
    by_category = {
        row["stakeholder__category"]: row
        for row in Contact.objects.for_territory(territory)
        .order_by()
        .values("stakeholder__category")
        .annotate(n=Count("pk"), declined=Count("pk", filter=Q(status=ContactStatus.DECLINED)))
    }  # 1 query
    interviewed = interviews_by_category(territory=territory)  # 2 queries
    categories = [
        Coverage(
            value,
            label,
            contacts=by_category.get(value, {}).get("n", 0),
            done=interviewed.get(value, 0),
            declined=by_category.get(value, {}).get("declined", 0),
        )
        for value, label in Category.choices
    ]
    by_priority = {
        row["priority"]: row
        for row in Contact.objects.for_territory(territory)
        .order_by()
        .values("priority")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(status=ContactStatus.INTERVIEW_DONE)),
            declined=Count("pk", filter=Q(status=ContactStatus.DECLINED)),
        )
    }  # 1 query
    priorities = [
        Coverage(
            value,
            label,
            contacts=by_priority.get(value, {}).get("n", 0),
            done=by_priority.get(value, {}).get("done", 0),
            declined=by_priority.get(value, {}).get("declined", 0),
        )
        for value, label in Priority.choices
    ]
    callers: dict[str, CallerLoad] = {}
    for row in (
        Contact.objects.for_territory(territory).order_by().values("contacted_by", "status").annotate(n=Count("pk"))
    ):  # 1 query
        name = row["contacted_by"].strip() or _("Non attribué")
        load = callers.setdefault(name, CallerLoad(name))
        load.by_status[row["status"]] = load.by_status.get(row["status"], 0) + row["n"]
    stale = stale_contacts(territory=territory, today=today)
    return CampaignSummary(
        done=interviews.get(InterviewStatus.DONE, 0),
        planned=interviews.get(InterviewStatus.PLANNED, 0),
        target=INTERVIEW_TARGET,
        categories=categories,
        priorities=priorities,
        callers=sorted(callers.values(), key=lambda c: (-c.remaining, c.name.lower())),
        stale=list(stale[:stale_shown]),  # 1 query
        stale_total=stale.count(),  # 1 query
        contacts=sum(c.contacts for c in priorities),
    )


def guide_sections(*, territory) -> list[GuideSection]:
    from .services_guide import interview_guide_for

    guide = interview_guide_for(territory=territory)
    return list(guide.sections.order_by("order", "pk"))


@transaction.atomic
def interview_save(*, interview: Interview, interviewees, notes: dict[int, str] | None = None, actor=None) -> Interview:
    """Save an interview record, its interviewees and its notes by section of the guide.

    The interviewees' line of the tracking file follows: an interview planned or held moves them on.
    """
    creating = interview.pk is None
    interviewees = list(interviewees)
    if interview.stakeholder_id is None and interviewees:
        interview.stakeholder = interviewees[0].stakeholder
    interview.save()
    interview.interviewees.set(interviewees)
    if notes is not None:
        sections = {s.pk: s for s in GuideSection.objects.for_territory(interview.territory).filter(pk__in=notes)}
        existing = {n.section_id: n for n in interview.notes.all()}
        for section_id, text in notes.items():
            section = sections.get(section_id)
            if section is None:
                continue
            note = existing.get(section_id)
            if note is None:
                if text.strip():
                    InterviewNote.objects.create(
                        territory=interview.territory,
                        interview=interview,
                        section=section,
                        section_title=section.title,
                        order=section.order,
                        text=text.strip(),
                    )
            elif note.text != text.strip():
                note.text = text.strip()
                note.section_title = section.title
                note.save(update_fields=["text", "section_title"])
    # The tracking file follows the campaign: planning or holding an interview moves its interviewees on
    # (never backwards; a contact who had declined and was interviewed after all counts as interviewed).
    target = CONTACT_STATUS_AFTER[interview.status]
    for contact in interviewees:
        if CAMPAIGN_PROGRESS[contact.status] < CAMPAIGN_PROGRESS[target]:
            contact.status = target
            contact.last_action_on = interview.held_on or timezone.localdate()
            contact.save(update_fields=["status", "last_action_on", "updated_at"])
    if creating or interview.status == InterviewStatus.DONE:
        journal_write(
            territory=interview.territory,
            verb=JournalVerb.INTERVIEW_RECORDED,
            actor=actor,
            message=_("Entretien avec %(who)s (%(status)s).")
            % {
                "who": interview.stakeholder or _("partie prenante non renseignée"),
                "status": interview.get_status_display(),
            },
        )
    return interview


@transaction.atomic
def finding_record(*, interview: Interview, axis, kind: str, text: str, theme=None) -> Finding:
    """A finding an interview brings out. New findings wait for the team to retain them in the diagnostic."""
    if axis.territory_id != interview.territory_id or (
        theme is not None and theme.territory_id != interview.territory_id
    ):
        raise ValueError("axis, theme and interview must belong to the same territory")
    last = Finding.objects.filter(axis=axis).order_by("-order").values_list("order", flat=True).first() or 0
    finding = Finding.objects.create(
        territory=interview.territory,
        axis=axis,
        kind=kind,
        text=" ".join(text.split()),
        theme=theme,
        retained=False,
        order=last + 1,
    )
    finding.interviews.add(interview)
    return finding


def finding_link(*, interview: Interview, finding: Finding) -> None:
    """Another interview supports an existing finding."""
    if finding.territory_id != interview.territory_id:
        raise ValueError("finding and interview must belong to the same territory")
    finding.interviews.add(interview)


@transaction.atomic
def findings_merge(*, target: Finding, others: list[Finding], text: str = "", actor=None) -> Finding:
    """Merge duplicate findings into one; the evidence (interviews) of all of them is kept."""
    others = [f for f in others if f.pk != target.pk]
    if any(f.territory_id != target.territory_id for f in others):
        raise ValueError("findings of different territories cannot be merged")
    evidence = set(target.interviews.values_list("pk", flat=True))
    for finding in others:
        evidence.update(finding.interviews.values_list("pk", flat=True))
    target.interviews.set(evidence)
    if text.strip():
        target.text = " ".join(text.split())
    target.retained = target.retained or any(f.retained for f in others)
    target.save()
    merged = [f.text for f in others]
    Finding.objects.filter(pk__in=[f.pk for f in others]).delete()
    journal_write(
        territory=target.territory,
        verb=JournalVerb.FINDINGS_MERGED,
        actor=actor,
        message=_("« %(kept)s » regroupe désormais : %(merged)s.")
        % {"kept": target.text, "merged": " ; ".join(f"« {t} »" for t in merged)},
    )
    return target


def idea_record(*, interview: Interview, side: str, text: str, theme=None) -> CommitmentIdea:
    if side not in IdeaSide.values:
        raise ValueError(side)
    if theme is not None and theme.territory_id != interview.territory_id:
        raise ValueError("theme and interview must belong to the same territory")
    return CommitmentIdea.objects.create(
        territory=interview.territory, interview=interview, side=side, theme=theme, text=" ".join(text.split())
    )

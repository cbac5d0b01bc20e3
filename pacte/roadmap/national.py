"""The roadmap of every territory at once, for ANCT's national cockpit: the step each territory has reached and the
figures the roadmap counts, in a constant number of queries whatever the number of territories.

The rules are the roadmap's (pacte.roadmap.services): the same figures (its _facts, computed here for all
territories in one query instead of one territory), the same template comparison (template_texts, is_own_text,
text_squash), the same thresholds; each check is reduced to whether it is done, without the French details the
roadmap page writes (building them for 183 territories would cost more than the queries).
tests/test_national_cockpit.py checks that both agree, step by step, on the reference case, the national demo and
fresh territories.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone

from pacte.appropriation.models import Circle, Presentation
from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.companies.models import Membership, MembershipStatus
from pacte.core.models import JournalEntry, JournalVerb
from pacte.governance.models import ActionPlan, AnnualReview, EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator, IndicatorValue
from pacte.interviews.models import DiagnosticAxis, Finding, FindingKind, Interview, InterviewStatus, Pride, PrideKind
from pacte.interviews.services import INTERVIEW_MINIMUM
from pacte.land.models import CallStatus, LandCall
from pacte.publications.models import PactStatus, PactVersion
from pacte.stakeholders.models import Category, Stakeholder
from pacte.territories.models import Territory
from pacte.workshops.models import ReactionKind, Workshop, WorkshopKind, WorkshopStatus

from .services import Check, Step, is_own_text, template_texts, text_squash

ALL_DONE = 6  # "step reached" of a territory whose 5 steps are all done


def _count(queryset):
    """The number of rows of `queryset` (already filtered on territory=OuterRef("pk")) as a scalar subquery."""
    return Coalesce(Subquery(queryset.order_by().values("territory").annotate(n=Count("pk")).values("n")[:1]), 0)


def _first(queryset, name):
    return Subquery(queryset.order_by(name, "pk").values(name)[:1])


def _figures() -> dict:
    """The figures of pacte.roadmap.services._facts, each a subquery on the outer territory, and the cockpit's own
    (workshops held, indicator coverage, land calls)."""
    of_outer = {"territory": OuterRef("pk")}
    done = Interview.objects.filter(**of_outer, status=InterviewStatus.DONE)
    prides = Pride.objects.filter(**of_outer)
    presentations = Presentation.objects.filter(**of_outer)
    latest = PactVersion.objects.filter(**of_outer).order_by("-number")
    principles = GovernancePrinciple.objects.filter(**of_outer).annotate(
        plain_text=Replace(F("text"), Value("\r\n"), Value("\n"), output_field=TextField())
    )
    own_principles = principles
    for title, text in template_texts(True)["principles"]:
        own_principles = own_principles.exclude(title=title, plain_text=text)
    memberships = Membership.objects.filter(**of_outer)
    indicators = Indicator.objects.filter(**of_outer)
    circles = {}
    for circle in Circle.values:
        of_circle = presentations.filter(circle=circle)
        circles[f"{circle}_held_on"] = _first(of_circle.filter(held=True), "date")
        circles[f"{circle}_planned_on"] = _first(of_circle.filter(held=False, date__isnull=False), "date")
    return {
        "interviews_done": _count(done),
        "innovative": _count(prides.filter(kind=PrideKind.INNOVATIVE)),
        "emblematic": _count(prides.filter(kind=PrideKind.EMBLEMATIC)),
        "acknowledged": _count(Stakeholder.objects.filter(**of_outer, acknowledged=True)),
        "version_number": Subquery(latest.values("number")[:1]),
        "version_published_on": Subquery(latest.values("published_on")[:1]),
        "events": _count(EconomicEvent.objects.filter(**of_outer)),
        "own_principles": _count(own_principles),
        "all_principles": _count(principles),
        "from_template": Exists(JournalEntry.objects.filter(**of_outer, verb=JournalVerb.TEMPLATE_LOADED)),
        "adhesions_active": _count(memberships.filter(status=MembershipStatus.ACTIVE)),
        "adhesions_invited": _count(memberships.filter(status=MembershipStatus.INVITED)),
        "action_plans": _count(ActionPlan.objects.filter(**of_outer)),
        "reviews_held": _count(AnnualReview.objects.filter(**of_outer, held_on__isnull=False)),
        "indicator_values": _count(IndicatorValue.objects.filter(**of_outer)),
        "indicators_total": _count(indicators),
        "indicators_with_value": _count(
            indicators.filter(Exists(IndicatorValue.objects.filter(indicator=OuterRef("pk"))))
        ),
        "land_calls": _count(LandCall.objects.filter(**of_outer).exclude(status=CallStatus.DRAFT)),
        **circles,
    }


def _themes(ids) -> dict[int, list]:
    """1 query: the themes of every territory with the annotations of services._themes (indicators counted both
    with and without the template's, as whether the template's count depends on the territory)."""
    commitments = Commitment.objects.filter(theme=OuterRef("pk"))
    complete_groups = ThematicGroup.objects.filter(
        theme=OuterRef("pk"), objectives__regex=r"\S", participants__regex=r"\S"
    ).order_by("order", "pk")
    template_indicators = template_texts(True)["indicators"]
    rows = (
        Theme.objects.filter(territory_id__in=ids)
        .annotate(
            own_indicators=Exists(Indicator.objects.filter(theme=OuterRef("pk")).exclude(name__in=template_indicators)),
            any_indicators=Exists(Indicator.objects.filter(theme=OuterRef("pk"))),
            reciprocal=Exists(
                commitments.filter(
                    Exists(CompanyAction.objects.filter(commitment=OuterRef("pk"))),
                    Exists(TerritoryAction.objects.filter(commitment=OuterRef("pk"))),
                )
            ),
            adapted=Exists(commitments.filter(from_template=False)),
            group_objectives=Subquery(complete_groups.values("objectives")[:1]),
            group_participants=Subquery(complete_groups.values("participants")[:1]),
        )
        .order_by("territory_id", "order", "pk")
        .values(
            "territory_id",
            "own_indicators",
            "any_indicators",
            "reciprocal",
            "adapted",
            "group_objectives",
            "group_participants",
        )
    )
    themes = defaultdict(list)
    for row in rows:  # plain rows, not model instances: 6 per territory, 1,100 for the whole country
        themes[row["territory_id"]].append(SimpleNamespace(**row))
    return themes


def _themes_for(themes: list, template: dict, from_template: bool) -> list:
    """The attributes services._themes gives, for one territory's themes."""
    for theme in themes:
        theme.has_indicators = theme.own_indicators if from_template else theme.any_indicators
        texts = (text_squash(theme.group_objectives), text_squash(theme.group_participants))
        theme.has_group = theme.group_objectives is not None and texts not in template["groups"]
        theme.group_from_template = theme.group_objectives is not None and not theme.has_group
        theme.has_template_indicators = theme.any_indicators and not theme.has_indicators
    return themes


def _categories(ids) -> dict[int, tuple[set, set]]:
    """1 query: per territory, the categories of its stakeholders and those its interviews held covered (as
    services._categories reads them)."""
    stakeholders = Stakeholder.objects.filter(territory_id__in=ids).order_by()
    done = Interview.objects.filter(territory_id__in=ids, status=InterviewStatus.DONE).order_by()
    rows = (
        stakeholders.annotate(interviewee=Value(None, output_field=CharField()), alone=Value(None, CharField()))
        .values_list("territory_id", "category", "interviewee", "alone")
        .union(
            done.annotate(
                category=Value(None, output_field=CharField()),
                interviewee=F("interviewees__stakeholder__category"),
                alone=Case(When(interviewees__isnull=True, then=F("stakeholder__category")), default=Value(None)),
            ).values_list("territory_id", "category", "interviewee", "alone")
        )
    )
    found = defaultdict(lambda: (set(), set()))
    for territory_id, category, interviewee, alone in rows:
        present, interviewed = found[territory_id]
        present.add(category)
        interviewed.update((interviewee, alone))
    return found


def _axes(ids) -> dict[int, list[bool]]:
    """1 query: per territory, whether each diagnostic axis has a retained strength or weakness."""
    rows = (
        DiagnosticAxis.objects.filter(territory_id__in=ids)
        .annotate(
            has_finding=Exists(
                Finding.objects.filter(
                    axis=OuterRef("pk"), kind__in=(FindingKind.STRENGTH, FindingKind.WEAKNESS), retained=True
                )
            )
        )
        .order_by()
        .values_list("territory_id", "has_finding")
    )
    axes = defaultdict(list)
    for territory_id, has_finding in rows:
        axes[territory_id].append(has_finding)
    return axes


def _workshops(ids) -> dict[int, list[dict]]:
    """1 query: per territory, its workshops, whether each was held, and its vetoes waiting for a decision."""
    rows = (
        Workshop.objects.filter(territory_id__in=ids)
        .annotate(
            pending_vetoes=Count(
                "participants__reactions",
                filter=Q(
                    participants__reactions__kind=ReactionKind.VETO,
                    participants__reactions__resolution__isnull=True,
                ),
            )
        )
        .order_by()
        .values("territory_id", "kind", "status", "starts_at", "pending_vetoes")
    )
    now = timezone.now()
    workshops = defaultdict(list)
    for w in rows:
        w["held"] = w["status"] == WorkshopStatus.CLOSED and w["starts_at"] <= now
        workshops[w["territory_id"]].append(w)
    return workshops


def _step1(present, interviewed, axes, themes, facts) -> Step:
    """Step 1's checks, done or not, as services._step1 decides them."""
    categories = set(Category.values)
    return Step(
        1,
        "",
        "",
        [
            Check("", categories <= present),
            Check("", facts["interviews_done"] >= INTERVIEW_MINIMUM),
            Check("", categories <= interviewed),
            Check("", bool(axes) and all(axes)),
            Check("", facts["innovative"] > 0 and facts["emblematic"] > 0),
            Check("", bool(themes) and all(t.reciprocal and t.adapted for t in themes)),
        ],
    )


def _step2(pact, workshops) -> Step:
    """Step 2's checks, done or not, as services._step2 decides them."""
    first = any(w["held"] for w in workshops if w["kind"] == WorkshopKind.COMMITMENTS)
    second = any(w["held"] for w in workshops if w["kind"] == WorkshopKind.GOVERNANCE)
    pending = sum(w["pending_vetoes"] for w in workshops)
    validated = pact is not None and pact.status in (PactStatus.VALIDATED, PactStatus.PUBLISHED)
    return Step(
        2, "", "", [Check("", first), Check("", second), Check("", first and not pending), Check("", validated)]
    )


def _step3(pact, themes, facts, template) -> Step:
    """Step 3's checks, done or not, as services._step3 decides them."""
    editorial = pact.editorial if pact else ""
    acknowledgements = pact.acknowledgements if pact else ""
    indicators = bool(themes) and all(t.has_indicators for t in themes)
    return Step(
        3,
        "",
        "",
        [
            Check("", is_own_text(editorial, template["editorial"])),
            Check("", indicators),
            Check("", is_own_text(acknowledgements, template["acknowledgements"]) and facts["acknowledged"] > 0),
            Check("", facts["version_number"] is not None),
        ],
    )


def _step4(facts) -> Step:
    """Step 4's checks: each circle of the restitution held."""
    return Step(4, "", "", [Check("", facts[f"{circle}_held_on"] is not None) for circle in Circle.values])


def _step5(themes, facts) -> Step:
    """Step 5's checks, done or not, as services._step5 decides them."""
    groups = bool(themes) and all(t.has_group for t in themes)
    return Step(5, "", "", [Check("", facts["principles"] > 0), Check("", groups), Check("", facts["events"] > 0)])


@dataclass
class TerritoryProgress:
    territory: Territory
    steps: list[Step]
    facts: dict = field(default_factory=dict)
    workshops_held: int = 0

    @property
    def step_reached(self) -> int:
        """The first of the 5 steps not done (the method is sequential), or ALL_DONE."""
        return next((s.number for s in self.steps if s.status != "done"), ALL_DONE)

    @property
    def statuses(self) -> list[str]:
        return [s.status for s in self.steps]


def territories_progress(territories=None) -> list[TerritoryProgress]:
    """Every territory of `territories` (a Territory queryset; all by default) with its 5 steps and the figures of
    the roadmap, in 6 queries whatever their number: the territories with their pact and figures, the themes, the
    stakeholders' and interviews' categories, the diagnostic axes, the workshops (and the template, read once from
    its file)."""
    queryset = Territory.objects.all() if territories is None else territories
    figures = _figures()
    rows = list(queryset.select_related("pact").annotate(**figures).order_by("name", "pk"))  # 1
    ids = [t.pk for t in rows]
    if not ids:
        return []
    themes, categories, axes, workshops = _themes(ids), _categories(ids), _axes(ids), _workshops(ids)  # 2-5
    result = []
    for territory in rows:
        facts = {name: getattr(territory, name) for name in figures}
        template = template_texts(facts["from_template"])
        facts["principles"] = facts["own_principles"] if facts["from_template"] else facts["all_principles"]
        own_themes = _themes_for(themes.get(territory.pk, []), template, facts["from_template"])
        pact = getattr(territory, "pact", None)
        present, interviewed = categories.get(territory.pk, (set(), set()))
        steps = [
            _step1(present, interviewed, axes.get(territory.pk, []), own_themes, facts),
            _step2(pact, workshops.get(territory.pk, [])),
            _step3(pact, own_themes, facts, template),
            _step4(facts),
            _step5(own_themes, facts),
        ]
        held = sum(w["held"] for w in workshops.get(territory.pk, []))
        result.append(TerritoryProgress(territory=territory, steps=steps, facts=facts, workshops_held=held))
    return result

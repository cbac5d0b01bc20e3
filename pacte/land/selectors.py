"""Reads of the committee's work from the database, in a bounded number of queries whatever the number of
applications, criteria and members."""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from .models import (
    Application,
    ApplicationStatus,
    CommitteeMember,
    ConflictOfInterest,
    Criterion,
    LandCall,
    Score,
)
from .scoring import CriterionRule, Result, ranking, stability


def call_criteria(call: LandCall) -> list[Criterion]:
    """The call's criteria in the grid's order. 1 query."""
    return list(Criterion.objects.filter(call=call).order_by("order", "pk"))


def scorable_applications(call: LandCall):
    """The applications the committee scores: the complete ones."""
    return Application.objects.filter(call=call, status=ApplicationStatus.COMPLETE).order_by("submitted_at", "pk")


def criterion_rules(criteria: list[Criterion]) -> list[CriterionRule]:
    return [
        CriterionRule(id=c.pk, weight=float(c.weight), eliminatory=c.eliminatory, threshold=c.threshold)
        for c in criteria
    ]


def _ranking_inputs(call: LandCall, criteria: list[Criterion]):
    """(application ids, rules, scores, conflicts) of the complete applications. 3 queries."""
    application_ids = list(scorable_applications(call).values_list("pk", flat=True))
    scores = list(
        Score.objects.filter(
            application__call=call, application__status=ApplicationStatus.COMPLETE, criterion__call=call
        ).values_list("member_id", "application_id", "criterion_id", "value")
    )
    conflicts = set(
        ConflictOfInterest.objects.filter(application__call=call).values_list("member_id", "application_id")
    )
    return application_ids, criterion_rules(criteria), scores, conflicts


def call_ranking(call: LandCall, *, criteria: list[Criterion] | None = None, draws: int | None = None) -> list[Result]:
    """The call's ranking (ranked applications first), each ranked result with its stability under ±20 % weights.
    4 queries (3 when the criteria are given)."""
    if criteria is None:
        criteria = call_criteria(call)
    application_ids, rules, scores, conflicts = _ranking_inputs(call, criteria)
    results = ranking(applications=application_ids, criteria=rules, scores=scores, conflicts=conflicts)
    if draws is None:
        stability(results=results, criteria=rules)
    else:
        stability(results=results, criteria=rules, draws=draws)
    return results


@dataclass
class RankingRow:
    """A line of the ranking table: the result, its application and what the page shows of it."""

    result: Result
    application: Application
    means: list = field(default_factory=list)  # [(criterion, mean or None)] in the grid's order
    eliminated_by: list = field(default_factory=list)  # [criterion]
    expected: int = 0  # scores expected (non-conflicted members × criteria)
    entered: int = 0  # scores entered by non-conflicted members

    @property
    def scoring_complete(self) -> bool:
        return self.expected > 0 and self.entered >= self.expected

    @property
    def stability_percent(self):
        return None if self.result.stability is None else round(self.result.stability * 100, 1)


@dataclass
class RankingTable:
    criteria: list
    rows: list
    members: int


def ranking_table(call: LandCall) -> RankingTable:
    """The ranking with its applications, criteria and how far the scoring went. 7 queries."""
    criteria = call_criteria(call)  # 1
    results = call_ranking(call, criteria=criteria)  # 3
    applications = {a.pk: a for a in scorable_applications(call)}  # 1
    member_ids = list(CommitteeMember.objects.filter(call=call).values_list("pk", flat=True))  # 1
    conflicted = {}  # application id → set of member ids
    entered = {}
    for member_id, application_id in ConflictOfInterest.objects.filter(application__call=call).values_list(
        "member_id", "application_id"
    ):  # 1
        conflicted.setdefault(application_id, set()).add(member_id)
    by_pk = {c.pk: c for c in criteria}
    counts = (
        Score.objects.filter(application__call=call, criterion__call=call, member__call=call)
        .values("application_id", "member_id")
        .annotate(n=Count("pk"))
    )  # 1
    for row in counts:
        if row["member_id"] in conflicted.get(row["application_id"], ()):
            continue
        entered[row["application_id"]] = entered.get(row["application_id"], 0) + row["n"]
    rows = []
    for result in results:
        application = applications.get(result.application_id)
        if application is None:
            continue
        voters = len([m for m in member_ids if m not in conflicted.get(application.pk, ())])
        rows.append(
            RankingRow(
                result=result,
                application=application,
                means=[(c, result.means.get(c.pk)) for c in criteria],
                eliminated_by=[by_pk[pk] for pk in result.eliminated_by],
                expected=voters * len(criteria),
                entered=entered.get(application.pk, 0),
            )
        )
    return RankingTable(criteria=criteria, rows=rows, members=len(member_ids))


@dataclass
class MemberProgress:
    member: CommitteeMember
    entered: int
    expected: int
    conflicts: list

    @property
    def done(self) -> bool:
        return self.expected > 0 and self.entered >= self.expected


def committee_progress(call: LandCall) -> list[MemberProgress]:
    """Per member: scores entered against scores expected (complete applications without a conflict × criteria),
    and the conflicts declared. 4 queries."""
    criteria_count = Criterion.objects.filter(call=call).count()  # 1
    application_ids = set(scorable_applications(call).values_list("pk", flat=True))  # 1
    members = list(
        CommitteeMember.objects.filter(call=call)
        .select_related("user")
        .annotate(
            entered=Count(
                "scores",
                filter=Q(scores__application__status=ApplicationStatus.COMPLETE, scores__application__call=call),
            )
        )
        .order_by("order", "pk")
    )  # 1
    conflicts = {}
    for conflict in ConflictOfInterest.objects.filter(member__call=call).select_related("application"):  # 1
        conflicts.setdefault(conflict.member_id, []).append(conflict)
    progress = []
    for member in members:
        own = conflicts.get(member.pk, [])
        conflicted_complete = len({c.application_id for c in own} & application_ids)
        progress.append(
            MemberProgress(
                member=member,
                entered=member.entered,
                expected=(len(application_ids) - conflicted_complete) * criteria_count,
                conflicts=own,
            )
        )
    return progress

"""Thematic groups (committees), their meetings and follow-up actions, and the year's calendar.

Reads return bounded querysets (a fixed number of queries whatever the number of meetings); writes are
keyword-only functions under a transaction, as everywhere else in the project.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from pacte.indicators.models import Indicator
from pacte.territories.models import Territory

from .models import Cadence, EconomicEvent, FollowUpAction, Meeting, ThematicGroup

# A meeting has a start, not an end: calendars show it as a block of this length.
MEETING_DURATION = datetime.timedelta(hours=2)


def participant_roles(text: str) -> list[str]:
    """The participants of a group, one role per item ("2 DRH d'entreprises locales").

    The source writes them as one comma-separated line; commas inside parentheses stay in their item
    ("2 représentants RSE d'entreprises locales (PME et grand groupe, 2 filières différentes)").
    """
    roles, current, depth = [], [], 0
    for char in (text or "").replace("\n", ","):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0:
            roles.append("".join(current))
            current = []
        else:
            current.append(char)
    roles.append("".join(current))
    return [role.strip().rstrip(".") for role in roles if role.strip()]


def _indicators_prefetch() -> Prefetch:
    return Prefetch("theme__indicators", queryset=Indicator.objects.order_by("order", "pk"))


def groups_overview(*, territory: Territory, now: datetime.datetime | None = None) -> QuerySet:
    """The territory's thematic groups with their theme's indicators, their next meeting and their open
    follow-up actions: 2 queries (the groups with their annotations, the indicators)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    upcoming = Meeting.objects.filter(group=OuterRef("pk"), starts_at__gte=now).order_by("starts_at", "pk")
    open_actions = FollowUpAction.objects.filter(meeting__group=OuterRef("pk"), done=False)

    def count_of(queryset):
        return Coalesce(
            Subquery(
                queryset.order_by().values("meeting__group").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        )

    return (
        ThematicGroup.objects.for_territory(territory)
        .select_related("theme")
        .prefetch_related(_indicators_prefetch())
        .annotate(
            next_meeting_at=Subquery(upcoming.values("starts_at")[:1]),
            next_meeting_place=Subquery(upcoming.values("place")[:1]),
            open_action_count=count_of(open_actions),
            overdue_action_count=count_of(open_actions.filter(due_on__lt=today)),
            meeting_count=Count("meetings", distinct=True),
        )
        .order_by("order", "pk")
    )


def group_meetings(*, group: ThematicGroup) -> QuerySet:
    """A group's meetings with their follow-up actions (2 queries)."""
    return group.meetings.prefetch_related(
        Prefetch("follow_ups", queryset=FollowUpAction.objects.order_by("done", "due_on", "pk"))
    ).order_by("starts_at", "pk")


@transaction.atomic
def group_cadence_set(*, group: ThematicGroup, cadence: str) -> ThematicGroup:
    if cadence not in Cadence.values and cadence != "":
        raise ValueError(f"unknown cadence {cadence!r}")
    group.cadence = cadence
    group.save(update_fields=["cadence"])
    return group


@transaction.atomic
def meeting_save(*, meeting: Meeting) -> Meeting:
    """Creates or updates a meeting (its territory is its group's)."""
    meeting.territory_id = meeting.group.territory_id
    meeting.save()
    return meeting


@transaction.atomic
def follow_up_add(*, meeting: Meeting, text: str, owner: str, due_on: datetime.date | None) -> FollowUpAction:
    order = meeting.follow_ups.count()
    return FollowUpAction.objects.create(
        territory_id=meeting.territory_id, meeting=meeting, text=text, owner=owner, due_on=due_on, order=order
    )


@transaction.atomic
def follow_up_toggle(*, action: FollowUpAction) -> FollowUpAction:
    # Flip in the database, so that two clicks on two screens give the state the second one asked for.
    FollowUpAction.objects.filter(pk=action.pk).update(
        done=Case(When(done=True, then=Value(False)), default=Value(True))
    )
    action.refresh_from_db(fields=["done"])
    return action


def is_overdue(action: FollowUpAction, today: datetime.date) -> bool:
    return not action.done and action.due_on is not None and action.due_on < today


# --- the year's calendar ----------------------------------------------------------------------------------


@dataclass
class CalendarEntry:
    kind: str  # "meeting" or "event"
    day: datetime.date
    title: str
    starts_at: datetime.datetime | None = None  # meetings only (local time)
    place: str = ""
    detail: str = ""
    obj: object = None


@dataclass
class CalendarMonth:
    number: int
    name: str
    entries: list[CalendarEntry] = field(default_factory=list)


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def calendar_meetings(*, territory: Territory, year: int | None = None) -> QuerySet:
    meetings = Meeting.objects.for_territory(territory).select_related("group")
    if year is not None:
        start, end = _year_bounds(year)
        meetings = meetings.filter(starts_at__gte=start, starts_at__lt=end)
    return meetings.order_by("starts_at", "pk")


def calendar_events(*, territory: Territory, year: int | None = None) -> QuerySet:
    events = EconomicEvent.objects.for_territory(territory)
    if year is not None:
        events = events.filter(date__year=year)
    return events.order_by("date", "pk")


def calendar_year(*, territory: Territory, year: int) -> list[CalendarMonth]:
    """The 12 months of a year with the meetings of every group and the economic events (2 queries)."""
    months = [CalendarMonth(number=m, name=date_format(datetime.date(year, m, 1), "F")) for m in range(1, 13)]
    for meeting in calendar_meetings(territory=territory, year=year):
        local = timezone.localtime(meeting.starts_at)
        months[local.month - 1].entries.append(
            CalendarEntry(
                kind="meeting",
                day=local.date(),
                starts_at=local,
                title=meeting.group.name,
                place=meeting.place,
                obj=meeting,
            )
        )
    for event in calendar_events(territory=territory, year=year):
        months[event.date.month - 1].entries.append(
            CalendarEntry(kind="event", day=event.date, title=event.name, detail=event.organiser, obj=event)
        )
    for month in months:
        month.entries.sort(key=lambda e: (e.day, e.starts_at.time() if e.starts_at else datetime.time.min))
    return months


def calendar_years(*, territory: Territory, around: int) -> list[int]:
    """The years that have a meeting or an event, with the year shown and its neighbours (2 queries)."""
    years = {around - 1, around, around + 1}
    years |= {d.year for d in Meeting.objects.for_territory(territory).datetimes("starts_at", "year")}
    years |= {d.year for d in EconomicEvent.objects.for_territory(territory).dates("date", "year")}
    return sorted(years)


def year_from(value: str | None, *, default: int) -> int:
    """The year asked in the query string (?annee=2025), or the default for anything else."""
    if value and value.isdigit() and 1900 < int(value) < 2200:
        return int(value)
    return default

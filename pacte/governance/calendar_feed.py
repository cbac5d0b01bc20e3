"""The public ICS feed of a territory: its economic events and the dates of its committees' meetings.

Calendar applications subscribe to it without signing in, so it carries only what a citizen may read:
the meetings' dates, group and place, never their agenda, minutes, decisions or follow-up actions.
UIDs are stable (`meeting-<pk>@<host>`, `event-<pk>@<host>`), so a subscription updates events in place.
"""

import datetime

from django.utils import timezone
from icalendar import Calendar, Event

from pacte.territories.models import Territory

from .services_committees import MEETING_DURATION, calendar_events, calendar_meetings

PRODID = "-//Pacte industrie-territoire//Calendrier du territoire//FR"


def _uid(kind: str, pk: int, host: str) -> str:
    return f"{kind}-{pk}@{host}"


def calendar_ics(*, territory: Territory, host: str, now: datetime.datetime | None = None) -> bytes:
    """The feed as bytes (UTF-8), 2 queries: the meetings with their group, the economic events."""
    stamp = (now or timezone.now()).astimezone(datetime.UTC)
    tz = timezone.get_current_timezone()
    host = host.split(":")[0] or "pacte.localhost"
    name = f"Pacte industrie-territoire — {territory.name}"

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-timezone", str(tz))

    first = last = None
    for event in calendar_events(territory=territory):
        item = Event()
        item.add("uid", _uid("event", event.pk, host))
        item.add("dtstamp", stamp)
        item.add("dtstart", event.date)  # all-day: VALUE=DATE
        item.add("dtend", event.date + datetime.timedelta(days=1))
        item.add("summary", event.name)
        description = "\n".join(part for part in (event.description, _organised_by(event.organiser)) if part)
        if description:
            item.add("description", description)
        item.add("categories", ["Rencontre économique"])
        cal.add_component(item)

    for meeting in calendar_meetings(territory=territory):
        start = meeting.starts_at.astimezone(tz)
        first = min(first or start.date(), start.date())
        last = max(last or start.date(), start.date())
        item = Event()
        item.add("uid", _uid("meeting", meeting.pk, host))
        item.add("dtstamp", stamp)
        item.add("dtstart", start)
        item.add("dtend", start + MEETING_DURATION)
        item.add("summary", f"Réunion — {meeting.group.name}")
        if meeting.place:
            item.add("location", meeting.place)
        item.add(
            "description",
            f"{meeting.group.name} : réunion de suivi du pacte industrie-territoire, animée par les EPCI du"
            " Territoire d'industrie.",
        )
        item.add("categories", ["Groupe thématique"])
        cal.add_component(item)

    if first is not None:
        # VTIMEZONE for Europe/Paris, limited to the years of the meetings (the feed stays small).
        cal.add_missing_timezones(
            first_date=datetime.date(first.year, 1, 1), last_date=datetime.date(last.year + 1, 1, 1)
        )
    return cal.to_ical()


def _organised_by(organiser: str) -> str:
    return f"Organisé par : {organiser}" if organiser else ""

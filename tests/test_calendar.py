"""The year's calendar: the team's page, the public page and the public ICS feed calendar applications subscribe to."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pytest_django.asserts import assertContains, assertNotContains

from pacte.governance.demo_committees import ILLUSTRATION, committees_demo_load
from pacte.governance.models import EconomicEvent, FollowUpAction, Meeting, ThematicGroup
from tests.test_committees import _multiply_meetings
from tests.test_queries import queries_for

PARIS = timezone.get_current_timezone()
CALENDAR_BUDGET = 9  # session, user, territory, team check, pact, meetings with their group, events, 2 for the years
FEED_BUDGET = 3  # territory with its pact, events, meetings with their group
PUBLIC_CALENDAR_BUDGET = 5  # territory with its pact, meetings with their group, events, 2 for the years


@pytest.fixture
def demo(territory_a):
    committees_demo_load(territory=territory_a)
    return territory_a


def ics_of(client, territory):
    response = client.get(reverse("committees:ics", args=[territory.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content), response.content.decode("utf-8")


# --- the team's page ----------------------------------------------------------------------------------------


def test_it_shows_a_year_of_meetings_and_events_by_month(client_for, alice, demo):
    client = client_for(alice)
    page = reverse("committees:calendar", args=[demo.slug])
    response = client.get(page + "?annee=2025")
    html = response.content.decode()
    march = html.split('id="mois-3"')[1].split("</section>")[0]
    assert "Groupe thématique Attractivité" in march
    december = html.split('id="mois-12"')[1].split("</section>")[0]
    assert "Groupe thématique Attractivité" in december
    assert "Groupe thématique Environnement" not in december  # semi-annual: April and October
    assertNotContains(response, ILLUSTRATION)  # the calendar lists dates, not agendas
    assertContains(response, "webcal://testserver/territoires/rochefort-royan-marennes-oleron/calendrier.ics")

    events = client.get(page + "?annee=2024").content.decode()
    assert "Boost&#x27;éco" in events.split('id="mois-6"')[1].split("</section>")[0]
    assert "Imagine Rochefort Océan" in events.split('id="mois-12"')[1].split("</section>")[0]
    assert "Événement annuel d&#x27;Asteur" in events.split('id="mois-11"')[1].split("</section>")[0]


def test_it_defaults_to_the_current_year_and_ignores_a_bad_year(client_for, alice, demo):
    page = reverse("committees:calendar", args=[demo.slug])
    year = timezone.localdate().year
    assertContains(client_for(alice).get(page), f"Calendrier {year}")
    assertContains(client_for(alice).get(page + "?annee=deux-mille"), f"Calendrier {year}")


def test_it_refuses_the_calendar_to_another_territory_and_to_anonymous(client, client_for, bob, territory_a):
    page = reverse("committees:calendar", args=[territory_a.slug])
    response = client.get(page)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert client_for(bob).get(page).status_code == 403


def test_it_says_the_feed_waits_for_publication(client_for, bob, territory_b):
    response = client_for(bob).get(reverse("committees:calendar", args=[territory_b.slug]))
    assertContains(response, "sera disponible dès la publication du pacte")
    assertNotContains(response, "webcal://")


# --- the ICS feed -------------------------------------------------------------------------------------------


def test_it_publishes_the_economic_events_as_all_day_events(client, demo):
    calendar, _text = ics_of(client, demo)
    events = {e.get("summary"): e for e in calendar.walk("VEVENT") if str(e.get("uid")).startswith("event-")}
    assert {name: e.decoded("dtstart") for name, e in events.items()} == {
        "Imagine Rochefort Océan": datetime.date(2024, 12, 17),
        "Événement annuel d'Asteur": datetime.date(2024, 11, 25),
        "Boost'éco": datetime.date(2024, 6, 6),
    }
    boost = events["Boost'éco"]
    assert boost.decoded("dtend") == datetime.date(2024, 6, 7)
    assert "Royan Atlantique" in str(boost.get("description"))
    assert boost.get("dtstamp") is not None
    pk = EconomicEvent.objects.for_territory(demo).get(name="Boost'éco").pk
    assert str(boost.get("uid")) == f"event-{pk}@testserver"


def test_it_publishes_the_meetings_in_paris_time_without_their_content(client, demo):
    meeting = Meeting.objects.for_territory(demo).order_by("starts_at").first()
    meeting.decisions = "Décision confidentielle"
    meeting.save()
    FollowUpAction.objects.create(meeting=meeting, text="Action interne à ne pas publier", owner="Personne privée")
    calendar, text = ics_of(client, demo)
    meetings = [e for e in calendar.walk("VEVENT") if str(e.get("uid")).startswith("meeting-")]
    assert len(meetings) == Meeting.objects.for_territory(demo).count() == 12
    first = next(e for e in meetings if str(e.get("uid")) == f"meeting-{meeting.pk}@testserver")
    start = first.decoded("dtstart")
    assert start == meeting.starts_at and str(start.tzinfo) == "Europe/Paris"
    assert (start.hour, start.minute) == (9, 30)
    assert first.decoded("dtend") - start == datetime.timedelta(hours=2)
    assert str(first.get("summary")) == f"Réunion — {meeting.group.name}"
    assert str(first.get("location")) == meeting.place
    assert "TZID=Europe/Paris" in text and "BEGIN:VTIMEZONE" in text
    unfolded = text.replace("\r\n ", "")
    for secret in (ILLUSTRATION, "Compte rendu", "Décision confidentielle", "Action interne", "Personne privée"):
        assert secret not in unfolded


def test_it_keeps_uids_stable_between_two_downloads(client, demo):
    first, _ = ics_of(client, demo)
    second, _ = ics_of(client, demo)
    assert [str(e.get("uid")) for e in first.walk("VEVENT")] == [str(e.get("uid")) for e in second.walk("VEVENT")]


def test_it_serves_the_feed_without_login_but_only_for_a_published_pact(client, client_for, bob, territory_b):
    draft = reverse("committees:ics", args=[territory_b.slug])
    assert client.get(draft).status_code == 404
    assert client_for(bob).get(draft).status_code == 404  # no signed-in preview: the feed is public or absent
    assert client.get(reverse("committees:ics", args=["territoire-inconnu"])).status_code == 404


# --- the public page ----------------------------------------------------------------------------------------


def test_it_shows_the_public_calendar_to_citizens(client, demo):
    page = reverse("committees:public_calendar", args=[demo.slug])
    response = client.get(page + "?annee=2025")
    assertContains(response, "Groupe thématique Innovation")
    assertContains(response, "calendrier.ics")
    assertNotContains(response, ILLUSTRATION)
    assertNotContains(response, "/reunions/")  # no link to the team's meeting records
    assertContains(client.get(page + "?annee=2024"), "Boost&#x27;éco")


def test_it_hides_the_public_calendar_of_a_draft(client, territory_b):
    assert client.get(reverse("committees:public_calendar", args=[territory_b.slug])).status_code == 404
    assert client.get(reverse("committees:public_calendar", args=["territoire-inconnu"])).status_code == 404


# --- query budgets ------------------------------------------------------------------------------------------


def test_it_renders_the_calendar_in_bounded_queries(client_for, alice, demo):
    client, team_client = Client(), client_for(alice)  # an anonymous citizen, and alice
    team = reverse("committees:calendar", args=[demo.slug]) + "?annee=2025"
    public = reverse("committees:public_calendar", args=[demo.slug]) + "?annee=2025"
    feed = reverse("committees:ics", args=[demo.slug])
    once = queries_for(client, feed), queries_for(client, public), queries_for(team_client, team)
    _multiply_meetings(demo, 30)
    twice = queries_for(client, feed), queries_for(client, public), queries_for(team_client, team)
    assert twice == once
    assert once[0] <= FEED_BUDGET and once[1] <= PUBLIC_CALENDAR_BUDGET and once[2] <= CALENDAR_BUDGET


def test_it_lists_every_group_meeting_of_the_year(client_for, alice, demo):
    response = client_for(alice).get(reverse("committees:calendar", args=[demo.slug]) + "?annee=2025")
    assert response.content.decode().count('data-kind="meeting"') == Meeting.objects.for_territory(demo).count()
    assert ThematicGroup.objects.for_territory(demo).count() == 6

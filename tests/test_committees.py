"""Thematic groups (committees): the groups page, a group's meetings, follow-up actions, the demo, and who may
see or change them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from pacte.commitments.models import Theme
from pacte.governance.demo_committees import ILLUSTRATION, cadence_from_animation, committees_demo_load
from pacte.governance.models import FollowUpAction, Meeting, ThematicGroup
from pacte.governance.services_committees import participant_roles
from pacte.indicators.models import Indicator
from tests.test_queries import queries_for

PARIS = timezone.get_current_timezone()
# session, user, territory, team check, the groups (theme, next meeting and action counts as subqueries),
# their themes' indicators, the write check
GROUPS_BUDGET = 7
# session, user, territory, team check, the group, its meetings, their follow-up actions, write check, indicators
GROUP_BUDGET = 9
NOTE = "Les élus ne siègent pas dans les comités ; ils sont consultés de manière ad hoc"


@pytest.fixture
def groups_a(territory_a):
    return list(ThematicGroup.objects.for_territory(territory_a).select_related("theme").order_by("order", "pk"))


@pytest.fixture
def attractivite(groups_a):
    return next(g for g in groups_a if g.theme.code == "attractivite")


@pytest.fixture
def meeting(attractivite):
    return Meeting.objects.create(
        group=attractivite,
        starts_at=datetime.datetime(2025, 3, 12, 9, 30, tzinfo=PARIS),
        place="Hôtel de la communauté d'agglomération",
        agenda="Ordre du jour secret",
        minutes="Compte rendu confidentiel",
    )


@pytest.fixture
def group_b(territory_b):
    group = ThematicGroup.objects.for_territory(territory_b).first()
    if group is None:
        theme = Theme.objects.for_territory(territory_b).first() or Theme.objects.create(
            territory=territory_b, code="attractivite", name="Attractivité"
        )
        group = ThematicGroup.objects.create(territory=territory_b, theme=theme, name="Groupe de Dunkerque")
    return group


def url(name, territory, *args):
    return reverse(f"committees:{name}", args=[territory.slug, *args])


# --- the groups page ----------------------------------------------------------------------------------------


def test_it_lists_the_six_groups_with_their_roles_partners_and_indicators(client_for, alice, territory_a, groups_a):
    response = client_for(alice).get(url("groups", territory_a))
    assert response.status_code == 200
    assert len(groups_a) == 6
    for group in groups_a:
        assertContains(response, group.name)
    assertContains(response, "<li>2 DRH d&#x27;entreprises locales</li>", html=True)
    assertContains(response, "Rotary club de Rochefort")
    assertContains(response, NOTE)
    indicator = Indicator.objects.for_territory(territory_a).filter(theme__code="environnement").first()
    assertContains(response, escape(indicator.name))


def test_it_splits_participants_by_role_keeping_parentheses_whole():
    roles = participant_roles(
        "Direction de la transition écologique, Région (Néo Terra), 2 représentants RSE d'entreprises locales "
        "(PME et grand groupe, 2 filières différentes)"
    )
    assert roles == [
        "Direction de la transition écologique",
        "Région (Néo Terra)",
        "2 représentants RSE d'entreprises locales (PME et grand groupe, 2 filières différentes)",
    ]
    assert participant_roles("Direction de l'Economie, 2 DRH d'entreprises locales,") == [
        "Direction de l'Economie",
        "2 DRH d'entreprises locales",
    ]


def test_it_shows_the_next_meeting_and_the_open_follow_up_actions(client_for, alice, territory_a, attractivite):
    soon = timezone.now() + datetime.timedelta(days=10)
    later = Meeting.objects.create(group=attractivite, starts_at=soon + datetime.timedelta(days=30), place="Royan")
    nearest = Meeting.objects.create(group=attractivite, starts_at=soon, place="Salle du Technopôle")
    FollowUpAction.objects.create(meeting=nearest, text="a", owner="x")
    FollowUpAction.objects.create(meeting=later, text="b", owner="y")
    FollowUpAction.objects.create(meeting=later, text="c", owner="z", done=True)
    response = client_for(alice).get(url("groups", territory_a))
    section = response.content.decode().split(f'id="groupe-{attractivite.pk}"')[1].split("</section>")[0]
    assert "Salle du Technopôle" in section
    assert "2 actions de suivi ouvertes" in section


def test_it_changes_a_group_cadence(client_for, alice, territory_a, attractivite):
    client = client_for(alice)
    response = client.post(url("group_cadence", territory_a, attractivite.pk), {"cadence": "semestriel"})
    assert response.status_code == 302
    attractivite.refresh_from_db()
    assert attractivite.cadence == "semestriel"
    assertContains(client.get(url("groups", territory_a)), "Semestrielle")


def test_it_refuses_an_unknown_cadence(client_for, alice, territory_a, attractivite):
    client = client_for(alice)
    response = client.post(url("group_cadence", territory_a, attractivite.pk), {"cadence": "hebdo"}, follow=True)
    assertContains(response, "Cadence inconnue")
    attractivite.refresh_from_db()
    assert attractivite.cadence != "hebdo"


# --- meetings -----------------------------------------------------------------------------------------------


def test_it_creates_a_meeting_in_paris_time(client_for, alice, territory_a, attractivite):
    response = client_for(alice).post(
        url("meeting_create", territory_a, attractivite.pk),
        {
            "date": "2025-06-12",
            "time": "14:00",
            "place": "Maison des Industries",
            "agenda": "Point 1\nPoint 2",
            "minutes": "",
            "decisions": "Décision A\nDécision B",
        },
    )
    meeting = Meeting.objects.get(group=attractivite)
    assert response.status_code == 302
    assert response.url == url("meeting", territory_a, meeting.pk)
    assert meeting.territory_id == territory_a.pk
    assert timezone.localtime(meeting.starts_at) == datetime.datetime(2025, 6, 12, 14, 0, tzinfo=PARIS)
    assert meeting.starts_at.utcoffset() == datetime.timedelta(0)  # stored in UTC: 12:00
    assert meeting.starts_at.hour == 12
    page = client_for(alice).get(response.url)
    assertContains(page, "<li>Décision B</li>", html=True)


def test_it_explains_a_missing_date_in_french(client_for, alice, territory_a, attractivite):
    response = client_for(alice).post(url("meeting_create", territory_a, attractivite.pk), {"date": "", "time": ""})
    assert response.status_code == 200
    assertContains(response, "Indiquez la date de la réunion.")
    assertContains(response, "Indiquez l&#x27;heure de la réunion.")
    assert not Meeting.objects.filter(group=attractivite).exists()


def test_it_edits_a_meeting(client_for, alice, territory_a, meeting):
    client = client_for(alice)
    assertContains(client.get(url("meeting", territory_a, meeting.pk) + "?modifier=1"), 'value="2025-03-12"')
    response = client.post(
        url("meeting", territory_a, meeting.pk),
        {
            "date": "2025-03-19",
            "time": "10:15",
            "place": "Rochefort",
            "agenda": "Nouvel ordre",
            "minutes": "Compte rendu",
            "decisions": "",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert timezone.localtime(meeting.starts_at) == datetime.datetime(2025, 3, 19, 10, 15, tzinfo=PARIS)
    assert (meeting.place, meeting.agenda, meeting.minutes) == ("Rochefort", "Nouvel ordre", "Compte rendu")


def test_it_shows_meetings_with_their_actions_on_the_group_page(client_for, alice, territory_a, attractivite, meeting):
    FollowUpAction.objects.create(meeting=meeting, text="Envoyer l'invitation", owner="CARO")
    response = client_for(alice).get(url("group", territory_a, attractivite.pk))
    assertContains(response, f'id="reunion-{meeting.pk}"')
    assertContains(response, "Envoyer l&#x27;invitation")
    assertContains(response, NOTE)
    assertContains(response, "Réunions passées")


# --- follow-up actions --------------------------------------------------------------------------------------


def test_it_adds_a_follow_up_action(client_for, alice, territory_a, meeting):
    response = client_for(alice).post(
        url("meeting_follow_up", territory_a, meeting.pk),
        {"text": "Relancer les DRH", "owner": "Chef de projet", "due_on": "2025-04-30", "retour": "groupe"},
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#reunion-{meeting.pk}")
    action = FollowUpAction.objects.get(meeting=meeting)
    assert (action.text, action.owner, action.due_on, action.done) == (
        "Relancer les DRH",
        "Chef de projet",
        datetime.date(2025, 4, 30),
        False,
    )
    assert action.territory_id == territory_a.pk


def test_it_refuses_a_follow_up_action_without_owner(client_for, alice, territory_a, meeting):
    response = client_for(alice).post(url("meeting_follow_up", territory_a, meeting.pk), {"text": "Relancer"})
    assert response.status_code == 400
    assertContains(response, "Indiquez qui est responsable de l&#x27;action.", status_code=400)
    assert not FollowUpAction.objects.filter(meeting=meeting).exists()


def test_it_toggles_a_follow_up_action(client_for, alice, territory_a, meeting):
    action = FollowUpAction.objects.create(meeting=meeting, text="Relancer", owner="CARO")
    client = client_for(alice)
    toggle = url("meeting_follow_up_toggle", territory_a, action.pk)
    assert client.post(toggle, {"retour": "reunion"}).status_code == 302
    action.refresh_from_db()
    assert action.done
    response = client.post(toggle, {"retour": "groupe"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    action.refresh_from_db()
    assert not action.done
    assertContains(response, f'id="action-{action.pk}"')
    assertContains(response, "Marquer comme faite")
    assertNotContains(response, "<html")


def test_it_highlights_overdue_actions(client_for, alice, territory_a, attractivite, meeting):
    today = timezone.localdate()
    overdue = FollowUpAction.objects.create(
        meeting=meeting, text="En souffrance", owner="A", due_on=today - datetime.timedelta(days=1)
    )
    on_time = FollowUpAction.objects.create(
        meeting=meeting, text="Dans les temps", owner="B", due_on=today + datetime.timedelta(days=5)
    )
    done_late = FollowUpAction.objects.create(
        meeting=meeting, text="Faite en retard", owner="C", due_on=today - datetime.timedelta(days=9), done=True
    )
    for page in (url("group", territory_a, attractivite.pk), url("meeting", territory_a, meeting.pk)):
        html = client_for(alice).get(page).content.decode()

        def row(action, html=html):
            return html.split(f'id="action-{action.pk}"')[1].split("</li>")[0]

        assert "En retard" in row(overdue) and "pacte-follow-up--overdue" in html
        assert "En retard" not in row(on_time)
        assert "En retard" not in row(done_late)
    response = client_for(alice).get(url("groups", territory_a))
    section = response.content.decode().split(f'id="groupe-{attractivite.pk}"')[1].split("</section>")[0]
    assert "1 en retard" in section


# --- who may see and change what ----------------------------------------------------------------------------


def _pages(territory, group, meeting, action):
    return [
        ("get", url("groups", territory)),
        ("get", url("group", territory, group.pk)),
        ("get", url("meeting_create", territory, group.pk)),
        ("get", url("meeting", territory, meeting.pk)),
        ("get", url("calendar", territory)),
        ("post", url("group_cadence", territory, group.pk)),
        ("post", url("meeting_create", territory, group.pk)),
        ("post", url("meeting", territory, meeting.pk)),
        ("post", url("meeting_follow_up", territory, meeting.pk)),
        ("post", url("meeting_follow_up_toggle", territory, action.pk)),
    ]


@pytest.fixture
def action(meeting):
    return FollowUpAction.objects.create(meeting=meeting, text="Relancer", owner="CARO")


def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a, attractivite, meeting, action):
    for method, page in _pages(territory_a, attractivite, meeting, action):
        response = getattr(client, method)(page)
        assert response.status_code == 302, page
        assert response.url.startswith(reverse("accounts:login"))


def test_it_refuses_another_territory_team(client_for, bob, territory_a, attractivite, meeting, action):
    client = client_for(bob)
    for method, page in _pages(territory_a, attractivite, meeting, action):
        assert getattr(client, method)(page, {"cadence": "ad_hoc"}).status_code == 403, page
    attractivite.refresh_from_db()
    assert attractivite.cadence != "ad_hoc"


def test_it_hides_a_territory_objects_behind_another_slug(client_for, bob, territory_b, attractivite, meeting, action):
    """Bob on his own territory's URLs with A's ids: 404, and nothing changes."""
    client = client_for(bob)
    for method, page in _pages(territory_b, attractivite, meeting, action)[1:]:
        if page == url("calendar", territory_b):
            continue
        assert getattr(client, method)(page, {"cadence": "ad_hoc", "text": "x", "owner": "y"}).status_code == 404
    action.refresh_from_db()
    assert not action.done
    assert not FollowUpAction.objects.filter(text="x").exists()


def test_it_404s_a_group_of_another_territory(client_for, alice, territory_a, group_b):
    assert client_for(alice).get(url("group", territory_a, group_b.pk)).status_code == 404
    assert (
        client_for(alice).post(url("group_cadence", territory_a, group_b.pk), {"cadence": "annuel"}).status_code == 404
    )


def test_it_lets_a_viewer_read_but_not_write(client_for, victor, territory_a, attractivite, meeting, action):
    client = client_for(victor)
    for method, page in _pages(territory_a, attractivite, meeting, action):
        response = getattr(client, method)(page, {"cadence": "ad_hoc", "date": "2025-01-01", "time": "10:00"})
        assert response.status_code == (200 if method == "get" else 403), page
    response = client.get(url("group", territory_a, attractivite.pk))
    assertNotContains(response, "Nouvelle réunion")
    assertNotContains(response, "Marquer comme faite")
    assertNotContains(client.get(url("groups", territory_a)), "Changer la cadence")
    action.refresh_from_db()
    assert not action.done


# --- the demo -----------------------------------------------------------------------------------------------


def test_it_reads_the_cadence_of_the_animation_lines():
    assert cadence_from_animation("Rencontres trimestrielles d'un réseau d'ambassadeurs") == "trimestriel"
    assert cadence_from_animation("Comité semestriel, animations ad hoc à la Maison des Industries") == "semestriel"
    assert cadence_from_animation("comité ad hoc en fonction des projets d'implantation") == "ad_hoc"
    assert cadence_from_animation("comités et partenaires en lien avec la gouvernance en place") == "ad_hoc"


def test_it_loads_the_committees_demo(territory_a, groups_a):
    summary = committees_demo_load(territory=territory_a)
    cadences = dict(ThematicGroup.objects.for_territory(territory_a).values_list("theme__code", "cadence"))
    assert cadences == {
        "attractivite": "trimestriel",
        "environnement": "semestriel",
        "formation-emploi": "semestriel",
        "innovation": "semestriel",
        "implantation-mutualisation": "ad_hoc",
        "mobilite-logement": "ad_hoc",
    }
    meetings = Meeting.objects.for_territory(territory_a)
    assert summary == {"groups": 6, "meetings": 4 + 2 * 3 + 1 * 2, "follow_up_actions": 12}
    assert {m.starts_at.year for m in meetings} == {2025}
    assert all(m.agenda.startswith(ILLUSTRATION) and m.minutes.startswith(ILLUSTRATION) for m in meetings)
    actions = FollowUpAction.objects.for_territory(territory_a)
    for group in groups_a:
        assert sorted(actions.filter(meeting__group=group).values_list("done", flat=True)) == [False, True]
    # Idempotent: a second run replaces the illustrations and keeps the team's own meetings.
    own = Meeting.objects.create(group=groups_a[0], starts_at=timezone.now(), agenda="Notre réunion")
    committees_demo_load(territory=territory_a)
    assert Meeting.objects.for_territory(territory_a).count() == 13 and Meeting.objects.filter(pk=own.pk).exists()
    assert FollowUpAction.objects.for_territory(territory_a).count() == 12


def test_it_shows_the_demo_on_the_group_page(client_for, alice, territory_a, attractivite):
    committees_demo_load(territory=territory_a)
    response = client_for(alice).get(url("group", territory_a, attractivite.pk))
    assertContains(response, ILLUSTRATION)
    assertContains(response, 'data-testid="overdue"')  # the open action was due at the end of 2025


# --- query budgets ------------------------------------------------------------------------------------------


def _multiply_meetings(territory, factor):
    groups = list(ThematicGroup.objects.for_territory(territory))
    base = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=PARIS)
    meetings = Meeting.objects.bulk_create(
        Meeting(territory=territory, group=g, starts_at=base + datetime.timedelta(days=7 * i + g.order), place="Salle")
        for g in groups
        for i in range(factor)
    )
    FollowUpAction.objects.bulk_create(
        FollowUpAction(territory=territory, meeting=m, text="t", owner="o", due_on=datetime.date(2025, 2, 1))
        for m in meetings
        for _ in range(2)
    )


def test_it_renders_the_groups_page_in_bounded_queries(client_for, alice, territory_a):
    committees_demo_load(territory=territory_a)
    client = client_for(alice)
    page = url("groups", territory_a)
    once = queries_for(client, page)
    _multiply_meetings(territory_a, 30)
    assert queries_for(client, page) == once <= GROUPS_BUDGET


def test_it_renders_a_group_page_in_bounded_queries(client_for, alice, territory_a, attractivite):
    committees_demo_load(territory=territory_a)
    client = client_for(alice)
    page = url("group", territory_a, attractivite.pk)
    once = queries_for(client, page)
    _multiply_meetings(territory_a, 30)
    assert queries_for(client, page) == once <= GROUP_BUDGET

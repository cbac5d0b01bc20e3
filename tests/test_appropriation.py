"""Step 4, the appropriation of the pact (/espace/<slug>/restitution/): the restitution plan by widening
circles, the record of each restitution, its access rules, and the roadmap's steps 3 and 4."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from pacte.appropriation.models import CIRCLE_DEFAULTS, Circle, Presentation, PresentationQuestion
from pacte.appropriation.services import presentation_create, presentation_plan_create, presentations_for
from pacte.publications.models import PactVersion
from pacte.roadmap.services import roadmap_for
from pacte.territories.services import territory_create

CIRCLES = [
    "Copil Territoire d'industrie",
    "Bureau communautaire",
    "Ensemble des élus",
    "Ensemble des acteurs économiques",
]

# --- helpers -----------------------------------------------------------------------------------------------


def plan_url(territory):
    return reverse("appropriation:plan", args=[territory.slug])


def update_url(territory, presentation):
    return reverse("appropriation:presentation_update", args=[territory.slug, presentation.pk])


def create_url(territory):
    return reverse("appropriation:presentation_create", args=[territory.slug])


def circle_of(territory, circle):
    return Presentation.objects.get(territory=territory, circle=circle)


def stored(presentation):
    return Presentation.objects.filter(pk=presentation.pk).values().get()


QUESTIONS = [("Quel calendrier pour les groupes thématiques ?", "Lancement en septembre"), ("Et le foncier ?", "")]


def questions_data(pairs, initial=0):
    """The question rows of the form, as the browser sends them (a formset prefixed "questions")."""
    data = {"questions-TOTAL_FORMS": str(len(pairs)), "questions-INITIAL_FORMS": str(initial)}
    for i, (question, answer) in enumerate(pairs):
        data[f"questions-{i}-question"] = question
        data[f"questions-{i}-answer"] = answer
    return data


def form_data(version=None, questions=QUESTIONS, **overrides):
    data = {
        "title": "",
        "contents": "Restitution de la démarche et des engagements",
        "date": "2025-03-20",
        "audience": "Copil du 20 mars : 18 élus et partenaires",
        "version": str(version.pk) if version else "",
        "held": "on",
        **questions_data(questions),
    }
    return {key: value for key, value in (data | overrides).items() if value is not None}


@pytest.fixture
def version_a(territory_a):
    return PactVersion.objects.get(territory=territory_a, number=1)


@pytest.fixture
def version_b(territory_b):
    return PactVersion.objects.create(
        territory=territory_b, number=1, published_on=datetime.date(2025, 5, 2), content={"title": "Pacte de B"}
    )


@pytest.fixture
def copil_a(territory_a):
    return circle_of(territory_a, Circle.COPIL)


# --- the default plan --------------------------------------------------------------------------------------


def test_it_creates_the_plan_of_the_4_circles_in_their_widening_order(territory_a):
    presentations = presentations_for(territory_a)
    assert [p.get_circle_display() for p in presentations] == CIRCLES
    assert [p.held for p in presentations] == [False] * 4  # the source dates none of them
    assert [p.content_list for p in presentations] == [
        [
            "Restitution de la démarche et des engagements",
            "La gouvernance du pacte est évoquée après ce moment d'appropriation",
        ],
        [
            "Restitution de la démarche, des engagements et éventuelles réponses aux questions évoquées en COPIL "
            "Territoire d'industrie"
        ],
        ["Restitution de la démarche et des engagements"],
        [
            "Restitution de la démarche, du diagnostic, des engagements",
            "Valorisation des fiertés industrielles locales",
            "Proposition d'une gouvernance et visibilité sur l'année à venir",
        ],
    ]


def test_it_takes_the_contents_of_the_plan_from_the_source(source_text):
    flat = " ".join(source_text.split())
    for circle in (Circle.COPIL, Circle.BUREAU, Circle.ACTEURS):
        for item in CIRCLE_DEFAULTS[circle]["contents"]:
            assert item in flat, item


def test_it_creates_the_plan_only_once(territory_a):
    assert presentation_plan_create(territory=territory_a) == []
    assert Presentation.objects.filter(territory=territory_a).count() == 4


def test_it_creates_the_plan_for_a_territory_made_from_the_template(territory_b):
    assert [p.circle for p in presentations_for(territory_b)] == Circle.values


def test_it_creates_the_missing_plan_on_the_first_visit(client_for, nadia):
    territory = territory_create(name="La Rochelle", sirens=["241700434"], region="Nouvelle-Aquitaine")
    assert not Presentation.objects.filter(territory=territory).exists()
    response = client_for(nadia).get(plan_url(territory))
    assert response.status_code == 200
    assert [p.circle for p in presentations_for(territory)] == Circle.values
    client_for(nadia).get(plan_url(territory))
    assert Presentation.objects.filter(territory=territory).count() == 4


def test_it_shows_the_version_to_present_in_the_reference_case(territory_a, version_a):
    assert {p.version_id for p in presentations_for(territory_a)} == {version_a.pk}


# --- the plan page -----------------------------------------------------------------------------------------


def test_it_shows_the_circles_in_order_with_what_is_presented(client_for, alice, territory_a):
    response = client_for(alice).get(plan_url(territory_a))
    content = response.content.decode()
    positions = [content.index(f"{i}. {escape(circle)}</h2>") for i, circle in enumerate(CIRCLES, start=1)]
    assert positions == sorted(positions)
    assertContains(response, "Valorisation des fiertés industrielles locales")
    assertContains(response, "v1 du 01/03/2025", count=4)
    assertContains(response, 'data-held="false"', count=4)
    assertContains(response, "0 cercle sur 4 a eu sa restitution.")
    assertContains(response, "Renseigner cette restitution", count=4)


def test_it_records_a_circle_and_shows_it_held(client_for, alice, territory_a, copil_a, version_a):
    client = client_for(alice)
    response = client.post(update_url(territory_a, copil_a), form_data(version_a))
    assert response.status_code == 302
    copil_a.refresh_from_db()
    assert (copil_a.held, copil_a.date, copil_a.version_id) == (True, datetime.date(2025, 3, 20), version_a.pk)
    assert copil_a.audience == "Copil du 20 mars : 18 élus et partenaires"
    assert copil_a.question_answers == [
        ("Quel calendrier pour les groupes thématiques ?", "Lancement en septembre"),
        ("Et le foncier ?", ""),
    ]
    page = client.get(plan_url(territory_a))
    assertContains(page, 'data-held="true"', count=1)
    assertInHTML('<dd data-field="date">20/03/2025</dd>', page.content.decode())
    assertContains(page, "<em data-answer>Lancement en septembre</em>", html=True)
    assertNotContains(page, "réponse à apporter")
    assertContains(page, "Sans réponse pour l'instant", count=1)
    assertContains(page, "1 cercle sur 4 a eu sa restitution.")


def test_it_refuses_a_held_restitution_without_a_date_in_french(client_for, alice, territory_a, copil_a):
    before = stored(copil_a)
    response = client_for(alice).post(update_url(territory_a, copil_a), form_data(date=""))
    assert response.status_code == 200
    assertContains(response, "Indiquez la date à laquelle la restitution a été tenue.")
    assert stored(copil_a) == before


def test_it_plans_a_restitution_with_a_date_and_not_held(client_for, alice, territory_a, copil_a):
    response = client_for(alice).post(update_url(territory_a, copil_a), form_data(held=None, date="2025-06-02"))
    assert response.status_code == 302
    copil_a.refresh_from_db()
    assert (copil_a.held, copil_a.date) == (False, datetime.date(2025, 6, 2))


def test_it_offers_only_the_versions_of_the_territory(client_for, alice, territory_a, copil_a, version_a, version_b):
    response = client_for(alice).get(update_url(territory_a, copil_a))
    versions = response.context["form"].fields["version"].queryset
    assert list(versions) == [version_a]
    assertContains(response, "v1 du 01/03/2025")
    assertNotContains(response, "v1 du 02/05/2025")


def test_it_refuses_a_version_of_another_territory(client_for, alice, territory_a, copil_a, version_b):
    before = stored(copil_a)
    response = client_for(alice).post(update_url(territory_a, copil_a), form_data(version_b))
    assert response.status_code == 200
    assertContains(response, "Sélectionnez un choix valide")
    assert stored(copil_a) == before


def test_it_refuses_a_version_of_another_territory_in_the_service(copil_a, version_b):
    with pytest.raises(ValueError):
        copil_a.version = version_b
        copil_a.save()


def test_it_adds_a_second_economic_meeting_after_the_first(client_for, alice, territory_a, version_a):
    response = client_for(alice).post(
        create_url(territory_a),
        form_data(version_a, circle=Circle.ACTEURS, title="Rencontre économique Boost'éco", contents="", held=None),
    )
    assert response.status_code == 302
    added = Presentation.objects.get(territory=territory_a, title="Rencontre économique Boost'éco")
    assert added.content_list == CIRCLE_DEFAULTS[Circle.ACTEURS]["contents"]
    assert [p.circle for p in presentations_for(territory_a)][-2:] == [Circle.ACTEURS, Circle.ACTEURS]
    assert presentations_for(territory_a)[-1] == added


def test_it_asks_a_title_for_an_extra_restitution(client_for, alice, territory_a):
    response = client_for(alice).post(create_url(territory_a), form_data(circle=Circle.ACTEURS, title=""))
    assert response.status_code == 200
    assertContains(response, "Ce champ est obligatoire.")
    assert Presentation.objects.filter(territory=territory_a).count() == 4


def test_it_puts_an_extra_restitution_in_its_circle(territory_a, copil_a):
    added = presentation_create(territory=territory_a, circle=Circle.COPIL, title="Copil de suivi")
    assert [p.pk for p in presentations_for(territory_a)][:3] == [
        copil_a.pk,
        added.pk,
        circle_of(territory_a, Circle.BUREAU).pk,
    ]


# --- access ------------------------------------------------------------------------------------------------


def test_it_shows_the_plan_read_only_to_a_viewer(client_for, victor, territory_a, copil_a):
    client = client_for(victor)
    response = client.get(plan_url(territory_a))
    assert response.status_code == 200
    assertNotContains(response, "Renseigner cette restitution")
    assertNotContains(response, "Ajouter une restitution")
    assertContains(response, "Voir le détail", count=4)
    detail = client.get(update_url(territory_a, copil_a))
    assert detail.status_code == 200
    assertContains(detail, "lecture seule")
    assertNotContains(detail, "Enregistrer")


def test_it_refuses_changes_from_a_viewer(client_for, victor, territory_a, copil_a, version_a):
    before = stored(copil_a)
    client = client_for(victor)
    assert client.post(update_url(territory_a, copil_a), form_data(version_a)).status_code == 403
    assert client.post(create_url(territory_a), form_data(circle=Circle.ACTEURS, title="x")).status_code == 403
    assert stored(copil_a) == before
    assert Presentation.objects.filter(territory=territory_a).count() == 4


def test_it_refuses_another_territory_team(client_for, bob, territory_a, territory_b, copil_a, version_a):
    before = stored(copil_a)
    client = client_for(bob)
    assert client.get(plan_url(territory_a)).status_code == 403
    assert client.get(update_url(territory_a, copil_a)).status_code == 403
    assert client.post(update_url(territory_a, copil_a), form_data(version_a)).status_code == 403
    assert client.post(create_url(territory_a), form_data(circle=Circle.ACTEURS, title="x")).status_code == 403
    # A's restitution through bob's own slug: not found
    assert client.get(update_url(territory_b, copil_a)).status_code == 404
    assert client.post(update_url(territory_b, copil_a), form_data()).status_code == 404
    assert stored(copil_a) == before
    assert client.get(plan_url(territory_b)).status_code == 200


def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a, copil_a):
    for url in (plan_url(territory_a), update_url(territory_a, copil_a), create_url(territory_a)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_it_links_the_plan_from_the_workspace_menu_and_the_roadmap(client_for, alice, territory_a):
    response = client_for(alice).get(reverse("roadmap:roadmap", args=[territory_a.slug]))
    assertContains(response, f'href="{plan_url(territory_a)}"', count=2)
    assertContains(response, "Étapes 3 et 4 : pacte et restitution")


# --- the roadmap -------------------------------------------------------------------------------------------


def test_it_marks_step_4_done_once_the_4_circles_were_held(client_for, alice, territory_a, version_a):
    client = client_for(alice)
    assert roadmap_for(territory_a)[3].status == "todo"
    for number, presentation in enumerate(presentations_for(territory_a), start=1):
        client.post(update_url(territory_a, presentation), form_data(version_a, date=f"2025-03-{10 + number}"))
        status = roadmap_for(territory_a)[3]
        assert status.progress == f"{number}/4"
    step = roadmap_for(territory_a)[3]
    assert step.status == "done"
    assert [(c.label, c.detail) for c in step.checks] == [
        (circle, f"restitution tenue le {10 + n:02d}/03/2025") for n, circle in enumerate(CIRCLES, start=1)
    ]


def test_it_marks_step_3_published_once_a_version_exists(territory_b, client_for, bob):
    assert not roadmap_for(territory_b)[2].checks[-1].done
    PactVersion.objects.create(territory=territory_b, number=1, published_on=datetime.date(2025, 5, 2), content={})
    check = roadmap_for(territory_b)[2].checks[-1]
    assert (check.label, check.done, check.detail) == ("Pacte publié", True, "version publiée v1 du 02/05/2025")


# --- queries -----------------------------------------------------------------------------------------------


def test_it_shows_the_plan_in_as_many_queries_with_ten_times_the_data(client_for, alice, territory_a, version_a):
    client = client_for(alice)

    def queries():
        assert client.get(plan_url(territory_a)).status_code == 200
        with CaptureQueriesContext(connection) as context:
            assert client.get(plan_url(territory_a)).status_code == 200
        return len(context.captured_queries)

    before = queries()
    versions = PactVersion.objects.bulk_create(
        PactVersion(territory=territory_a, number=2 + i, published_on=datetime.date(2025, 4, 1), content={})
        for i in range(9)
    )
    Presentation.objects.bulk_create(
        Presentation(
            territory=territory_a,
            circle=Circle.values[i % 4],
            order=500 + i,
            title=f"Restitution ajoutée n° {i}",
            contents="démarche\nengagements",
            date=datetime.date(2025, 5, 1),
            audience="30 personnes",
            version=versions[i % 9],
            held=bool(i % 2),
        )
        for i in range(36)
    )
    PresentationQuestion.objects.bulk_create(
        PresentationQuestion(territory=territory_a, presentation=p, order=j, question="question", answer="réponse" * j)
        for p in Presentation.objects.filter(territory=territory_a)
        for j in range(2)
    )
    assert queries() == before
    # session, user, territory, access check, the restitutions with their versions, their questions, the writable
    # territories
    assert before <= 7

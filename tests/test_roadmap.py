"""The roadmap of a pact (/espace/<slug>/feuille-de-route/): the 5 steps of the ANCT method, each with a
state computed from the territory's data (pacte.roadmap.services.roadmap_for)."""

import datetime

import pytest
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone

from pacte.appropriation.models import Circle, Presentation
from pacte.commitments.models import Commitment
from pacte.governance.models import ThematicGroup
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Interview, InterviewStatus, Pride, PrideKind
from pacte.publications.models import PactStatus, PactVersion
from pacte.roadmap.services import roadmap_for
from pacte.stakeholders.models import Category, Contact, ContactStatus, Stakeholder
from pacte.workshops.models import ReactionKind, WorkshopKind, WorkshopStatus
from pacte.workshops.services import (
    idea_record,
    participant_join,
    reaction_record,
    resolution_record,
    workshop_create,
    workshop_set_status,
)

STEP_TITLES = {
    1: "Définition des engagements industrie-territoire",
    2: "Co-construction et validation collective des engagements",
    3: "Rédaction du pacte industrie-territoire",
    4: "Appropriation du pacte",
    5: "Mise en place de la gouvernance du pacte",
}


# --- reading the page -------------------------------------------------------------------------------


def squash(text):
    return " ".join(text.split())


def classes(element):
    return dict(element.attributes).get("class", "").split()


def find_all(node, predicate):
    """Every element below node, depth first, for which predicate(element) is true."""
    found = []
    for child in getattr(node, "children", []):
        if isinstance(child, str):
            continue
        if predicate(child):
            found.append(child)
        found.extend(find_all(child, predicate))
    return found


def find(node, predicate, what):
    found = find_all(node, predicate)
    assert len(found) == 1, f"expected one {what}, found {len(found)}"
    return found[0]


def tag(name):
    return lambda element: element.name == name


def has_attribute(name, value=None):
    return lambda element: name in dict(element.attributes) and value in (None, dict(element.attributes)[name])


def text_of(node, skip_class=None):
    if isinstance(node, str):
        return node
    return squash(
        " ".join(
            text_of(child, skip_class)
            for child in node.children
            if isinstance(child, str) or skip_class not in classes(child)
        )
    )


class ShownStep:
    """One step as the page shows it: title, status badge and checks (done or not, as screen readers hear it)."""

    def __init__(self, element):
        self.title = text_of(find(element, tag("h2"), "title"))
        badge = find(element, has_attribute("data-status"), "status badge")
        self.status = dict(badge.attributes)["data-status"]
        self.badge = text_of(badge)
        self.checks = [self._check(li) for li in find_all(element, tag("li"))]
        self.text = text_of(element)

    @staticmethod
    def _check(li):
        prefix = text_of(find(li, lambda e: "fr-sr-only" in classes(e), "screen-reader prefix"))
        assert prefix in ("Fait :", "À faire :"), prefix
        return prefix == "Fait :", text_of(li, skip_class="fr-sr-only")

    def check(self, label):
        """(done, text) of the check whose text starts with `label`."""
        found = [check for check in self.checks if check[1].startswith(label)]
        assert len(found) == 1, (label, self.checks)
        return found[0]


def shown_steps(client, territory):
    response = client.get(reverse("roadmap:roadmap", args=[territory.slug]))
    assert response.status_code == 200
    document = parse_html(response.content.decode())
    return {
        number: ShownStep(find(document, has_attribute("id", f"etape-{number}"), f"step {number}"))
        for number in range(1, 6)
    }


@pytest.fixture
def alices_steps(client_for, alice, territory_a):
    """The roadmap of territory A as alice reads it; call it after changing the data."""
    return lambda: shown_steps(client_for(alice), territory_a)


@pytest.fixture
def bobs_steps(client_for, bob, territory_b):
    return shown_steps(client_for(bob), territory_b)


# --- the reference case (territory A, published pact) ------------------------------------------------------


def test_it_shows_the_five_steps_of_the_method_with_their_titles(alices_steps):
    steps = alices_steps()
    assert {n: step.title for n, step in steps.items()} == {n: f"Étape {n} : {t}" for n, t in STEP_TITLES.items()}


def test_it_marks_step_1_done_for_the_reference_case(alices_steps):
    step = alices_steps()[1]
    assert step.status == "done"
    assert step.badge == "Terminée · 6/6"


def test_it_counts_25_of_30_interviews_for_the_reference_case(alices_steps):
    assert alices_steps()[1].check("Entretiens réalisés") == (
        True,
        "Entretiens réalisés (objectif : environ 30) — 25/30 entretiens réalisés",
    )


def test_it_finds_stakeholders_in_the_5_categories_for_the_reference_case(alices_steps):
    done, text = alices_steps()[1].check("Parties prenantes identifiées")
    assert done
    assert text.endswith("— 5/5 catégories")


def test_it_finds_interviews_in_the_5_categories_for_the_reference_case(alices_steps):
    assert alices_steps()[1].check("Entretiens menés dans les 5 catégories") == (
        True,
        "Entretiens menés dans les 5 catégories d'acteurs — 5/5 catégories",
    )


def test_it_names_the_category_where_no_interview_was_held(alices_steps, territory_a):
    Interview.objects.filter(territory=territory_a, stakeholder__category=Category.CIVIL_SOCIETY).update(
        status=InterviewStatus.PLANNED
    )
    assert alices_steps()[1].check("Entretiens menés dans les 5 catégories") == (
        False,
        "Entretiens menés dans les 5 catégories d'acteurs — 4/5 catégories — sans entretien : Société civile",
    )


def test_it_counts_the_contacts_to_follow_up_in_step_1(alices_steps, territory_a):
    contacts = Contact.objects.filter(territory=territory_a).order_by("pk")[:2]
    Contact.objects.filter(pk__in=[c.pk for c in contacts]).update(
        status=ContactStatus.CONTACTED, last_action_on=datetime.date(2024, 1, 1)
    )
    done, text = alices_steps()[1].check("Entretiens réalisés")
    assert done
    assert text.endswith("25/30 entretiens réalisés — 2 contacts à relancer")


def test_it_marks_step_2_done_once_the_pact_is_published(alices_steps):
    # Depends on the demo's two closed workshops of 8 October 2024 (pacte/replication/data/rochefort.yaml).
    step = alices_steps()[2]
    assert step.status == "done"
    assert step.badge == "Terminée · 4/4"
    assert step.check("Atelier #1 (engagements) tenu") == (True, "Atelier #1 (engagements) tenu — tenu le 08/10/2024")
    assert step.check("Atelier #2 (gouvernance) tenu") == (True, "Atelier #2 (gouvernance) tenu — tenu le 08/10/2024")
    assert step.check("Vetos levés") == (True, "Vetos levés — aucun veto en attente")
    assert step.check("Engagements validés collectivement") == (True, "Engagements validés collectivement — Publié")


def test_it_reopens_step_2_when_a_new_veto_waits_for_a_decision(alices_steps, territory_a):
    workshop = _open_workshop(territory_a, WorkshopKind.COMMITMENTS)
    _react(workshop, _first_commitment(territory_a), ReactionKind.VETO)
    step = alices_steps()[2]
    assert step.status == "in_progress"
    assert step.check("Vetos levés") == (False, "Vetos levés — 1 veto en attente de décision")


def test_it_marks_step_3_done_with_the_published_version(alices_steps):
    step = alices_steps()[3]
    assert step.status == "done"
    assert step.check("Pacte publié") == (True, "Pacte publié — version publiée v1 du 01/03/2025")


def test_it_shows_the_4_circles_of_step_4_to_come_for_the_reference_case(alices_steps):
    # The source dates none of Rochefort's restitutions: the demo leaves the 4 circles "à venir".
    step = alices_steps()[4]
    assert step.status == "todo"
    assert step.badge == "À faire · 0/4"
    assert step.checks == [
        (False, "Copil Territoire d'industrie — à venir"),
        (False, "Bureau communautaire — à venir"),
        (False, "Ensemble des élus — à venir"),
        (False, "Ensemble des acteurs économiques — à venir"),
    ]
    assert "Pas encore dans la plateforme :" not in step.text


def test_it_marks_a_circle_of_step_4_once_its_restitution_was_held(alices_steps, territory_a):
    Presentation.objects.filter(territory=territory_a, circle=Circle.COPIL).update(
        held=True, date=datetime.date(2025, 3, 20)
    )
    Presentation.objects.filter(territory=territory_a, circle=Circle.BUREAU).update(date=datetime.date(2025, 4, 3))
    step = alices_steps()[4]
    assert step.status == "in_progress"
    assert step.badge == "En cours · 1/4"
    assert step.check("Copil Territoire d'industrie") == (
        True,
        "Copil Territoire d'industrie — restitution tenue le 20/03/2025",
    )
    assert step.check("Bureau communautaire") == (False, "Bureau communautaire — restitution prévue le 03/04/2025")


def test_it_marks_step_4_done_once_every_circle_was_held(alices_steps, territory_a):
    Presentation.objects.filter(territory=territory_a).update(held=True, date=datetime.date(2025, 3, 20))
    step = alices_steps()[4]
    assert step.status == "done"
    assert step.badge == "Terminée · 4/4"


def test_it_marks_step_5_done_with_6_of_6_groups_and_3_events(alices_steps):
    step = alices_steps()[5]
    assert step.status == "done"
    assert step.check("Groupes thématiques") == (
        True,
        "Groupes thématiques avec objectifs et participants — 6/6 groupes",
    )
    assert step.check("Calendrier des rencontres économiques") == (
        True,
        "Calendrier des rencontres économiques — 3 rencontres",
    )


def test_it_links_the_roadmap_to_the_public_page_of_the_pact(client_for, alice, territory_a):
    response = client_for(alice).get(reverse("roadmap:roadmap", args=[territory_a.slug]))
    document = parse_html(response.content.decode())
    links = find_all(document, has_attribute("href", reverse("public:pact", args=[territory_a.slug])))
    assert sorted(text_of(link) for link in links) == ["Page publique du pacte", "Voir la page publique du pacte"]


# --- the state follows the data --------------------------------------------------------------------------


def test_it_reopens_step_1_when_the_interviews_are_deleted(alices_steps, territory_a):
    Interview.objects.filter(territory=territory_a).delete()
    step = alices_steps()[1]
    assert step.status == "in_progress"
    assert step.check("Entretiens réalisés") == (
        False,
        "Entretiens réalisés (objectif : environ 30) — 0/30 entretiens réalisés",
    )


def test_it_counts_only_the_interviews_that_were_held(alices_steps, territory_a):
    planned = Interview.objects.filter(territory=territory_a).order_by("pk")[:10].values_list("pk", flat=True)
    Interview.objects.filter(pk__in=list(planned)).update(status=InterviewStatus.PLANNED)
    done, text = alices_steps()[1].check("Entretiens réalisés")
    assert not done
    assert text.endswith("15/30 entretiens réalisés")


def test_it_unchecks_the_prides_when_they_are_deleted(alices_steps, territory_a):
    Pride.objects.filter(territory=territory_a).delete()
    step = alices_steps()[1]
    assert step.status == "in_progress"
    assert step.check("Fiertés locales") == (
        False,
        "Fiertés locales : produits innovants et emblématiques — 0 innovant, 0 emblématique",
    )


def test_it_unchecks_the_prides_when_one_kind_is_missing(alices_steps, territory_a):
    Pride.objects.filter(territory=territory_a, kind=PrideKind.EMBLEMATIC).delete()
    done, text = alices_steps()[1].check("Fiertés locales")
    assert not done
    assert text.endswith("4 innovants, 0 emblématique")


def test_it_names_the_category_that_has_no_stakeholder(alices_steps, territory_a):
    Stakeholder.objects.filter(territory=territory_a, category=Category.STATE).delete()
    step = alices_steps()[1]
    assert step.status == "in_progress"
    assert step.check("Parties prenantes identifiées") == (
        False,
        "Parties prenantes identifiées dans les 5 catégories — 4/5 catégories "
        "— manque : Services et opérateurs de l'État",
    )


def test_it_ignores_the_stakeholders_of_other_territories(alices_steps, territory_a, territory_b):
    Stakeholder.objects.filter(territory=territory_a, category=Category.STATE).delete()
    Stakeholder.objects.create(territory=territory_b, name="Préfecture du Nord", category=Category.STATE)
    done, text = alices_steps()[1].check("Parties prenantes identifiées")
    assert not done
    assert "manque : Services et opérateurs de l'État" in text


def test_it_names_a_diagnostic_axis_without_findings(alices_steps, territory_a):
    axis = DiagnosticAxis.objects.filter(territory=territory_a).order_by("order").last()
    axis.findings.all().delete()
    assert alices_steps()[1].check("Diagnostic industriel") == (
        False,
        f"Diagnostic industriel : des constats sur chaque axe — axes sans constat : {axis.name}",
    )


def test_it_reopens_step_2_but_keeps_the_published_version_when_the_pact_goes_back_to_draft(alices_steps, territory_a):
    territory_a.pact.status = PactStatus.DRAFT
    territory_a.pact.save()
    steps = alices_steps()
    assert steps[2].status == "in_progress"  # the workshops were held: only the validation is to do again
    assert steps[2].check("Engagements validés collectivement") == (
        False,
        "Engagements validés collectivement — Brouillon",
    )
    # Step 3 counts the published versions: the frozen version 1 stays published.
    assert steps[3].check("Pacte publié") == (True, "Pacte publié — version publiée v1 du 01/03/2025")


def test_it_unchecks_the_publication_without_a_published_version(alices_steps, territory_a):
    PactVersion.objects.filter(territory=territory_a).delete()
    step = alices_steps()[3]
    assert step.status == "in_progress"
    assert step.check("Pacte publié") == (False, "Pacte publié")


def test_it_shows_the_latest_published_version_in_step_3(alices_steps, territory_a):
    version = PactVersion.objects.get(territory=territory_a, number=1)
    PactVersion.objects.create(
        territory=territory_a, number=2, published_on=datetime.date(2025, 9, 15), content=version.content
    )
    assert alices_steps()[3].check("Pacte publié") == (True, "Pacte publié — version publiée v2 du 15/09/2025")


def test_it_names_a_theme_without_indicators(alices_steps, territory_a):
    indicator = Indicator.objects.filter(territory=territory_a).select_related("theme").first()
    Indicator.objects.filter(theme=indicator.theme).delete()
    assert alices_steps()[3].check("Indicateurs proposés") == (
        False,
        f"Indicateurs proposés pour chaque thématique — sans indicateur : {indicator.theme.name}",
    )


def test_it_counts_only_thematic_groups_with_objectives_and_participants(alices_steps, territory_a):
    group = ThematicGroup.objects.filter(territory=territory_a).first()
    group.objectives = ""
    group.save()
    step = alices_steps()[5]
    assert step.status == "in_progress"
    assert step.check("Groupes thématiques") == (
        False,
        f"Groupes thématiques avec objectifs et participants — 5/6 groupes — sans groupe complet : {group.theme.name}",
    )


# --- a new territory (territory B, created from the template, draft pact) ---------------------------------


def test_it_shows_step_1_of_a_new_territory_as_not_done(bobs_steps):
    step = bobs_steps[1]
    assert step.status in ("todo", "in_progress")
    assert step.badge.split(" · ")[0] in ("À faire", "En cours")


@pytest.mark.parametrize(
    "label, detail",
    [
        ("Parties prenantes identifiées", "0/5 catégories"),
        ("Entretiens réalisés", "0/30 entretiens réalisés"),
        ("Fiertés locales", "0 innovant, 0 emblématique"),
    ],
)
def test_it_shows_what_a_new_territory_has_not_done_yet_in_step_1(bobs_steps, label, detail):
    done, text = bobs_steps[1].check(label)
    assert not done
    assert detail in text


def test_it_shows_the_pact_of_a_new_territory_as_not_published(bobs_steps):
    assert bobs_steps[3].check("Pacte publié") == (False, "Pacte publié")
    assert bobs_steps[3].status != "done"


def test_it_shows_step_2_of_a_new_territory_as_to_do(bobs_steps):
    step = bobs_steps[2]
    assert step.status == "todo"
    assert step.badge == "À faire · 0/4"
    assert step.check("Atelier #1 (engagements) tenu") == (False, "Atelier #1 (engagements) tenu — aucun atelier créé")
    assert step.check("Atelier #2 (gouvernance) tenu") == (False, "Atelier #2 (gouvernance) tenu — aucun atelier créé")
    assert step.check("Vetos levés") == (
        False,
        "Vetos levés — aucun veto recueilli : l'atelier #1 n'a pas encore eu lieu",
    )
    assert step.check("Engagements validés collectivement") == (False, "Engagements validés collectivement — Brouillon")


# --- step 2 from the workshops' data (territory B: the workshops are built by each test) ---------------------


def _open_workshop(territory, kind, status=WorkshopStatus.OPEN):
    workshop = workshop_create(
        territory=territory,
        kind=kind,
        title=str(WorkshopKind(kind).label),
        starts_at=timezone.make_aware(datetime.datetime(2025, 3, 12, 9, 0)),
    )
    return workshop_set_status(workshop=workshop, status=status)


def _first_commitment(territory):
    return Commitment.objects.for_territory(territory).order_by("theme__order", "order", "pk").first()


def _react(workshop, commitment, kind, name="Participant"):
    participant = participant_join(workshop=workshop, name=name)
    return reaction_record(participant=participant, commitment=commitment, kind=kind, comment="commentaire")


@pytest.fixture
def bobs_step_2(client_for, bob, territory_b):
    return lambda: shown_steps(client_for(bob), territory_b)[2]


def test_it_does_not_count_a_workshop_that_is_not_closed(bobs_step_2, territory_b):
    _open_workshop(territory_b, WorkshopKind.COMMITMENTS, status=WorkshopStatus.DRAFT)
    _open_workshop(territory_b, WorkshopKind.GOVERNANCE)
    step = bobs_step_2()
    assert step.check("Atelier #1 (engagements) tenu") == (
        False,
        "Atelier #1 (engagements) tenu — prévu le 12/03/2025, pas encore ouvert ni clos",
    )
    assert step.check("Atelier #2 (gouvernance) tenu") == (
        False,
        "Atelier #2 (gouvernance) tenu — ouvert depuis le 12/03/2025, pas encore clos",
    )
    assert step.status == "todo"


def test_it_lists_the_vetoes_of_an_open_workshop_1_but_holds_it_only_once_closed(bobs_step_2, territory_b):
    workshop = _open_workshop(territory_b, WorkshopKind.COMMITMENTS)
    commitment = _first_commitment(territory_b)
    _react(workshop, commitment, ReactionKind.VETO, "A")
    _react(workshop, commitment, ReactionKind.VETO, "B")
    _react(workshop, commitment, ReactionKind.ADJUST, "C")  # adjustments do not block the validation
    step = bobs_step_2()
    assert step.check("Atelier #1 (engagements) tenu")[0] is False
    assert step.check("Vetos levés") == (False, "Vetos levés — 2 vetos en attente de décision")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    step = bobs_step_2()
    assert step.check("Atelier #1 (engagements) tenu") == (True, "Atelier #1 (engagements) tenu — tenu le 12/03/2025")
    assert step.status == "in_progress"


def test_it_lifts_the_vetoes_once_each_one_was_decided_on(bobs_step_2, territory_b):
    workshop = _open_workshop(territory_b, WorkshopKind.COMMITMENTS)
    commitment = _first_commitment(territory_b)
    veto = _react(workshop, commitment, ReactionKind.VETO)
    resolution_record(commitment=commitment, reactions=[veto], outcome="kept", reason="Voté en Copil")
    assert bobs_step_2().check("Vetos levés") == (False, "Vetos levés — aucun veto en attente")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    assert bobs_step_2().check("Vetos levés") == (True, "Vetos levés — aucun veto en attente")


def test_it_counts_workshop_2_held_once_closed_not_for_a_post_it(bobs_step_2, territory_b):
    workshop = _open_workshop(territory_b, WorkshopKind.GOVERNANCE)
    idea_record(workshop=workshop, text="3 ans, revue annuelle", question="duree")
    assert not bobs_step_2().check("Atelier #2 (gouvernance) tenu")[0]
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    assert bobs_step_2().check("Atelier #2 (gouvernance) tenu")[0]


def test_it_marks_step_2_done_after_both_workshops_and_the_validation(client_for, bob, bobs_step_2, territory_b):
    commitments = _open_workshop(territory_b, WorkshopKind.COMMITMENTS)
    _react(commitments, _first_commitment(territory_b), ReactionKind.AGREE)
    workshop_set_status(workshop=commitments, status=WorkshopStatus.CLOSED)
    _open_workshop(territory_b, WorkshopKind.GOVERNANCE, status=WorkshopStatus.CLOSED)
    assert bobs_step_2().status == "in_progress"
    from .test_publication_readiness import make_ready

    make_ready(territory_b)
    client_for(bob).post(reverse("publications:transition", args=[territory_b.slug, "valider"]))
    step = bobs_step_2()
    assert step.status == "done"
    assert step.badge == "Terminée · 4/4"


def test_it_ignores_the_workshops_of_other_territories(bobs_step_2, territory_a):
    workshop = _open_workshop(territory_a, WorkshopKind.COMMITMENTS)
    _react(workshop, _first_commitment(territory_a), ReactionKind.VETO)
    step = bobs_step_2()
    assert step.check("Atelier #1 (engagements) tenu")[0] is False
    assert step.check("Vetos levés")[1].endswith("l'atelier #1 n'a pas encore eu lieu")


def test_it_writes_zero_in_the_singular_as_french_does(bobs_steps):
    assert bobs_steps[5].check("Calendrier des rencontres économiques") == (
        False,
        "Calendrier des rencontres économiques — 0 rencontre",
    )


# --- the service -------------------------------------------------------------------------------------


def test_it_computes_the_state_of_the_reference_case(territory_a):
    steps = roadmap_for(territory_a)
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    assert [s.status for s in steps] == ["done", "done", "done", "todo", "done"]


def test_it_computes_the_state_of_a_new_territory(territory_b):
    steps = roadmap_for(territory_b)
    assert [s.status for s in steps] == ["todo", "todo", "todo", "todo", "todo"]  # template text is not work done


def test_it_computes_the_state_of_one_territory_from_its_own_data_only(territory_a, territory_b):
    before = [s.status for s in roadmap_for(territory_b)]
    Interview.objects.filter(territory=territory_a).delete()
    Pride.objects.filter(territory=territory_a).delete()
    assert [s.status for s in roadmap_for(territory_b)] == before
    assert roadmap_for(territory_a)[0].status == "in_progress"

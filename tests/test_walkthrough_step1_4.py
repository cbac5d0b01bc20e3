"""Issue 17, steps 1 to 4 as a first real territory walks them: a roadmap that tells the truth, dates that do not
claim the future as done, forms people can fill (questions and answers, checkboxes, confirmation), the method's
advice on the prides page, accessible markup and French plurals."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from pacte.appropriation.models import Circle, Presentation, PresentationQuestion
from pacte.appropriation.services import PresentationError, presentation_update
from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.governance.models import GovernancePrinciple, ThematicGroup
from pacte.interviews.models import CommitmentIdea, Interview, InterviewStatus
from pacte.publications.models import PactVersion
from pacte.stakeholders.models import Contact, Stakeholder
from pacte.workshops.models import WorkshopKind, WorkshopStatus
from pacte.workshops.services import workshop_create, workshop_set_status

from .test_roadmap import shown_steps

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


# --- 1. the roadmap tells the truth -------------------------------------------------------------------------------


def test_an_untouched_new_territory_shows_no_template_content_as_done(client_for, bob, territory_b):
    steps = shown_steps(client_for(bob), territory_b)
    assert steps[3].check("Édito de la collectivité") == (False, "Édito de la collectivité — encore au texte du modèle")
    done, text = steps[3].check("Indicateurs proposés")
    assert not done and "encore aux indicateurs du modèle" in text
    done, text = steps[5].check("Groupes thématiques")
    assert not done and text.startswith("Groupes thématiques avec objectifs et participants — 0/6 groupes")
    assert "encore au texte du modèle" in text
    assert steps[5].check("Principes de gouvernance")[0] is False
    assert steps[5].status == "todo"


def test_the_editorial_and_a_group_count_once_the_team_wrote_its_own(client_for, bob, territory_b):
    territory_b.pact.editorial = "Dunkerque, terre d'industrie : notre édito."
    territory_b.pact.save()
    group = ThematicGroup.objects.filter(territory=territory_b).order_by("order").first()
    group.objectives = "Nos propres objectifs\r\nEt un second"
    group.save()
    principle = GovernancePrinciple.objects.filter(territory=territory_b).first()
    principle.text = principle.text.replace("\n", "\r\n")  # sent back unchanged by a text area: still the template's
    principle.save()
    steps = shown_steps(client_for(bob), territory_b)
    assert steps[3].check("Édito de la collectivité") == (True, "Édito de la collectivité")
    assert (
        steps[5].check("Groupes thématiques")[1].startswith("Groupes thématiques avec objectifs et participants — 1/6")
    )
    assert steps[5].check("Principes de gouvernance")[0] is False


def _workshop(territory, kind, starts_at, status):
    workshop = workshop_create(territory=territory, kind=kind, title=str(WorkshopKind(kind).label), starts_at=starts_at)
    return workshop_set_status(workshop=workshop, status=status)


def test_a_workshop_is_held_only_once_closed_and_past(client_for, bob, territory_b):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    workshop = _workshop(territory_b, WorkshopKind.GOVERNANCE, tomorrow, WorkshopStatus.OPEN)
    day = timezone.localtime(tomorrow).strftime("%d/%m/%Y")
    check = shown_steps(client_for(bob), territory_b)[2].check("Atelier #2 (gouvernance) tenu")
    assert check == (False, f"Atelier #2 (gouvernance) tenu — prévu le {day}")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)  # closed, but dated tomorrow
    assert shown_steps(client_for(bob), territory_b)[2].check("Atelier #2 (gouvernance) tenu")[0] is False
    workshop.starts_at = timezone.now() - datetime.timedelta(days=1)
    workshop.save()
    done, text = shown_steps(client_for(bob), territory_b)[2].check("Atelier #2 (gouvernance) tenu")
    assert done and "tenu le" in text


def test_step_5_states_the_adhesions_instead_of_not_yet_in_the_platform(client_for, bob, territory_b):
    company = Company.objects.create(territory=territory_b, name="Aciérie du Nord")
    Membership.objects.create(territory=territory_b, company=company, status=MembershipStatus.ACTIVE)
    step = shown_steps(client_for(bob), territory_b)[5]
    assert "Pas encore dans la plateforme" not in step.text
    assert "1 entreprise adhérente" in step.text
    assert "0 valeur d'indicateur saisie" in step.text
    page = client_for(bob).get(reverse("roadmap:roadmap", args=[territory_b.slug])).content.decode()
    assert "Pas encore dans la plateforme" not in page and "arrivent dans une prochaine version" not in page


# --- 2. dates that contradict each other -----------------------------------------------------------------------


def _interview_payload(territory, contact, **fields):
    from .test_campaign import _payload

    return _payload(territory, interviewees=[contact.pk], **fields)


@pytest.fixture
def contact_a(territory_a):
    stakeholder = Stakeholder.objects.create(territory=territory_a, name="Forges de l'Estuaire", category="entreprises")
    return Contact.objects.create(territory=territory_a, stakeholder=stakeholder, first_name="Léa", last_name="Roux")


def test_an_interview_done_in_the_future_is_refused_in_french(client_for, alice, territory_a, contact_a):
    url = reverse("interviews:interview_create", args=[territory_a.slug])
    count = Interview.objects.count()
    response = client_for(alice).post(url, _interview_payload(territory_a, contact_a, held_on=TOMORROW.isoformat()))
    assert response.status_code == 200
    assertContains(response, "n&#x27;a pas encore eu lieu : choisissez le statut « Planifié »")
    assert Interview.objects.count() == count
    planned = _interview_payload(territory_a, contact_a, held_on=TOMORROW.isoformat(), status=InterviewStatus.PLANNED)
    assert client_for(alice).post(url, planned).status_code == 302  # planning in the future stays allowed
    assert Interview.objects.filter(held_on=TOMORROW, status=InterviewStatus.PLANNED).count() == 1


def test_a_last_exchange_in_the_future_is_refused(client_for, alice, territory_a):
    data = {
        "stakeholder_name": "Port de Rochefort",
        "category": "entreprises",
        "priority": "moyenne",
        "status": "contacte",
        "last_action_on": "2099-01-01",
    }
    response = client_for(alice).post(reverse("stakeholders:contact_create", args=[territory_a.slug]), data)
    assert response.status_code == 200
    assertContains(response, "Le dernier échange ne peut pas être daté du 01/01/2099")
    assert not Contact.objects.filter(last_action_on=datetime.date(2099, 1, 1)).exists()


def _restitution(territory_a, **fields):
    from .test_appropriation import form_data

    return form_data(**fields)


def test_a_restitution_held_in_the_future_or_presenting_a_later_version_is_refused(client_for, alice, territory_a):
    copil = Presentation.objects.get(territory=territory_a, circle=Circle.COPIL)
    version = PactVersion.objects.get(territory=territory_a, number=1)  # published on 01/03/2025
    url = reverse("appropriation:presentation_update", args=[territory_a.slug, copil.pk])
    client = client_for(alice)
    future = client.post(url, _restitution(territory_a, date=TOMORROW.isoformat()))
    assertContains(future, "n&#x27;a pas encore pu être tenue", status_code=200)
    earlier = client.post(url, _restitution(territory_a, version=version, date="2025-02-20"))
    assertContains(earlier, "La version 1 a été publiée le 01/03/2025, après la restitution du 20/02/2025")
    copil.refresh_from_db()
    assert (copil.held, copil.date) == (False, None)
    planned = client.post(url, _restitution(territory_a, version=version, date=TOMORROW.isoformat(), held=None))
    assert planned.status_code == 302
    with pytest.raises(PresentationError):
        presentation_update(
            presentation=copil, title="", contents="", date=TOMORROW, audience="", version=None, questions=[], held=True
        )


# --- 3. questions and answers in fields of their own ---------------------------------------------------------


def test_questions_and_answers_are_separate_fields(client_for, alice, territory_a):
    copil = Presentation.objects.get(territory=territory_a, circle=Circle.COPIL)
    url = reverse("appropriation:presentation_update", args=[territory_a.slug, copil.pk])
    client = client_for(alice)
    form = client.get(url).content.decode()
    assert 'name="questions-0-question"' in form and 'name="questions-0-answer"' in form
    pairs = [("Et le foncier - quel calendrier ?", ""), ("Qui anime ?", "La CCI - avec l'EPCI")]
    assert client.post(url, _restitution(territory_a, questions=pairs, held=None, date="")).status_code == 302
    rows = list(PresentationQuestion.objects.filter(presentation=copil).values_list("question", "answer"))
    assert rows == pairs  # a hyphen is kept as typed, nothing appended
    plan = client.get(reverse("appropriation:plan", args=[territory_a.slug])).content.decode()
    assert "réponse à apporter" not in plan
    assert "Et le foncier - quel calendrier ?" in plan


def test_the_migration_splits_the_old_text_on_the_em_dash():
    from importlib import import_module

    migration = import_module("pacte.appropriation.migrations.0002_presentation_questions")
    created = []

    class Rows(list):
        def exclude(self, **kwargs):
            return self

        def only(self, *args):
            return self

    class Old:
        pk, territory_id, questions = 7, 3, "Quel calendrier ? — Septembre\n\nEt le foncier ?"

    class Manager:
        objects = None

    presentation, question = Manager(), Manager()
    presentation.objects = Rows([Old()])

    class QuestionObjects:
        @staticmethod
        def bulk_create(rows, batch_size=None):
            created.extend(rows)

    question.objects = QuestionObjects()

    def row(**kwargs):
        return kwargs

    question_model = type("Q", (), {"objects": QuestionObjects(), "__new__": lambda cls, **kw: kw})

    class Apps:
        def get_model(self, app, name):
            return presentation if name == "Presentation" else question_model

    migration.split_questions(Apps(), None)
    assert [(r["question"], r["answer"], r["order"]) for r in created] == [
        ("Quel calendrier ?", "Septembre", 0),
        ("Et le foncier ?", "", 1),
    ]


# --- 4. a required title says so ------------------------------------------------------------------------------


def test_the_required_title_of_an_extra_restitution_does_not_say_it_may_stay_empty(client_for, alice, territory_a):
    page = client_for(alice).get(reverse("appropriation:presentation_create", args=[territory_a.slug])).content.decode()
    label = re.search(r'<label for="id_title"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "fr-required-marker" in label
    assert "Laissé vide" not in label and "Obligatoire" in label


# --- 5. checkboxes instead of Ctrl/⌘ multi-selects -------------------------------------------------------------


def test_the_interview_form_and_the_invitations_use_checkboxes(client_for, alice, territory_a, contact_a):
    client = client_for(alice)
    interview = client.get(reverse("interviews:interview_create", args=[territory_a.slug])).content.decode()
    assert "Ctrl" not in interview and '<select name="interviewees"' not in interview
    assert f'<input type="checkbox" name="interviewees" value="{contact_a.pk}"' in interview
    workshop = _workshop(territory_a, WorkshopKind.COMMITMENTS, timezone.now(), WorkshopStatus.DRAFT)
    detail = client.get(reverse("workshops:detail", args=[territory_a.slug, workshop.pk])).content.decode()
    assert "Ctrl" not in detail and '<select name="contacts"' not in detail
    assert (
        f'<input type="checkbox" name="contacts" value="{contact_a.pk}" id="invite-contact-{contact_a.pk}">' in detail
    )
    response = client.post(
        reverse("workshops:invite", args=[territory_a.slug, workshop.pk]), {"contacts": [contact_a.pk]}, follow=True
    )
    assertContains(response, "1 contact invité : il a son lien personnel ci-dessous.")
    assertNotContains(response, "(s)")
    assert workshop.participants.filter(contact=contact_a).exists()


# --- 6. deleting an idea asks first ------------------------------------------------------------------------------


def test_deleting_an_idea_asks_for_confirmation(client_for, alice, territory_a):
    idea = CommitmentIdea.objects.filter(territory=territory_a).first()
    url = reverse("interviews:interview_detail", args=[territory_a.slug, idea.interview_id])
    client = client_for(alice)
    asked = client.post(url, {"action": "delete_idea", "idea": idea.pk})
    assert asked.status_code == 200
    assertContains(asked, escape(idea.text))
    assertContains(asked, "Oui, supprimer l'idée")
    assert CommitmentIdea.objects.filter(pk=idea.pk).exists()
    client.post(url, {"action": "delete_idea", "idea": idea.pk, "confirm": "1"})
    assert not CommitmentIdea.objects.filter(pk=idea.pk).exists()


# --- 9. the method's advice on the prides page --------------------------------------------------------------------


def test_the_prides_page_gives_the_methods_advice(client_for, alice, territory_a, source_text):
    page = client_for(alice).get(reverse("interviews:prides", args=[territory_a.slug])).content.decode()
    advice = re.search(r'<div class="fr-callout fr-mb-3w" id="prides-advice">(.*?)</div>', page, re.S).group(1)
    for words in [
        "choisir un panel d'entreprises de la startup en passant par la PME, l'ETI et le grand groupe",
        "sélectionner des entreprises qui vous semblent vraiment engagées",
        "essayer de choisir des éléments très visuels",
    ]:
        assert words in source_text
        assert words.replace("'", "&#x27;") in advice or words in advice


# --- 10. accessibility ------------------------------------------------------------------------------------------


def test_the_interview_page_has_no_duplicate_ids(client_for, alice, territory_a):
    idea = CommitmentIdea.objects.filter(territory=territory_a).first()
    page = client_for(alice).get(reverse("interviews:interview_detail", args=[territory_a.slug, idea.interview_id]))
    ids = re.findall(r'\sid="([^"]+)"', page.content.decode())
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    html = page.content.decode()
    assert 'for="id_idee-text"' in html and 'id="id_idee-text"' in html
    assert 'for="id_constat-text"' in html and 'id="id_constat-text"' in html


def test_the_file_inputs_use_the_dsfr_upload_component(client_for, alice, territory_a):
    client = client_for(alice)
    for url in [
        reverse("stakeholders:import_upload", args=[territory_a.slug]),
        reverse("interviews:pride_create", args=[territory_a.slug]),
    ]:
        html = client.get(url).content.decode()
        for tag in re.findall(r'<input type="file"[^>]*>', html):
            assert 'class="fr-upload"' in tag, (url, tag)
            before = html[: html.index(tag)]
            assert before.rfind('class="fr-upload-group') > before.rfind('class="fr-input-group'), url


# --- 11. plurals and dates ----------------------------------------------------------------------------------------


def test_the_first_of_the_month_is_written_1er():
    from pacte.core.templatetags.french_dates import date_fr

    assert date_fr(datetime.date(2025, 3, 1)) == "1er mars 2025"
    assert date_fr(datetime.date(2025, 3, 8)) == "8 mars 2025"


def test_one_pride_of_each_kind_is_singular_in_the_roadmap(client_for, alice, territory_a):
    from pacte.interviews.models import Pride, PrideKind

    Pride.objects.filter(territory=territory_a).exclude(
        pk__in=[Pride.objects.filter(territory=territory_a, kind=k).first().pk for k in PrideKind.values]
    ).delete()
    done, text = shown_steps(client_for(alice), territory_a)[1].check("Fiertés locales")
    assert done and text.endswith("— 1 innovant, 1 emblématique")

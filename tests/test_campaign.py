"""The interview campaign: its dashboard, the interview records, what they bring out, and who may see them."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Theme
from pacte.core.models import JournalEntry
from pacte.interviews.models import (
    CommitmentIdea,
    DiagnosticAxis,
    Finding,
    FindingKind,
    GuideSection,
    Interview,
    InterviewNote,
    InterviewStatus,
)
from pacte.interviews.services import campaign_summary
from pacte.stakeholders.models import Category, Contact, ContactStatus, Priority, Stakeholder
from tests.test_queries import queries_for

CAMPAIGN_BUDGET = 20


@pytest.fixture
def url_a(territory_a):
    def build(name, *args):
        return reverse(f"interviews:{name}", args=[territory_a.slug, *args])

    return build


@pytest.fixture
def chantal(territory_a):
    """A new contact of territory A's tracking file, not yet interviewed."""
    stakeholder = Stakeholder.objects.create(territory=territory_a, name="Chantiers Bernard", category="entreprises")
    return Contact.objects.create(
        territory=territory_a,
        stakeholder=stakeholder,
        first_name="Chantal",
        last_name="Bernard",
        priority=Priority.HIGH,
        contacted_by="Marie",
        status=ContactStatus.CONTACTED,
    )


def _sections(territory):
    return list(GuideSection.objects.for_territory(territory).order_by("order", "pk"))


def _payload(territory, **fields):
    data = {
        "held_on": "2026-11-20",
        "status": InterviewStatus.DONE,
        "interviewers": "Marie Dupont",
        "stakeholder": "",
        "summary": "",
    }
    for section in _sections(territory):
        data[f"notes_{section.pk}"] = ""
    data.update(fields)
    return data


def _an_interview(territory_a):
    return Interview.objects.filter(territory=territory_a, notes__isnull=False).distinct().order_by("pk").first()


# --- the dashboard ---------------------------------------------------------------------------------------


def test_it_shows_25_of_30_interviews_and_the_5_categories_covered(client_for, alice, url_a):
    page = client_for(alice).get(url_a("campaign")).content.decode()
    assert '<strong data-testid="interviews-done">25</strong> / 30 entretiens réalisés' in page
    for label in ("Collectivités", "Services et opérateurs de l&#x27;État", "Entreprises", "Société civile"):
        assert f'<span class="pacte-ok" aria-hidden="true">✓</span> {label}' in page
    assert "pacte-ko" not in page
    assert "34 contacts dans le fichier de suivi." in page


def test_it_counts_coverage_by_category_and_priority(territory_a):
    summary = campaign_summary(territory=territory_a)
    categories = {c.key: (c.contacts, c.done) for c in summary.categories}
    assert categories == {
        "collectivites": (5, 5),
        "etat": (3, 2),  # the prefecture and the ministry were met together
        "entreprises": (12, 8),
        "societe_civile": (3, 2),
        "partenaires": (11, 9),  # the Rotary Club was met with the Club Hôtelier (société civile): both count
    }
    priorities = {p.key: (p.contacts, p.done) for p in summary.priorities}
    assert priorities == {"prioritaire": (20, 20), "souhaitable": (14, 14), "facultative": (0, 0)}


def test_it_shows_what_each_person_who_contacts_still_has_to_do(client_for, alice, url_a, chantal, territory_a):
    Contact.objects.create(
        territory=territory_a, stakeholder=chantal.stakeholder, last_name="Roux", contacted_by="Marie"
    )
    summary = campaign_summary(territory=territory_a)
    marie = next(c for c in summary.callers if c.name == "Marie")
    assert (marie.count("a_contacter"), marie.count("contacte"), marie.remaining) == (1, 1, 2)
    assert summary.callers[0].name == "Marie"  # the most to do first
    page = client_for(alice).get(url_a("campaign")).content.decode()
    row = page[page.index("?contacted_by=Marie") :]
    row = row[: row.index("</tr>")]
    assert "<td><strong>2</strong></td>" in row


def test_it_lists_contacts_without_news_for_more_than_3_weeks(client_for, alice, url_a, chantal, territory_a):
    chantal.last_action_on = timezone.localdate() - datetime.timedelta(days=22)
    chantal.save()
    recent = Contact.objects.create(
        territory=territory_a,
        stakeholder=chantal.stakeholder,
        last_name="Récent",
        status=ContactStatus.CONTACTED,
        last_action_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    never = Contact.objects.create(territory=territory_a, stakeholder=chantal.stakeholder, last_name="Oublié")
    Contact.objects.filter(pk=never.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    page = client_for(alice).get(url_a("campaign")).content.decode()
    assert "Chantiers Bernard — Chantal Bernard</a>" in page
    assert "Chantiers Bernard — Oublié</a>" in page
    assert "jamais contacté" in page
    assert "Récent" not in page
    assert {c.pk for c in campaign_summary(territory=territory_a).stale} == {chantal.pk, never.pk}
    assert recent.pk not in {c.pk for c in campaign_summary(territory=territory_a).stale}


def test_it_says_when_no_contact_waits(client_for, alice, url_a):
    page = client_for(alice).get(url_a("campaign")).content.decode()
    assert "Aucun : chaque contact a eu des nouvelles depuis moins de 3 semaines." in page


def test_it_renders_the_campaign_within_the_same_budget_with_10_times_the_data(client_for, alice, url_a, territory_a):
    client = client_for(alice)
    before = queries_for(client, url_a("campaign"))
    stakeholders = Stakeholder.objects.bulk_create(
        Stakeholder(territory=territory_a, name=f"Entreprise {i}", name_key=f"entreprise {i}", category="entreprises")
        for i in range(300)
    )
    contacts = Contact.objects.bulk_create(
        Contact(territory=territory_a, stakeholder=s, last_name=f"Nom {s.pk}", contacted_by=f"Agent {s.pk % 7}")
        for s in stakeholders
    )
    interviews = Interview.objects.bulk_create(
        Interview(territory=territory_a, stakeholder=s, status=InterviewStatus.DONE, held_on=datetime.date(2026, 1, 5))
        for s in stakeholders[:250]
    )
    Interview.interviewees.through.objects.bulk_create(
        Interview.interviewees.through(interview_id=i.pk, contact_id=c.pk)
        for i, c in zip(interviews, contacts[:250], strict=True)
    )
    after = queries_for(client, url_a("campaign"))
    assert after == before
    assert after <= CAMPAIGN_BUDGET


# --- recording an interview ------------------------------------------------------------------------------


def test_it_records_an_interview_with_its_notes_and_moves_the_contact_on(
    client_for, alice, url_a, chantal, territory_a
):
    sections = _sections(territory_a)
    data = _payload(
        territory_a,
        interviewees=[chantal.pk],
        **{
            f"notes_{sections[0].pk}": "  Besoin de foncier pour un nouvel atelier.  ",
            f"notes_{sections[2].pk}": "Prête à accueillir des alternants.",
        },
    )
    response = client_for(alice).post(url_a("interview_create"), data)
    interview = Interview.objects.get(territory=territory_a, interviewees=chantal)
    assert response.status_code == 302
    assert response.url == url_a("interview_detail", interview.pk)
    assert interview.stakeholder == chantal.stakeholder
    assert interview.status == InterviewStatus.DONE
    assert {n.section_title: n.text for n in interview.notes.all()} == {
        sections[0].title: "Besoin de foncier pour un nouvel atelier.",
        sections[2].title: "Prête à accueillir des alternants.",
    }
    chantal.refresh_from_db()
    assert (chantal.status, chantal.last_action_on) == (ContactStatus.INTERVIEW_DONE, datetime.date(2026, 11, 20))
    assert JournalEntry.objects.filter(territory=territory_a, verb="interview_recorded", actor=alice).exists()
    page = client_for(alice).get(response.url).content.decode()
    assert "Besoin de foncier pour un nouvel atelier." in page
    assert "Chantal Bernard (Chantiers Bernard)" in page


def test_it_plans_an_interview_and_marks_the_contact_planned(client_for, alice, url_a, chantal, territory_a):
    client_for(alice).post(
        url_a("interview_create"),
        _payload(territory_a, status=InterviewStatus.PLANNED, held_on="2026-12-03", interviewees=[chantal.pk]),
    )
    chantal.refresh_from_db()
    assert chantal.status == ContactStatus.INTERVIEW_PLANNED


def test_it_preselects_the_contact_given_in_the_link(client_for, alice, url_a, chantal):
    page = client_for(alice).get(url_a("interview_create") + f"?contact={chantal.pk}").content.decode()
    # a checkbox per contact of the tracking file (no Ctrl/⌘ multi-select, which a phone cannot use)
    box = re.search(rf'<input type="checkbox" name="interviewees" value="{chantal.pk}"[^>]*>', page).group(0)
    assert "checked" in box
    label_for = re.search(r'id="([^"]+)"', box).group(1)
    assert re.search(rf'for="{label_for}">\s*Chantiers Bernard — Chantal Bernard\s*</label>', page)


def test_it_refuses_a_held_interview_without_a_date_and_writes_nothing(client_for, alice, url_a, chantal, territory_a):
    count = Interview.objects.count()
    response = client_for(alice).post(
        url_a("interview_create"), _payload(territory_a, held_on="", interviewees=[chantal.pk])
    )
    assert response.status_code == 200
    assert "Indiquez la date à laquelle l&#x27;entretien a eu lieu." in response.content.decode()
    assert Interview.objects.count() == count
    chantal.refresh_from_db()
    assert chantal.status == ContactStatus.CONTACTED


def test_it_refuses_an_interview_with_nobody(client_for, alice, url_a, territory_a):
    response = client_for(alice).post(url_a("interview_create"), _payload(territory_a))
    assert "Choisissez au moins une personne interrogée ou une partie prenante." in response.content.decode()


def test_it_refuses_an_interviewee_of_another_territory(client_for, alice, url_a, territory_a, territory_b):
    stakeholder = Stakeholder.objects.create(territory=territory_b, name="Port de Dunkerque", category="partenaires")
    contact = Contact.objects.create(territory=territory_b, stakeholder=stakeholder, last_name="Nord")
    count = Interview.objects.count()
    response = client_for(alice).post(url_a("interview_create"), _payload(territory_a, interviewees=[contact.pk]))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert Interview.objects.count() == count
    assert not contact.interviews.exists()


def test_it_edits_the_notes_of_an_interview(client_for, alice, url_a, territory_a):
    interview = _an_interview(territory_a)
    section = _sections(territory_a)[1]
    data = _payload(
        territory_a,
        action="save",
        held_on=interview.held_on.isoformat(),
        stakeholder=interview.stakeholder_id,
        interviewees=list(interview.interviewees.values_list("pk", flat=True)),
        interviewers=interview.interviewers,
        **{f"notes_{s.pk}": n.text for s in _sections(territory_a) for n in interview.notes.filter(section=s)},
    )
    data[f"notes_{section.pk}"] = "Nouvelle note sur la vision."
    response = client_for(alice).post(url_a("interview_detail", interview.pk), data)
    assert response.status_code == 302
    assert InterviewNote.objects.get(interview=interview, section=section).text == "Nouvelle note sur la vision."


# --- what an interview brings out ------------------------------------------------------------------------


def test_it_adds_a_new_finding_waiting_to_be_retained(client_for, alice, url_a, territory_a):
    interview = _an_interview(territory_a)
    axis = DiagnosticAxis.objects.filter(territory=territory_a).first()
    theme = Theme.objects.filter(territory=territory_a).first()
    response = client_for(alice).post(
        url_a("interview_detail", interview.pk),
        {
            "action": "finding",
            "constat-kind": FindingKind.WEAKNESS,
            "constat-axis": axis.pk,
            "constat-theme": theme.pk,
            "constat-text": " Peu de  bornes de recharge ",
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get(territory=territory_a, text="Peu de bornes de recharge")
    assert (finding.axis, finding.theme, finding.retained) == (axis, theme, False)
    assert list(finding.interviews.all()) == [interview]


def test_it_links_an_existing_finding_as_one_more_piece_of_evidence(client_for, alice, url_a, territory_a):
    interview = Interview.objects.filter(territory=territory_a, findings__isnull=True).first()
    finding = Finding.objects.get(territory=territory_a, text__startswith="Du foncier industriel encore disponible")
    assert finding.interviews.count() == 2
    client_for(alice).post(
        url_a("interview_detail", interview.pk), {"action": "finding", "constat-existing": finding.pk}
    )
    assert finding.interviews.count() == 3


def test_it_asks_for_the_axis_and_kind_of_a_new_finding(client_for, alice, url_a, territory_a):
    interview = _an_interview(territory_a)
    count = Finding.objects.count()
    response = client_for(alice).post(
        url_a("interview_detail", interview.pk), {"action": "finding", "constat-text": "Un constat"}
    )
    page = response.content.decode()
    assert "Rattachez le constat à un axe du diagnostic." in page
    assert "Précisez s&#x27;il s&#x27;agit d&#x27;un atout ✓ ou d&#x27;une faiblesse ✗." in page
    assert Finding.objects.count() == count


def test_it_refuses_an_axis_of_another_territory(client_for, alice, url_a, territory_a, territory_b):
    interview = _an_interview(territory_a)
    axis_b = DiagnosticAxis.objects.filter(territory=territory_b).first()
    count = Finding.objects.count()
    client_for(alice).post(
        url_a("interview_detail", interview.pk),
        {
            "action": "finding",
            "constat-kind": FindingKind.STRENGTH,
            "constat-axis": axis_b.pk,
            "constat-text": "Intrusion",
        },
    )
    assert Finding.objects.count() == count


def test_it_adds_and_deletes_a_commitment_idea(client_for, alice, url_a, territory_a):
    interview = _an_interview(territory_a)
    theme = Theme.objects.filter(territory=territory_a).last()
    client = client_for(alice)
    client.post(
        url_a("interview_detail", interview.pk),
        {"action": "idea", "idee-side": "territory", "idee-theme": theme.pk, "idee-text": "Un guichet unique"},
    )
    idea = CommitmentIdea.objects.get(interview=interview, text="Un guichet unique")
    assert (idea.side, idea.theme, idea.territory) == ("territory", theme, territory_a)
    assert "Un guichet unique" in client.get(url_a("diagnostic")).content.decode()
    asked = client.post(url_a("interview_detail", interview.pk), {"action": "delete_idea", "idea": idea.pk})
    assert "Supprimer cette idée d'engagement ?" in asked.content.decode()
    assert CommitmentIdea.objects.filter(pk=idea.pk).exists()
    client.post(url_a("interview_detail", interview.pk), {"action": "delete_idea", "idea": idea.pk, "confirm": "1"})
    assert not CommitmentIdea.objects.filter(pk=idea.pk).exists()


def test_it_unlinks_a_finding_from_an_interview_without_deleting_it(client_for, alice, url_a, territory_a):
    interview = _an_interview(territory_a)
    finding = interview.findings.first()
    client_for(alice).post(url_a("interview_detail", interview.pk), {"action": "unlink", "finding": finding.pk})
    assert Finding.objects.filter(pk=finding.pk).exists()
    assert not finding.interviews.filter(pk=interview.pk).exists()


# --- who may see and change it ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["campaign", "interview_create"])
def test_it_hides_the_campaign_pages_of_territory_a_from_bob(client_for, bob, url_a, name):
    assert client_for(bob).get(url_a(name)).status_code == 403


def test_it_hides_an_interview_of_territory_a_from_bob(client_for, bob, url_a, territory_a, territory_b):
    interview = _an_interview(territory_a)
    client = client_for(bob)
    assert client.get(url_a("interview_detail", interview.pk)).status_code == 403
    # through his own territory's address, the interview of A does not exist
    assert client.get(reverse("interviews:interview_detail", args=[territory_b.slug, interview.pk])).status_code == 404


def test_it_ignores_bobs_writes_to_an_interview_of_territory_a(client_for, bob, url_a, territory_a, territory_b):
    interview = _an_interview(territory_a)
    findings = set(interview.findings.values_list("pk", flat=True))
    axis_b = DiagnosticAxis.objects.filter(territory=territory_b).first()
    client = client_for(bob)
    for url in (
        url_a("interview_detail", interview.pk),
        reverse("interviews:interview_detail", args=[territory_b.slug, interview.pk]),
    ):
        response = client.post(
            url, {"action": "finding", "constat-kind": "strength", "constat-axis": axis_b.pk, "constat-text": "Intrus"}
        )
        assert response.status_code in (403, 404)
        response = client.post(url, {"action": "idea", "idee-side": "company", "idee-text": "Intrus"})
        assert response.status_code in (403, 404)
    assert set(interview.findings.values_list("pk", flat=True)) == findings
    assert not CommitmentIdea.objects.filter(text="Intrus").exists()
    count = Interview.objects.filter(territory=territory_a).count()
    assert client.post(url_a("interview_create"), _payload(territory_a)).status_code == 403
    assert Interview.objects.filter(territory=territory_a).count() == count


def test_it_lets_a_viewer_read_but_not_record(client_for, victor, url_a, territory_a, chantal):
    client = client_for(victor)
    interview = _an_interview(territory_a)
    page = client.get(url_a("interview_detail", interview.pk)).content.decode()
    assert "Ajouter un constat" not in page
    assert "Nouvel entretien" not in client.get(url_a("campaign")).content.decode()
    assert client.post(url_a("interview_create"), _payload(territory_a, interviewees=[chantal.pk])).status_code == 403
    assert (
        client.post(
            url_a("interview_detail", interview.pk), {"action": "idea", "idee-side": "company", "idee-text": "x"}
        ).status_code
        == 403
    )
    assert not Interview.objects.filter(interviewees=chantal).exists()


@pytest.mark.parametrize("name, args", [("campaign", []), ("interview_create", []), ("interview_detail", [1])])
def test_it_sends_anonymous_visitors_to_the_login_page(client, url_a, name, args):
    response = client.get(url_a(name, *args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_it_counts_only_this_territory_in_the_campaign(territory_a, territory_b):
    stakeholder = Stakeholder.objects.create(territory=territory_b, name="Préfecture du Nord", category=Category.STATE)
    Contact.objects.create(territory=territory_b, stakeholder=stakeholder, contacted_by="Territoire d'industrie")
    summary = campaign_summary(territory=territory_b)
    assert (summary.done, summary.contacts) == (0, 1)
    assert campaign_summary(territory=territory_a).contacts == 34


def test_it_counts_every_interview_behind_a_finding_on_the_interview_page(client_for, alice, url_a, territory_a):
    finding = Finding.objects.get(territory=territory_a, text__startswith="Du foncier industriel encore disponible")
    interview = finding.interviews.order_by("pk").last()
    page = client_for(alice).get(url_a("interview_detail", interview.pk)).content.decode()
    assert "(Infrastructure, foncier et innovation · 2 entretiens)" in page


def test_it_reconstitutes_the_25_interviews_of_the_reference_case_with_all_34_actors(territory_a, reference_content):
    interviews = Interview.objects.filter(territory=territory_a)
    assert interviews.count() == reference_content["pact"]["interviews_held"] == 25
    assert not interviews.exclude(status=InterviewStatus.DONE).exists()
    met = list(
        Interview.interviewees.through.objects.filter(interview__territory=territory_a).values_list(
            "contact__stakeholder__name", flat=True
        )
    )
    thanked = [s["name"] for s in reference_content["stakeholders"]]
    assert sorted(met) == sorted(thanked)  # every actor thanked by the pact was met, once
    assert not Contact.objects.filter(territory=territory_a).exclude(status=ContactStatus.INTERVIEW_DONE).exists()


def test_it_asks_the_reference_case_its_own_question_on_the_airport_land(territory_a, source_text):
    specific = GuideSection.objects.get(territory=territory_a, title="Question spécifique au territoire")
    assert specific.questions in source_text
    assert "20 hectares sur l'aéroport de Rochefort-Charente Maritime" in specific.questions


def test_it_writes_zero_in_the_singular_as_french_does(client_for, bob, territory_b):
    page = client_for(bob).get(reverse("interviews:campaign", args=[territory_b.slug])).content.decode()
    assert "0 contact dans le fichier de suivi." in page

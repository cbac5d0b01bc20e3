"""From evidence to text (issue 11): the sources of a theme, "utiliser" (create or amend an action from a source, link
or unlink it), what stands behind each commitment, the evidence trail, and the links surviving edits and versions."""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment, CompanyAction, EditRecord, TerritoryAction, Theme
from pacte.commitments.services import commitment_revise, commitments_version_freeze
from pacte.drafting.demo import evidence_demo_load
from pacte.drafting.evidence import (
    evidence_action_amend,
    evidence_action_create,
    evidence_link,
    evidence_summaries,
)
from pacte.drafting.models import EvidenceLink
from pacte.drafting.services import fingerprint
from pacte.indicators.models import Indicator
from pacte.interviews.models import CommitmentIdea, DiagnosticAxis, Finding, Interview, InterviewStatus
from pacte.land.models import Criterion, LandCall
from pacte.workshops.models import Idea as PostIt
from pacte.workshops.models import Participant, Reaction, Resolution, Workshop, WorkshopKind

# --- helpers ---------------------------------------------------------------------------------------------------


def read(response) -> str:
    return html.unescape(response.content.decode())


def theme_url(territory, theme):
    return reverse("drafting_evidence:theme", args=[territory.slug, theme.pk])


def use_url(territory, theme, segment, pk):
    return reverse("drafting_evidence:use", args=[territory.slug, theme.pk, segment, pk])


def trail_url(territory, commitment):
    return reverse("drafting_evidence:trail", args=[territory.slug, commitment.pk])


def unlink_url(territory, theme, link):
    return reverse("drafting_evidence:unlink", args=[territory.slug, theme.pk, link.pk])


def theme_of(territory, code):
    return Theme.objects.for_territory(territory).get(code=code)


def first_commitment(theme):
    return Commitment.objects.filter(theme=theme).order_by("order", "pk").first()


def interview(territory, name="Entretien", day=1):
    return Interview.objects.create(
        territory=territory, status=InterviewStatus.DONE, held_on=datetime.date(2024, 5, day), summary=name
    )


def idea(territory, theme, text, side="company", on=None):
    return CommitmentIdea.objects.create(
        territory=territory, interview=on or interview(territory), side=side, theme=theme, text=text
    )


def finding(territory, text, theme=None, interviews=(), retained=True):
    axis = DiagnosticAxis.objects.for_territory(territory).first() or DiagnosticAxis.objects.create(
        territory=territory, name="Axe"
    )
    item = Finding.objects.create(
        territory=territory, axis=axis, kind="weakness", text=text, theme=theme, retained=retained
    )
    item.interviews.set(interviews)
    return item


def workshop(territory):
    return Workshop.objects.create(
        territory=territory,
        kind=WorkshopKind.COMMITMENTS,
        title="Atelier des engagements",
        starts_at=timezone.make_aware(datetime.datetime(2024, 10, 8, 14, 0)),
    )


def postit(territory, text, commitment=None, on=None):
    return PostIt.objects.create(
        territory=territory, workshop=on or workshop(territory), commitment=commitment, text=text
    )


def reaction(territory, commitment, kind, on, name, comment="", resolution=None):
    participant = Participant.objects.create(territory=territory, workshop=on, name=name)
    return Reaction.objects.create(
        territory=territory, participant=participant, commitment=commitment, kind=kind, comment=comment,
        resolution=resolution,
    )  # fmt: skip


# --- the sources of a theme ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_the_sources_of_a_theme_by_side(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    other = theme_of(territory_a, "environnement")
    commitment = first_commitment(theme)
    idea(territory_a, theme, "  Créer une  navette\r\n vers le lycée  ", side="territory")
    idea(territory_a, other, "Idée d'une autre thématique, absente")
    backed = interview(territory_a)
    finding(territory_a, "Peu d'apprentis dans les PME", theme=theme, interviews=[backed, interview(territory_a)])
    finding(territory_a, "Constat écarté du diagnostic", theme=theme, retained=False)
    w = workshop(territory_a)
    postit(territory_a, "Un forum des métiers chaque printemps", commitment=commitment, on=w)
    resolution = Resolution.objects.create(
        territory=territory_a, commitment=commitment, outcome="kept", reason="Déjà couvert par le texte."
    )
    reaction(territory_a, commitment, "veto", w, "Paul", comment="Trop vague", resolution=resolution)
    reaction(territory_a, commitment, "agree", w, "Lise")

    response = client_for(alice).get(theme_url(territory_a, theme))
    assert response.status_code == 200
    page = read(response)
    company = page.split('data-testid="ideas-company"')[1].split("</ul>")[0]
    territory_side = page.split('data-testid="ideas-territory"')[1].split("</ul>")[0]
    assert "Accueillir des stagiaires et des alternants" in company  # the demo's interview idea
    assert "Créer une  navette" in territory_side or "Créer une navette" in territory_side
    assert "Accueillir des stagiaires" not in territory_side
    assert "Idée d'une autre thématique, absente" not in page
    findings = page.split('data-testid="findings"')[1].split("</section>")[0]
    assert "Peu d'apprentis dans les PME" in findings and "2 entretiens" in findings
    assert "retenu dans le diagnostic" in findings and "non retenu" in findings
    assert "Un forum des métiers chaque printemps" in page.split('data-testid="postits"')[1]
    reactions = page.split('data-testid="reactions"')[1]
    assert "1 soutien, 0 ajustement, 1 veto" in reactions
    assert "Texte maintenu" in reactions and "Déjà couvert par le texte." in reactions
    assert "pas encore utilisée" in page
    assert "Utiliser" in page
    # Findings without a theme (the demo's) can be used too.
    assert "Sources sans thématique" in page and "Du foncier industriel encore disponible" in page


@pytest.mark.django_db
def test_the_theme_page_is_bounded_in_queries(client_for, alice, territory_a, django_assert_max_num_queries):
    theme = theme_of(territory_a, "formation-emploi")
    commitment = first_commitment(theme)
    client = client_for(alice)
    client.get(theme_url(territory_a, theme))  # session and caches warmed
    with django_assert_max_num_queries(22) as small:
        client.get(theme_url(territory_a, theme))
    w = workshop(territory_a)
    for n in range(10):
        source = idea(territory_a, theme, f"Idée {n}")
        evidence_link(commitment=commitment, kind="idea", source=source, user=alice)
        f = finding(territory_a, f"Constat {n}", theme=theme, interviews=[source.interview])
        evidence_link(commitment=commitment, kind="finding", source=f, user=alice)
        postit(territory_a, f"Post-it {n}", commitment=commitment, on=w)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(theme_url(territory_a, theme))
    assert "Idée 9" in read(response)


# --- "utiliser" -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_utiliser_creates_an_action_with_its_link_and_history(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    commitment = first_commitment(theme)
    Commitment.objects.filter(pk=commitment.pk).update(from_template=True)
    source = idea(territory_a, theme, "Ouvrir un atelier-école partagé", side="territory")
    client = client_for(alice)
    form = read(client.get(use_url(territory_a, theme, "idee", source.pk)))
    assert "Ouvrir un atelier-école partagé</textarea>" in form  # prefilled with the source's text
    assert re.search(r'value="territory"[^>]*checked', form)  # the idea's side preselected
    assert not re.search(r'value="company"[^>]*checked', form)
    assert re.search(rf'<option value="{commitment.pk}" selected>', form) is None  # two commitments: none chosen

    response = client.post(
        use_url(territory_a, theme, "idee", source.pk),
        {
            "mode": "creer",
            "creer-commitment": commitment.pk,
            "creer-side": "territory",
            "creer-text": "  Ouvrir un atelier-école partagé\r\nentre trois lycées  ",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#source-idee-{source.pk}")
    action = TerritoryAction.objects.get(
        commitment=commitment, text="Ouvrir un atelier-école partagé\nentre trois lycées"
    )
    assert action.order == TerritoryAction.objects.filter(commitment=commitment).count() - 1  # at the end
    record = EditRecord.objects.get(item_type="territory_action", item_id=action.pk)
    assert (record.field, record.old_text, record.edited_by) == ("text", "", alice)
    link = EvidenceLink.objects.get(commitment=commitment, idea=source)
    assert link.territory_action == action and link.kind == "idea" and link.created_by == alice
    commitment.refresh_from_db()
    assert commitment.from_template is False
    page = read(client.get(response["Location"]))
    assert "Action créée à partir de la source" in page
    assert "action du territoire : « Ouvrir un atelier-école partagé" in page


@pytest.mark.django_db
def test_utiliser_refuses_an_empty_text_and_a_commitment_of_another_theme(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    elsewhere = first_commitment(theme_of(territory_a, "environnement"))
    source = idea(territory_a, theme, "Idée")
    client = client_for(alice)
    before = CompanyAction.objects.count()
    response = client.post(
        use_url(territory_a, theme, "idee", source.pk),
        {
            "mode": "creer",
            "creer-commitment": first_commitment(theme).pk,
            "creer-side": "company",
            "creer-text": " \r\n ",
        },
    )
    assert response.status_code == 200 and "Écrivez le texte de l'action." in read(response)
    response = client.post(
        use_url(territory_a, theme, "idee", source.pk),
        {"mode": "creer", "creer-commitment": elsewhere.pk, "creer-side": "company", "creer-text": "Texte"},
    )
    assert "Choisissez un engagement de cette thématique." in read(response)
    response = client.post(
        use_url(territory_a, theme, "idee", source.pk),
        {"mode": "creer", "creer-commitment": first_commitment(theme).pk, "creer-side": "", "creer-text": "Texte"},
    )
    assert "Choisissez le côté" in read(response)
    assert CompanyAction.objects.count() == before
    assert not EvidenceLink.objects.filter(idea=source).exists()


@pytest.mark.django_db
def test_the_form_is_also_an_htmx_fragment(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    source = idea(territory_a, theme, "Idée en fragment")
    client = client_for(alice)
    fragment = read(client.get(use_url(territory_a, theme, "idee", source.pk), HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment and 'data-testid="use-forms"' in fragment
    assert "Créer une nouvelle action à partir de cette source" in fragment
    page = read(client.get(use_url(territory_a, theme, "idee", source.pk)))
    assert "<html" in page and "Utiliser une source" in page and 'data-testid="use-forms"' in page
    # The theme page loads it in place (hx-get) and links to it without JavaScript (href).
    theme_page = read(client.get(theme_url(territory_a, theme)))
    assert f'href="{use_url(territory_a, theme, "idee", source.pk)}" hx-get=' in theme_page


@pytest.mark.django_db
def test_amending_an_action_replaces_its_text_and_refuses_a_stale_edit(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    commitment = first_commitment(theme)
    action = CompanyAction.objects.filter(commitment=commitment).order_by("order", "pk").first()
    source = idea(territory_a, theme, "Former les tuteurs d'alternants")
    client = client_for(alice)
    url = use_url(territory_a, theme, "idee", source.pk)
    form = read(client.get(url, {"action": f"company-{action.pk}"}))
    assert "Nouveau texte de l'action" in form and action.text in form
    loaded = fingerprint(action, ("text",))
    assert loaded in form

    # Someone else edits the action in between.
    CompanyAction.objects.filter(pk=action.pk).update(text="Texte changé par une autre personne")
    data = {
        "mode": "modifier",
        "modifier-action": f"company-{action.pk}",
        "modifier-loaded": loaded,
        "modifier-text": "Garantir des conditions de travail de qualité et former les tuteurs",
    }
    response = client.post(url, data)
    assert response.status_code == 409
    page = read(response)
    assert "Quelqu'un a modifié cette action pendant que vous écriviez" in page
    assert "Texte changé par une autre personne" in page
    assert "former les tuteurs" in page  # what this person wrote is kept
    action.refresh_from_db()
    assert action.text == "Texte changé par une autre personne"
    assert not EditRecord.objects.filter(item_type="company_action", item_id=action.pk).exists()
    assert not EvidenceLink.objects.filter(idea=source).exists()

    # Saving again, knowingly, from the current text.
    data["modifier-loaded"] = fingerprint(action, ("text",))
    response = client.post(url, data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.text == "Garantir des conditions de travail de qualité et former les tuteurs"
    record = EditRecord.objects.get(item_type="company_action", item_id=action.pk)
    assert record.old_text == "Texte changé par une autre personne" and record.new_text == action.text
    assert EvidenceLink.objects.get(idea=source, commitment=commitment).company_action == action


@pytest.mark.django_db
def test_an_action_of_another_theme_cannot_be_amended_from_here(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    foreign = CompanyAction.objects.filter(commitment__theme=theme_of(territory_a, "environnement")).first()
    source = idea(territory_a, theme, "Idée")
    response = client_for(alice).post(
        use_url(territory_a, theme, "idee", source.pk),
        {"mode": "modifier", "modifier-action": f"company-{foreign.pk}", "modifier-loaded": "", "modifier-text": "X"},
    )
    assert response.status_code == 404
    assert CompanyAction.objects.get(pk=foreign.pk).text != "X"


@pytest.mark.django_db
def test_reusing_a_source_adds_no_duplicate_link_and_it_can_be_unlinked(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    commitment = first_commitment(theme)
    source = finding(territory_a, "Un manque de tuteurs", theme=theme)
    client = client_for(alice)
    url = use_url(territory_a, theme, "constat", source.pk)
    response = client.post(url, {"mode": "lier", "lier-commitment": commitment.pk})
    assert response.status_code == 302
    link = EvidenceLink.objects.get(finding=source)
    assert link.company_action is None and link.territory_action is None
    assert "Source liée à l'engagement" in read(client.get(response["Location"]))
    client.post(url, {"mode": "lier", "lier-commitment": commitment.pk})
    client.post(
        url,
        {
            "mode": "creer",
            "creer-commitment": commitment.pk,
            "creer-side": "company",
            "creer-text": "Former des tuteurs",
        },
    )
    assert EvidenceLink.objects.filter(finding=source).count() == 1
    link.refresh_from_db()
    assert link.company_action.text == "Former des tuteurs"  # a link without action takes the one written now
    texts = list(CompanyAction.objects.filter(commitment=commitment).values_list("text", flat=True))

    response = client.post(unlink_url(territory_a, theme, link))
    assert response.status_code == 302
    assert not EvidenceLink.objects.filter(finding=source).exists()
    assert list(CompanyAction.objects.filter(commitment=commitment).values_list("text", flat=True)) == texts
    assert "pas encore utilisée" in read(client.get(theme_url(territory_a, theme)))


# --- what stands behind each commitment -------------------------------------------------------------------------


def _backed_commitment(territory, user):
    """A commitment with 2 interviews, 1 finding, 2 post-its, a veto lifted, an adjustment decided and a veto
    pending behind it."""
    theme = Theme.objects.for_territory(territory).order_by("order", "pk").first()
    commitment = first_commitment(theme)
    first, second = interview(territory, day=2), interview(territory, day=3)
    evidence_link(commitment=commitment, kind="idea", source=idea(territory, theme, "A", on=first), user=user)
    evidence_link(commitment=commitment, kind="idea", source=idea(territory, theme, "B", on=first), user=user)
    f = finding(territory, "Constat", theme=theme, interviews=[first, second])
    evidence_link(commitment=commitment, kind="finding", source=f, user=user)
    w = workshop(territory)
    placed = postit(territory, "Posé et lié", commitment=commitment, on=w)
    evidence_link(commitment=commitment, kind="postit", source=placed, user=user)
    postit(territory, "Seulement posé", commitment=commitment, on=w)
    decided = Resolution.objects.create(territory=territory, commitment=commitment, outcome="kept", reason="Motif")
    reaction(territory, commitment, "veto", w, "P1", resolution=decided)
    reaction(territory, commitment, "adjust", w, "P2", resolution=decided)
    reaction(territory, commitment, "veto", w, "P3")
    reaction(territory, commitment, "agree", w, "P4")
    return commitment


@pytest.mark.django_db
def test_summaries_say_what_stands_behind_each_commitment(alice, territory_b, bob, django_assert_num_queries):
    commitment = _backed_commitment(territory_b, bob)
    with django_assert_num_queries(3):  # links with their interviews, post-its placed, vetoes and adjustments
        summaries = evidence_summaries(territory=territory_b)
    assert summaries[commitment.pk] == (
        "2 entretiens, 1 constat, 2 post-its, 1 veto levé, 1 ajustement tranché, 1 veto ou ajustement à trancher"
    )
    assert len(summaries) == 1  # commitments with nothing behind them are left out
    other = Commitment.objects.for_territory(territory_b).exclude(pk=commitment.pk).first()
    evidence_link(
        commitment=other, kind="idea", source=idea(territory_b, other.theme, "Seule"), user=bob
    )  # French rule: 1 singular
    assert evidence_summaries(territory=territory_b)[other.pk] == "1 entretien"
    # The same 3 queries with ten times the data.
    for n in range(10):
        evidence_link(commitment=other, kind="idea", source=idea(territory_b, other.theme, f"Idée {n}"), user=bob)
    with django_assert_num_queries(3):
        assert evidence_summaries(territory=territory_b)[other.pk] == "11 entretiens"


# --- links survive edits, versions and removals -----------------------------------------------------------------


@pytest.mark.django_db
def test_links_survive_an_edit_a_version_freeze_and_the_removal_of_their_action(client_for, alice, territory_a):
    theme = theme_of(territory_a, "formation-emploi")
    commitment = first_commitment(theme)
    source = idea(territory_a, theme, "Un parrainage des apprentis")
    action, link = evidence_action_create(
        commitment=commitment, side="company", text="Parrainer les apprentis", kind="idea", source=source, user=alice
    )
    evidence_action_amend(
        action=action,
        text="Parrainer chaque apprenti",
        loaded=fingerprint(action, ("text",)),
        kind="idea",
        source=source,
        user=alice,
    )
    link.refresh_from_db()
    assert link.company_action_id == action.pk  # still linked after an edit
    commitments_version_freeze(territory=territory_a, label="Version de test", actor=alice)
    link.refresh_from_db()
    assert link.company_action_id == action.pk  # and after a version freeze
    summary_before = evidence_summaries(territory=territory_a)[commitment.pk]

    # Removing the action (a new wording without it) leaves the link on the commitment.
    kept = [a.text for a in CompanyAction.objects.filter(commitment=commitment).exclude(pk=action.pk)]
    commitment_revise(
        commitment=commitment,
        title=commitment.title,
        company_intro=commitment.company_intro,
        company_actions=kept,
        territory_intro=commitment.territory_intro,
        territory_actions=[a.text for a in TerritoryAction.objects.filter(commitment=commitment)],
    )
    assert not CompanyAction.objects.filter(text="Parrainer chaque apprenti").exists()
    link = EvidenceLink.objects.get(pk=link.pk)
    assert link.commitment_id == commitment.pk and link.company_action_id is None
    assert evidence_summaries(territory=territory_a)[commitment.pk] == summary_before
    page = read(client_for(alice).get(trail_url(territory_a, commitment)))
    assert "Un parrainage des apprentis" in page and "liée à l'engagement, sans action" in page


# --- the evidence trail -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_trail_runs_from_interviews_to_land_criteria(client_for, alice, territory_a, django_assert_max_num_queries):
    theme = theme_of(territory_a, "formation-emploi")
    commitment = first_commitment(theme)
    met = interview(territory_a, day=20)
    source = idea(territory_a, theme, "Une école de production", on=met)
    action, _link = evidence_action_create(
        commitment=commitment, side="territory", text="Soutenir une école de production", kind="idea", source=source,
        user=alice,
    )  # fmt: skip
    f = finding(territory_a, "Des métiers en tension", theme=theme, interviews=[met])
    evidence_link(commitment=commitment, kind="finding", source=f, user=alice)
    call = LandCall.objects.create(
        territory=territory_a,
        title="Appel à projets de la zone des Sœurs",
        opens_on=datetime.date(2025, 1, 1),
        closes_on=datetime.date(2025, 3, 1),
    )
    Criterion.objects.create(territory=territory_a, call=call, commitment=commitment, name="Emplois locaux créés")
    indicator = Indicator.objects.for_territory(territory_a).filter(theme=theme).first()

    client = client_for(alice)
    with django_assert_max_num_queries(20):
        response = client.get(trail_url(territory_a, commitment))
    assert response.status_code == 200
    page = read(response)
    interviews = page.split('data-testid="trail-interviews"')[1].split("</ul>")[0]
    assert reverse("interviews:interview_detail", args=[territory_a.slug, met.pk]) in interviews
    assert interviews.count("<li>") == 1  # the idea's and the finding's interview counted once
    sources = page.split('data-testid="trail-sources"')[1]
    assert "Une école de production" in sources and "Des métiers en tension" in sources
    assert "action du territoire : « Soutenir une école de production »" in sources
    assert "issue de : idée d'engagement (entretien) « Une école de production »" in page
    assert indicator.name in page.split('data-testid="trail-indicators"')[1]
    criteria = page.split('data-testid="trail-criteria"')[1]
    assert "Emplois locaux créés" in criteria and "Appel à projets de la zone des Sœurs" in criteria
    assert reverse("land:call_detail", args=[territory_a.slug, call.pk]) in criteria
    assert "1 entretien, 1 constat" in page


# --- access -------------------------------------------------------------------------------------------------------


@pytest.fixture
def a_pages(territory_a, alice):
    theme = theme_of(territory_a, "formation-emploi")
    commitment = first_commitment(theme)
    source = idea(territory_a, theme, "Idée de A")
    link = evidence_link(commitment=commitment, kind="idea", source=source, user=alice)[0]
    return theme, commitment, source, link


@pytest.mark.django_db
def test_another_team_reads_and_changes_nothing(client_for, bob, territory_a, territory_b, a_pages):
    theme, commitment, source, link = a_pages
    client = client_for(bob)
    for url in (
        theme_url(territory_a, theme),
        use_url(territory_a, theme, "idee", source.pk),
        trail_url(territory_a, commitment),
    ):
        assert client.get(url).status_code in (403, 404)
    post = {"mode": "lier", "lier-commitment": commitment.pk}
    assert client.post(use_url(territory_a, theme, "idee", source.pk), post).status_code in (403, 404)
    assert client.post(unlink_url(territory_a, theme, link)).status_code in (403, 404)
    # Through their own territory's address, A's theme, source, link and commitment are not found.
    own_theme = Theme.objects.for_territory(territory_b).first()
    assert client.get(theme_url(territory_b, theme)).status_code == 404
    assert client.get(trail_url(territory_b, commitment)).status_code == 404
    assert client.get(use_url(territory_b, own_theme, "idee", source.pk)).status_code == 404
    assert client.post(use_url(territory_b, own_theme, "idee", source.pk), post).status_code == 404
    assert client.post(unlink_url(territory_b, own_theme, link)).status_code == 404
    assert EvidenceLink.objects.filter(pk=link.pk).exists()
    assert EvidenceLink.objects.filter(idea=source).count() == 1


@pytest.mark.django_db
def test_a_read_only_member_reads_but_every_post_is_refused(client_for, victor, territory_a, a_pages):
    theme, commitment, source, link = a_pages
    client = client_for(victor)
    page = read(client.get(theme_url(territory_a, theme)))
    assert "Idée de A" in page and "Utiliser<span" not in page and "Délier" not in page
    assert reverse("drafting_evidence:use", args=[territory_a.slug, theme.pk, "idee", source.pk]) not in page
    assert client.get(trail_url(territory_a, commitment)).status_code == 200
    assert "Lecture seule" in read(client.get(use_url(territory_a, theme, "idee", source.pk)))
    before = CompanyAction.objects.count()
    for data in (
        {"mode": "lier", "lier-commitment": commitment.pk},
        {"mode": "creer", "creer-commitment": commitment.pk, "creer-side": "company", "creer-text": "Non"},
    ):
        assert client.post(use_url(territory_a, theme, "idee", source.pk), data).status_code == 403
    assert client.post(unlink_url(territory_a, theme, link)).status_code == 403
    assert CompanyAction.objects.count() == before
    assert EvidenceLink.objects.filter(pk=link.pk).exists()


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in(client, territory_a, a_pages):
    theme, commitment, source, link = a_pages
    for response in (
        client.get(theme_url(territory_a, theme)),
        client.get(use_url(territory_a, theme, "idee", source.pk)),
        client.post(use_url(territory_a, theme, "idee", source.pk), {"mode": "lier", "lier-commitment": commitment.pk}),
        client.post(unlink_url(territory_a, theme, link)),
        client.get(trail_url(territory_a, commitment)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert EvidenceLink.objects.filter(pk=link.pk).exists()


# --- demo ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_links_rochefort_commitments_to_their_evidence(client_for, alice, territory_a):
    created = evidence_demo_load(territory=territory_a)
    assert created >= 15
    assert evidence_demo_load(territory=territory_a) == 0  # idempotent
    summaries = evidence_summaries(territory=territory_a)
    training = Commitment.objects.for_territory(territory_a).get(
        short_title="La pérennité de l'emploi local et le renforcement de la formation pour l'industrie"
    )
    assert summaries[training.pk].startswith("1 entretien, 3 constats")
    image = Commitment.objects.for_territory(territory_a).get(
        short_title="L'amélioration de l'image positive de l'industrie"
    )
    assert "1 post-it" in summaries[image.pk]
    link = EvidenceLink.objects.get(commitment=training, idea__text__startswith="[Illustration] Accueillir")
    assert link.company_action.text.startswith("offrir de la polyvalence")
    client = client_for(alice)
    page = read(client.get(trail_url(territory_a, training)))
    assert "Lycée Marcel Dassault" in page
    # The findings used for its commitments are listed with the theme, though the demo gives them no theme.
    page = read(client.get(theme_url(territory_a, training.theme)))
    findings = page.split('data-testid="findings"')[1].split("</section>")[0]
    assert "Un manque de candidats au sein des formations industrielles locales" in findings
    assert "Du foncier industriel encore disponible" not in findings

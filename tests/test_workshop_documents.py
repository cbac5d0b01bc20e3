"""The workshop's documents: the handout (draft commitments), the link sheet with its QR code, the results
spreadsheet and the synthesis."""

import datetime
import io
import os
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment
from pacte.stakeholders.models import Category, Contact, Stakeholder
from pacte.workshops.models import (
    COMMITMENT_QUESTIONS,
    GovernanceQuestion,
    ReactionKind,
    Resolution,
    WorkshopKind,
    WorkshopStatus,
)
from pacte.workshops.services import (
    idea_record,
    participant_join,
    participants_invite,
    reaction_record,
    resolution_record,
    workshop_create,
    workshop_set_status,
)

STARTS_AT = timezone.make_aware(datetime.datetime(2025, 3, 12, 14, 0))
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _words(text: str) -> str:
    """Words joined by single spaces, typographic apostrophes made straight (lines wrap anywhere)."""
    return " ".join(text.replace("\u2019", "'").split())


def _pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return _words(result.stdout.decode("utf-8"))


def _pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _dump(name: str, content: bytes) -> None:
    """With WORKSHOP_DOCUMENTS_DIR set, keep the documents to look at them (pdftoppm -png -r 50)."""
    directory = os.environ.get("WORKSHOP_DOCUMENTS_DIR")
    if directory:
        with open(os.path.join(directory, name), "wb") as stream:
            stream.write(content)


def _workshop(territory, kind=WorkshopKind.COMMITMENTS, title="Atelier des engagements du 12 mars"):
    return workshop_create(
        territory=territory, kind=kind, title=title, starts_at=STARTS_AT, place="Salle Pierre Loti, Rochefort"
    )


@pytest.fixture
def commitments_a(territory_a):
    return list(Commitment.objects.for_territory(territory_a).order_by("theme__order", "theme__pk", "order", "pk"))


@pytest.fixture
def workshop_a(territory_a, commitments_a):
    """A workshop #1, opened, with an invited participant, an anonymous one, reactions and post-its."""
    workshop = _workshop(territory_a)
    workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)
    stakeholder = Stakeholder.objects.create(
        territory=territory_a, name="Chantiers de l'Estuaire", category=Category.COMPANIES
    )
    contact = Contact.objects.create(
        territory=territory_a, stakeholder=stakeholder, first_name="Camille", last_name="Durand"
    )
    (camille,) = participants_invite(workshop=workshop, contacts=[contact])
    lina = participant_join(workshop=workshop, name="Lina")
    first, second = commitments_a[0], commitments_a[1]
    reaction_record(
        participant=camille, commitment=first, kind=ReactionKind.VETO, comment="Trop contraignant pour les PME"
    )
    reaction_record(participant=lina, commitment=first, kind=ReactionKind.AGREE)
    reaction_record(participant=lina, commitment=second, kind=ReactionKind.ADJUST, comment="Préciser le calendrier")
    idea_record(workshop=workshop, participant=camille, commitment=first, text="Un guichet unique pour les PME")
    idea_record(workshop=workshop, participant=lina, commitment=second, text="=1+1")
    return workshop


def _url(name, workshop):
    return reverse(f"workshops:{name}", args=[workshop.territory.slug, workshop.pk])


# --- the handout ------------------------------------------------------------------------------------------------


def test_it_renders_the_handout_as_an_inline_a4_pdf(client_for, alice, workshop_a):
    response = client_for(alice).get(_url("handout", workshop_a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'inline; filename="support-atelier-engagements-2025-03-12.pdf"'
    _dump("support.pdf", response.content)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True, check=True).stdout
        assert b"(A4)" in info


@needs_poppler
def test_it_prints_every_commitment_numbered_with_the_questions_of_workshop_1(
    client_for, alice, workshop_a, commitments_a
):
    text = _pdf_text(client_for(alice).get(_url("handout", workshop_a)).content)

    assert "Atelier des engagements du 12 mars" in text
    for question in COMMITMENT_QUESTIONS:
        assert _words(str(question)) in text
    assert "1 IDÉE PAR POST-IT, ÉCRITURE LISIBLE" in text
    assert commitments_a, "the demo territory has commitments"
    for number, commitment in enumerate(commitments_a, 1):
        assert f"Engagement {number} {_words(commitment.title)}" in text
    assert _words(commitments_a[0].company_intro) in text
    assert _words(commitments_a[0].territory_intro) in text


@needs_poppler
def test_it_prints_the_four_governance_questions_on_the_handout_of_workshop_2(
    client_for, victor, territory_a, commitments_a
):
    workshop = _workshop(territory_a, kind=WorkshopKind.GOVERNANCE, title="Gouvernance du pacte")

    response = client_for(victor).get(_url("handout", workshop))

    assert response["Content-Disposition"] == 'inline; filename="support-atelier-gouvernance-2025-03-12.pdf"'
    _dump("support-gouvernance.pdf", response.content)
    text = _pdf_text(response.content)
    for question in GovernanceQuestion.labels:
        assert _words(str(question)) in text
    for commitment in commitments_a:
        assert _words(commitment.title) in text


# --- the link sheet ---------------------------------------------------------------------------------------------


def test_it_prints_the_open_link_with_its_qr_code_on_one_page(client_for, victor, workshop_a):
    response = client_for(victor).get(_url("link_sheet", workshop_a))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'inline; filename="lien-atelier-engagements-2025-03-12.pdf"'
    _dump("lien.pdf", response.content)
    if shutil.which("pdftotext"):
        text = _pdf_text(response.content)
        link = "http://testserver" + reverse("workshops:join", args=[workshop_a.token])
        assert link in text.replace(" ", "")  # a long link may wrap
        assert "Réagissez depuis votre téléphone, sans compte" in text
        assert "Atelier des engagements du 12 mars" in text
        assert _pages(response.content) == 1


def test_it_draws_the_qr_code_of_the_open_link():
    from pacte.workshops.documents import qr_svg

    svg = qr_svg("https://pacte.example/atelier/abc/")

    assert svg.startswith("<svg") and 'class="qr"' in svg and "<path" in svg
    assert "width=" not in svg.split(">")[0]  # sized by the stylesheet


# --- the results spreadsheet ------------------------------------------------------------------------------------


def _workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_it_exports_every_reaction_and_post_it_to_a_spreadsheet(client_for, victor, workshop_a, commitments_a):
    response = client_for(victor).get(_url("results_xlsx", workshop_a))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="resultats-atelier-engagements-2025-03-12.xlsx"'
    workbook = _workbook(response)
    assert workbook.sheetnames == ["Réactions", "Post-its"]
    reactions = [[cell.value for cell in row] for row in workbook["Réactions"].iter_rows()]
    assert reactions[0] == [
        "Participant",
        "Entité",
        "Thématique",
        "Engagement",
        "Réaction",
        "Précision",
        "Date",
        "Résolution",
    ]
    assert len(reactions) == 4
    veto = next(row for row in reactions if row[4] == "Veto")
    assert veto[:2] == ["Camille Durand", "Chantiers de l'Estuaire"]
    assert veto[2] == commitments_a[0].theme.name
    assert veto[3] == f"Engagement 1 — {commitments_a[0].title}"
    assert veto[5] == "Trop contraignant pour les PME"
    assert isinstance(veto[6], datetime.datetime)
    assert veto[7] == "en attente de décision"
    agree = next(row for row in reactions if row[4] == "D'accord")
    assert agree[0] == "Lina" and agree[1] is None and agree[7] is None
    ideas = [[cell.value for cell in row] for row in workbook["Post-its"].iter_rows()]
    assert ideas[0] == ["Thématique", "Engagement ou question", "Post-it", "Participant ou saisi par", "Date"]
    assert [
        commitments_a[0].theme.name,
        f"Engagement 1 — {commitments_a[0].title}",
        "Un guichet unique pour les PME",
    ] in [row[:3] for row in ideas]


def test_it_writes_no_formula_even_for_a_post_it_that_looks_like_one(client_for, alice, workshop_a):
    response = client_for(alice).get(_url("results_xlsx", workshop_a))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert "<f>" not in archive.read(name).decode() and "<f " not in archive.read(name).decode()
    sheet = _workbook(response)["Post-its"]
    cell = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "=1+1")
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_it_shows_the_decision_taken_on_a_veto_in_the_spreadsheet(client_for, alice, workshop_a, commitments_a):
    veto = commitments_a[0].reactions.get(kind=ReactionKind.VETO)
    resolution_record(
        commitment=commitments_a[0], reactions=[veto], outcome=Resolution.Outcome.KEPT, reason="Socle commun voulu"
    )

    rows = list(_workbook(client_for(alice).get(_url("results_xlsx", workshop_a)))["Réactions"].values)

    assert "Texte maintenu : Socle commun voulu" in [row[7] for row in rows]


def test_it_types_in_post_its_typed_by_the_facilitator_as_such(client_for, alice, workshop_a):
    workshop_set_status(workshop=workshop_a, status=WorkshopStatus.CLOSED)
    alice.first_name, alice.last_name = "Alice", "Martin"
    alice.save()
    idea_record(workshop=workshop_a, question=GovernanceQuestion.SUCCESS, text="On se revoit", typed_by=alice)

    rows = list(_workbook(client_for(alice).get(_url("results_xlsx", workshop_a)))["Post-its"].values)

    assert [None, str(GovernanceQuestion.SUCCESS.label), "On se revoit", "saisi par Alice Martin"] in [
        list(row[:4]) for row in rows
    ]


# --- the synthesis ----------------------------------------------------------------------------------------------


def test_it_renders_the_synthesis_as_an_inline_pdf(client_for, victor, workshop_a):
    response = client_for(victor).get(_url("synthesis", workshop_a))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'inline; filename="synthese-atelier-engagements-2025-03-12.pdf"'


@needs_poppler
def test_it_sums_up_each_commitment_with_its_vetoes_decisions_and_post_its(
    client_for, alice, workshop_a, commitments_a
):
    adjust = commitments_a[1].reactions.get(kind=ReactionKind.ADJUST)
    resolution_record(
        commitment=commitments_a[1],
        reactions=[adjust],
        outcome=Resolution.Outcome.KEPT,
        reason="Le calendrier sera fixé par le comité",
    )

    response = client_for(alice).get(_url("synthesis", workshop_a))
    _dump("synthese.pdf", response.content)
    text = _pdf_text(response.content)

    for number, commitment in enumerate(commitments_a, 1):
        assert f"Engagement {number} {_words(commitment.title)}" in text
    assert "Vetos : 1" in text
    assert "Trop contraignant pour les PME" in text
    assert "en attente de décision" in text
    assert "Texte maintenu : Le calendrier sera fixé par le comité" in text
    assert "Un guichet unique pour les PME" in text
    assert "Camille Durand (Chantiers de l'Estuaire)" in text


@needs_poppler
def test_it_sums_up_the_governance_post_its_question_by_question(client_for, alice, territory_a):
    workshop = _workshop(territory_a, kind=WorkshopKind.GOVERNANCE, title="Gouvernance du pacte")
    workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)
    participant = participant_join(workshop=workshop, name="Nora")
    idea_record(
        workshop=workshop, participant=participant, question=GovernanceQuestion.DURATION, text="3 ans, revue annuelle"
    )
    idea_record(
        workshop=workshop, participant=participant, question=GovernanceQuestion.SUCCESS, text="les jeunes restent"
    )

    response = client_for(alice).get(_url("synthesis", workshop))
    _dump("synthese-gouvernance.pdf", response.content)
    text = _pdf_text(response.content)

    for question in GovernanceQuestion.labels:
        assert _words(str(question)) in text
    duration = text.index(_words(str(GovernanceQuestion.DURATION.label)))
    success = text.index(_words(str(GovernanceQuestion.SUCCESS.label)), duration)
    assert duration < text.index("3 ans, revue annuelle") < success < text.index("les jeunes restent")


# --- access -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["handout", "link_sheet", "results_xlsx", "synthesis"])
def test_it_lets_readers_download_the_documents(client_for, victor, workshop_a, name):
    assert client_for(victor).get(_url(name, workshop_a)).status_code == 200


@pytest.mark.parametrize("name", ["handout", "link_sheet", "results_xlsx", "synthesis"])
def test_it_refuses_the_documents_to_another_territory(client_for, bob, territory_b, workshop_a, name):
    client = client_for(bob)

    assert client.get(_url(name, workshop_a)).status_code == 403
    own_slug = reverse(f"workshops:{name}", args=[territory_b.slug, workshop_a.pk])
    assert client.get(own_slug).status_code == 404

"""The printable interview sheet (PDF): blank or for one interviewee of the tracking file."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from pacte.commitments.models import Theme
from pacte.interviews.models import InterviewGuide
from pacte.interviews.services_guide import interview_guide_create, interview_sheet_pdf
from pacte.stakeholders.models import Category, Contact, Priority, Stakeholder

ROCHEFORT_QUESTION = (
    "Autre question spécifique au Territoire d'industrie Rochefort-Royan-Marennes-Oléron : le territoire engage la "
    "commercialisation d'un foncier de 20 hectares sur l'aéroport de Rochefort-Charente Maritime. Quelles conditions "
    "doivent-être formulées pour une implantation et un développement vertueux des projets industriels ?"
)
SECTION_TITLES = [
    "Présentation",
    "Vision de l'industrie sur le territoire",
    "Responsabilité territoriale de l'industrie",
    "Question spécifique au territoire",
    "Gouvernance",
]
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text, words joined by single spaces (lines wrap anywhere)."""
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").replace("\u2019", "'").split())


@pytest.fixture
def rochefort_guide(territory_a):
    InterviewGuide.objects.filter(territory=territory_a).delete()
    return interview_guide_create(territory=territory_a, specific_question=ROCHEFORT_QUESTION)


@pytest.fixture
def contact_a(territory_a):
    stakeholder, _ = Stakeholder.objects.get_or_create(
        territory=territory_a, name="Chantiers de l'Estuaire", defaults={"category": Category.COMPANIES}
    )
    return Contact.objects.create(
        territory=territory_a,
        stakeholder=stakeholder,
        first_name="Camille",
        last_name="Durand",
        priority=Priority.HIGH,
        contacted_by="Territoire d'industrie",
    )


def _sheet_url(territory, contact=None) -> str:
    url = reverse("interviews:sheet", args=[territory.slug])
    return f"{url}?contact={contact}" if contact is not None else url


def test_it_renders_a_blank_sheet_as_an_a4_pdf(client_for, alice, rochefort_guide):
    response = client_for(alice).get(_sheet_url(rochefort_guide.territory))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'inline; filename="fiche-entretien.pdf"'
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True, check=True).stdout
        assert b"(A4)" in info


@needs_poppler
def test_it_prints_the_guide_and_the_themes_on_the_blank_sheet(client_for, alice, rochefort_guide):
    text = _pdf_text(client_for(alice).get(_sheet_url(rochefort_guide.territory)).content)

    assert "Fiche d'entretien" in text
    assert "Rochefort-Royan-Marennes-Oléron" in text
    for title in SECTION_TITLES:
        assert title in text
    for theme in Theme.objects.for_territory(rochefort_guide.territory):
        assert theme.name in text
    assert "15 min" in text and "10 min" in text
    assert ROCHEFORT_QUESTION in text
    assert "Date" in text and "Conduit par" in text
    assert "Page 1 / " in text


def test_it_names_the_file_after_the_interviewee(client_for, alice, rochefort_guide, contact_a):
    response = client_for(alice).get(_sheet_url(rochefort_guide.territory, contact_a.pk))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert (
        response["Content-Disposition"]
        == 'inline; filename="fiche-entretien-chantiers-de-lestuaire-camille-durand.pdf"'
    )


@needs_poppler
def test_it_prefills_the_sheet_for_an_interviewee(client_for, alice, rochefort_guide, contact_a):
    text = _pdf_text(client_for(alice).get(_sheet_url(rochefort_guide.territory, contact_a.pk)).content)

    assert "Camille Durand" in text
    assert "Chantiers de l'Estuaire" in text
    assert "Entreprises" in text  # category
    assert "Prioritaire" in text
    assert "Territoire d'industrie" in text  # who contacts
    for title in SECTION_TITLES:
        assert title in text
    assert ROCHEFORT_QUESTION in text


@needs_poppler
def test_it_prints_an_interviewee_still_to_identify(client_for, alice, rochefort_guide, contact_a):
    contact_a.first_name = contact_a.last_name = ""
    contact_a.save()

    response = client_for(alice).get(_sheet_url(rochefort_guide.territory, contact_a.pk))

    assert "interlocuteur à identifier" in _pdf_text(response.content)
    assert response["Content-Disposition"] == 'inline; filename="fiche-entretien-chantiers-de-lestuaire.pdf"'


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
def test_it_embeds_the_marianne_font(rochefort_guide):
    pdf = interview_sheet_pdf(guide=rochefort_guide)

    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Marianne" in fonts


def test_it_never_fetches_anything_from_the_network(rochefort_guide, monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the sheet must be rendered offline")

    monkeypatch.setattr(urllib.request.HTTPHandler, "http_open", refuse)
    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", refuse)
    from weasyprint.urls import URLFetcher

    fetched = []
    original = URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", spy)

    assert interview_sheet_pdf(guide=rochefort_guide).startswith(b"%PDF")
    assert fetched and all(url.startswith("file://") for url in fetched)


def test_it_creates_the_default_guide_for_the_sheet_of_a_territory_without_one(client_for, bob, territory_b):
    InterviewGuide.objects.filter(territory=territory_b).delete()

    response = client_for(bob).get(_sheet_url(territory_b))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert InterviewGuide.objects.filter(territory=territory_b).count() == 1


def test_it_lets_a_viewer_download_the_sheet(client_for, victor, rochefort_guide, contact_a):
    response = client_for(victor).get(_sheet_url(rochefort_guide.territory, contact_a.pk))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_it_answers_400_in_french_for_a_contact_that_is_not_a_number(client_for, alice, rochefort_guide):
    response = client_for(alice).get(_sheet_url(rochefort_guide.territory, "abc"))

    assert response.status_code == 400
    assert "Le paramètre « contact » doit être le numéro d'un contact" in response.content.decode()


@pytest.mark.parametrize("contact", ["999999999", "99999999999999999999999"])
def test_it_answers_404_for_an_unknown_contact(client_for, alice, rochefort_guide, contact):
    response = client_for(alice).get(_sheet_url(rochefort_guide.territory, contact))

    assert response.status_code in (400, 404)


def test_it_keeps_bob_out_of_territory_a_sheet(client_for, bob, rochefort_guide, contact_a):
    client = client_for(bob)

    assert client.get(_sheet_url(rochefort_guide.territory)).status_code == 403
    assert client.get(_sheet_url(rochefort_guide.territory, contact_a.pk)).status_code == 403


def test_it_does_not_give_bob_a_contact_of_territory_a_through_his_own_territory(
    client_for, bob, territory_b, contact_a
):
    response = client_for(bob).get(_sheet_url(territory_b, contact_a.pk))

    assert response.status_code == 404
    assert b"Durand" not in response.content


def test_it_sends_anonymous_visitors_to_the_login_page(client, rochefort_guide, contact_a):
    response = client.get(_sheet_url(rochefort_guide.territory, contact_a.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

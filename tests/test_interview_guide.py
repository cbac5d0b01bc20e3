"""The interview guide of step 1: the source's guide as default, its page, its editing, its access."""

import html

import pytest
from django.urls import reverse

from pacte.commitments.models import Theme
from pacte.interviews.models import GuideSection, InterviewGuide
from pacte.interviews.services_guide import (
    guide_default_read,
    interview_guide_create,
    interview_guide_for,
)
from pacte.stakeholders.models import Category, Contact, Stakeholder

ROCHEFORT_QUESTION = (
    "Autre question spécifique au Territoire d'industrie Rochefort-Royan-Marennes-Oléron : le territoire engage la "
    "commercialisation d'un foncier de 20 hectares sur l'aéroport de Rochefort-Charente Maritime. Quelles conditions "
    "doivent-être formulées pour une implantation et un développement vertueux des projets industriels ?"
)
# The guide corrects one typo of the source ("Quels ont vos projets…"); applied to the guide side before comparing.
SOURCE_CORRECTIONS = [("Quels sont vos projets", "Quels ont vos projets")]


def _page(response) -> str:
    """What the user reads: the page's HTML with its entities (' for ') decoded."""
    return html.unescape(response.content.decode())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _in_source(text: str, source_text: str) -> bool:
    for corrected, original in SOURCE_CORRECTIONS:
        text = text.replace(corrected, original)
    return _flat(text) in _flat(source_text)


def _fresh_guide(territory, **kwargs) -> InterviewGuide:
    """A guide created now from the default (whatever the demo loader gave the territory)."""
    InterviewGuide.objects.filter(territory=territory).delete()
    return interview_guide_create(territory=territory, **kwargs)


def _snapshot(guide):
    guide.refresh_from_db()
    return guide.title, list(guide.sections.values_list("pk", "title", "minutes", "questions", "by_theme", "order"))


def _post_data(guide, *, title=None, sections=None, extra=None):
    """The edit form as the browser sends it, from the guide as stored; `sections` overrides by index."""
    stored = list(guide.sections.all())
    rows = [
        {"id": s.pk, "title": s.title, "minutes": s.minutes or "", "questions": s.questions, "by_theme": s.by_theme}
        for s in stored
    ]
    for index, changes in (sections or {}).items():
        rows[index].update(changes)
    if extra:
        rows.append({"id": "", **extra})
    data = {
        "action": "save",
        "guide-title": guide.title if title is None else title,
        "sections-TOTAL_FORMS": str(len(rows)),
        "sections-INITIAL_FORMS": str(len(stored)),
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "by_theme" or key == "DELETE":
                if value:
                    data[f"sections-{i}-{key}"] = "on"
            else:
                data[f"sections-{i}-{key}"] = "" if value is None else str(value)
    return data


# --- The default guide is the source's guide ---


def test_it_takes_the_default_guide_from_the_source(territory_b, source_text):
    guide = _fresh_guide(territory_b)

    assert guide.title == "Guide d'entretien sur la méthode de la responsabilité territoriale de l'industrie"
    assert _in_source(guide.title, source_text)
    sections = list(guide.sections.all())
    assert [(s.title, s.minutes, s.by_theme) for s in sections] == [
        ("Présentation", None, False),
        ("Vision de l'industrie sur le territoire", 15, True),
        ("Responsabilité territoriale de l'industrie", 15, False),
        ("Question spécifique au territoire", None, False),
        ("Gouvernance", 10, False),
    ]
    assert sections[0].question_list == [
        "Introduction de l'interlocuteur",
        "Quels sont vos enjeux d'industrialisation ?",
        "Quels sont vos projets d'implantation ou de développement industriel à venir, ou ceux dont vous avez connaissance ?",
    ]
    for section in sections:
        if section.title != "Question spécifique au territoire":
            assert _in_source(section.title, source_text), section.title
            for question in section.question_list:
                assert _in_source(question, source_text), question
    # The generic guide asks the team to write its own question.
    assert "À rédiger par l'équipe du territoire" in sections[3].questions
    assert all(s.territory_id == territory_b.pk for s in sections)


def test_it_keeps_the_default_guide_as_data():
    data = guide_default_read()
    assert [s["title"] for s in data["sections"]][0] == "Présentation"
    assert sum(1 for s in data["sections"] if s.get("specific")) == 1


def test_it_puts_the_territory_question_in_place_of_the_placeholder(territory_a, source_text):
    guide = _fresh_guide(territory_a, specific_question=ROCHEFORT_QUESTION)

    specific = guide.sections.get(title="Question spécifique au territoire")
    assert specific.question_list == [ROCHEFORT_QUESTION]
    assert _in_source(ROCHEFORT_QUESTION, source_text)
    assert guide.sections.count() == 5


def test_it_creates_the_default_guide_once(territory_b):
    InterviewGuide.objects.filter(territory=territory_b).delete()

    first = interview_guide_for(territory=territory_b)
    second = interview_guide_for(territory=territory_b)

    assert first.pk == second.pk
    assert InterviewGuide.objects.filter(territory=territory_b).count() == 1
    assert GuideSection.objects.filter(guide=first).count() == 5


def test_it_does_not_replace_an_edited_guide(territory_b):
    guide = interview_guide_for(territory=territory_b)
    guide.sections.filter(title="Gouvernance").update(minutes=25)

    again = interview_guide_for(territory=territory_b)

    assert again.sections.get(title="Gouvernance").minutes == 25


# --- The page ---


@pytest.fixture
def rochefort_guide(territory_a):
    return _fresh_guide(territory_a, specific_question=ROCHEFORT_QUESTION)


@pytest.fixture
def contact_a(territory_a):
    stakeholder, _ = Stakeholder.objects.get_or_create(
        territory=territory_a, name="Chantiers de l'Estuaire", defaults={"category": Category.COMPANIES}
    )
    return Contact.objects.create(
        territory=territory_a, stakeholder=stakeholder, first_name="Camille", last_name="Durand"
    )


def test_it_shows_the_guide_with_its_sections_and_the_territory_themes(client_for, alice, rochefort_guide, contact_a):
    response = client_for(alice).get(reverse("interviews:guide", args=[rochefort_guide.territory.slug]))

    assert response.status_code == 200
    assert response.context["territory"] == rochefort_guide.territory
    for section in rochefort_guide.sections.all():
        assert section.title in _page(response)
    themes = list(Theme.objects.for_territory(rochefort_guide.territory))
    assert themes
    for theme in themes:
        assert theme.name in _page(response)
    text = _page(response)
    assert ROCHEFORT_QUESTION in text
    assert "Comment une entreprise industrielle peut-elle répondre à ces enjeux ?" in text
    assert "durée indicative : 40 minutes" in text
    assert "Télécharger la fiche d'entretien (PDF)" in text
    sheet_url = reverse("interviews:sheet", args=[rochefort_guide.territory.slug])
    assert f'href="{sheet_url}"' in text
    assert f'<option value="{contact_a.pk}">Chantiers de l\'Estuaire — Camille Durand</option>' in text
    assert "Enregistrer le guide" in text  # the team edits it


def test_it_creates_the_guide_of_a_territory_that_had_none(client_for, bob, territory_b):
    InterviewGuide.objects.filter(territory=territory_b).delete()

    response = client_for(bob).get(reverse("interviews:guide", args=[territory_b.slug]))

    assert response.status_code == 200
    assert InterviewGuide.objects.filter(territory=territory_b).count() == 1
    assert "Question spécifique au territoire" in _page(response)


def test_it_saves_the_edited_guide(client_for, alice, rochefort_guide):
    client = client_for(alice)
    url = reverse("interviews:guide", args=[rochefort_guide.territory.slug])
    sections = list(rochefort_guide.sections.all())
    data = _post_data(
        rochefort_guide,
        title="Guide d'entretien 2026",
        sections={
            1: {"minutes": 20, "questions": "Quels enjeux ?\n\n  Quelles priorités ?  "},
            3: {"DELETE": True},
            4: {"title": "Gouvernance du pacte", "by_theme": True},
        },
        extra={"title": "Fiertés locales", "minutes": 5, "questions": "Quel produit local vous rend fier ?"},
    )

    response = client.post(url, data)

    assert response.status_code == 302
    rochefort_guide.refresh_from_db()
    assert rochefort_guide.title == "Guide d'entretien 2026"
    saved = list(rochefort_guide.sections.all())
    assert [s.title for s in saved] == [
        "Présentation",
        "Vision de l'industrie sur le territoire",
        "Responsabilité territoriale de l'industrie",
        "Gouvernance du pacte",
        "Fiertés locales",
    ]
    assert [s.order for s in saved] == [0, 1, 2, 3, 4]
    assert saved[1].minutes == 20 and saved[1].questions == "Quels enjeux ?\nQuelles priorités ?"
    assert saved[1].pk == sections[1].pk
    assert saved[3].by_theme is True
    assert saved[4].minutes == 5 and saved[4].territory_id == rochefort_guide.territory_id
    assert not GuideSection.objects.filter(pk=sections[3].pk).exists()
    page = client.get(url)
    assert "Le guide d'entretien est enregistré." in _page(page)
    assert "durée indicative : 50 minutes" in _page(page)


def test_it_ignores_the_blank_new_section(client_for, alice, rochefort_guide):
    before = _snapshot(rochefort_guide)
    data = _post_data(rochefort_guide, extra={"title": "", "minutes": "", "questions": ""})

    response = client_for(alice).post(reverse("interviews:guide", args=[rochefort_guide.territory.slug]), data)

    assert response.status_code == 302
    assert _snapshot(rochefort_guide) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sections": {1: {"minutes": 0}}}, "La durée doit être comprise entre 1 et 180 minutes."),
        ({"sections": {1: {"minutes": 181}}}, "La durée doit être comprise entre 1 et 180 minutes."),
        ({"sections": {1: {"minutes": "un quart d'heure"}}}, "Indiquez la durée en nombre entier de minutes."),
        ({"sections": {2: {"title": "  "}}}, "Donnez un titre à cette partie."),
        ({"sections": {2: {"questions": "\n \n"}}}, "Indiquez au moins une question (une par ligne)."),
        ({"title": ""}, "Donnez un titre au guide d'entretien."),
        ({"sections": {i: {"DELETE": True} for i in range(5)}}, "Le guide doit garder au moins une partie."),
        ({"extra": {"title": "Sans question", "minutes": 5, "questions": ""}}, "Indiquez au moins une question"),
    ],
)
def test_it_rejects_bad_input_in_french_and_writes_nothing(client_for, alice, rochefort_guide, changes, message):
    before = _snapshot(rochefort_guide)
    data = _post_data(rochefort_guide, **changes)
    data["sections-0-title"] = "Présentation modifiée"  # a valid change, that must not be saved either

    response = client_for(alice).post(reverse("interviews:guide", args=[rochefort_guide.territory.slug]), data)

    assert response.status_code == 200
    content = _page(response)
    assert message in content
    assert "Le guide n'a pas été enregistré" in content
    assert _snapshot(rochefort_guide) == before


def test_it_refuses_a_section_of_another_guide(client_for, alice, rochefort_guide, territory_b):
    other = interview_guide_for(territory=territory_b).sections.first()
    before = _snapshot(rochefort_guide)
    data = _post_data(rochefort_guide, sections={0: {"id": other.pk, "title": "Détournée"}})

    response = client_for(alice).post(reverse("interviews:guide", args=[rochefort_guide.territory.slug]), data)

    assert response.status_code == 200
    assert "Cette partie n'existe plus dans le guide" in _page(response)
    assert _snapshot(rochefort_guide) == before
    other.refresh_from_db()
    assert other.title != "Détournée"


def test_it_moves_a_section_up_and_down(client_for, alice, rochefort_guide):
    client = client_for(alice)
    url = reverse("interviews:guide", args=[rochefort_guide.territory.slug])
    governance = rochefort_guide.sections.get(title="Gouvernance")

    assert client.post(url, {"action": "move", "section": governance.pk, "direction": "up"}).status_code == 302
    titles = list(rochefort_guide.sections.values_list("title", flat=True))
    assert titles[3:] == ["Gouvernance", "Question spécifique au territoire"]

    client.post(url, {"action": "move", "section": governance.pk, "direction": "down"})
    client.post(url, {"action": "move", "section": governance.pk, "direction": "down"})  # already last: no change
    titles = list(rochefort_guide.sections.values_list("title", flat=True))
    assert titles[3:] == ["Question spécifique au territoire", "Gouvernance"]
    assert list(rochefort_guide.sections.values_list("order", flat=True)) == [0, 1, 2, 3, 4]


def test_it_does_not_move_a_section_of_another_territory(client_for, alice, rochefort_guide, territory_b):
    other = interview_guide_for(territory=territory_b).sections.last()
    before = list(other.guide.sections.values_list("pk", flat=True))

    response = client_for(alice).post(
        reverse("interviews:guide", args=[rochefort_guide.territory.slug]),
        {"action": "move", "section": other.pk, "direction": "up"},
    )

    assert response.status_code == 404
    assert list(other.guide.sections.values_list("pk", flat=True)) == before


# --- Access ---


def test_it_shows_no_edit_controls_to_a_viewer(client_for, victor, rochefort_guide):
    response = client_for(victor).get(reverse("interviews:guide", args=[rochefort_guide.territory.slug]))

    assert response.status_code == 200
    content = _page(response)
    assert "Gouvernance" in content
    assert "Télécharger la fiche d'entretien (PDF)" in content
    assert "Enregistrer le guide" not in content
    assert "Monter" not in content
    assert 'method="post"' not in content.split('id="content"')[1].split("</main>")[0]


def test_it_forbids_a_viewer_to_edit(client_for, victor, rochefort_guide):
    client = client_for(victor)
    url = reverse("interviews:guide", args=[rochefort_guide.territory.slug])
    before = _snapshot(rochefort_guide)

    assert client.post(url, _post_data(rochefort_guide, title="Pris en main")).status_code == 403
    governance = rochefort_guide.sections.get(title="Gouvernance")
    assert client.post(url, {"action": "move", "section": governance.pk, "direction": "up"}).status_code == 403
    assert _snapshot(rochefort_guide) == before


def test_it_keeps_bob_out_of_territory_a_guide(client_for, bob, rochefort_guide):
    client = client_for(bob)
    url = reverse("interviews:guide", args=[rochefort_guide.territory.slug])
    before = _snapshot(rochefort_guide)

    assert client.get(url).status_code == 403
    assert client.post(url, _post_data(rochefort_guide, title="Pris par B")).status_code == 403
    assert _snapshot(rochefort_guide) == before


def test_it_answers_404_for_an_unknown_territory(client_for, alice):
    assert client_for(alice).get(reverse("interviews:guide", args=["inconnu"])).status_code == 404


def test_it_sends_anonymous_visitors_to_the_login_page(client, rochefort_guide):
    url = reverse("interviews:guide", args=[rochefort_guide.territory.slug])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.post(url, _post_data(rochefort_guide, title="Anonyme")).status_code == 302
    assert InterviewGuide.objects.get(pk=rochefort_guide.pk).title != "Anonyme"


# --- Query budget ---


@pytest.mark.parametrize("contacts", [1, 10])
def test_it_renders_the_guide_page_in_a_bounded_number_of_queries(
    client_for, alice, rochefort_guide, contacts, django_assert_num_queries
):
    territory = rochefort_guide.territory
    for i in range(contacts):
        stakeholder = Stakeholder.objects.create(
            territory=territory, name=f"Entreprise de test {i}", category=Category.COMPANIES
        )
        Contact.objects.create(territory=territory, stakeholder=stakeholder, last_name=f"Nom {i}")
    client = client_for(alice)
    url = reverse("interviews:guide", args=[territory.slug])

    # 1 session, 2 user, 3 territory by slug with the user's role (read access and edit controls), 4 guide,
    # 5 its sections, 6 themes (for the by-theme section), 7 contacts joined to their stakeholder (select)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200

"""The pact editor (step 3): the team writes the pact's texts in the workspace, with history and stale-edit refusal;
no link to the Django admin for a team member."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from pacte.commitments.models import EditRecord, Theme
from pacte.drafting.services import fingerprint
from pacte.governance.models import GovernancePrinciple
from pacte.publications.models import Pact
from pacte.territories.models import KeyFigure


def url(name, territory, *args):
    return reverse(f"drafting:{name}", args=[territory.slug, *args])


def loaded(item, *fields):
    return fingerprint(item, fields)


def row(html, label):
    """The index's table row of a part, by its label."""
    return re.search(rf"<tr>\s*<td><a[^>]*>{label}</a></td>.*?</tr>", html, flags=re.S).group(0)


# --- access ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_the_parts_with_template_wording_marked(client_for, bob, territory_b):
    response = client_for(bob).get(url("index", territory_b))
    assert response.status_code == 200
    html = response.content.decode()
    assert "texte du modèle, à adapter" in row(html, "Édito et ambitions")
    assert "texte du modèle, à adapter" in row(html, "Remerciements")
    assert "texte du modèle, à adapter" in row(html, "Titre et couverture")
    assert "à rédiger" in row(html, "Chiffres clés")
    assert "Rédaction du pacte" in html  # the workspace menu entry


@pytest.mark.django_db
def test_a_written_editorial_is_no_longer_template_wording(client_for, bob, territory_b):
    pact = territory_b.pact
    client = client_for(bob)
    client.post(
        url("part", territory_b, "edito"),
        {"editorial": "Notre édito, écrit pour Dunkerque.", "ambitions": "", "editorial_title": "", "loaded": ""}
        | {"loaded": loaded(pact, "editorial_title", "editorial", "ambitions")},
    )
    html = client.get(url("index", territory_b)).content.decode()
    editorial_row = row(html, "Édito et ambitions")
    assert "rédigé" in editorial_row and "modèle" not in editorial_row


@pytest.mark.django_db
def test_the_reference_case_is_not_template_wording(client_for, alice, territory_a):
    html = client_for(alice).get(url("index", territory_a)).content.decode()
    assert "texte du modèle" not in html


@pytest.mark.django_db
def test_other_teams_get_403_and_unknown_territories_404(client_for, bob, territory_a, client):
    client = client_for(bob)
    figure = KeyFigure.objects.for_territory(territory_a).first()
    assert client.get(url("index", territory_a)).status_code == 403
    assert client.get(url("part", territory_a, "edito")).status_code == 403
    assert client.get(url("edit", territory_a, "chiffres-cles", figure.pk)).status_code == 403
    assert client.post(url("move", territory_a, "chiffres-cles", figure.pk), {"direction": "monter"}).status_code == 403
    assert client.get(reverse("drafting:index", args=["nulle-part"])).status_code == 404
    assert client.get(url("part", territory_a, "inconnu")).status_code in (403, 404)


@pytest.mark.django_db
def test_an_item_of_another_territory_is_404_through_ones_own_slug(client_for, alice, territory_a, territory_b):
    other = KeyFigure.objects.create(territory=territory_b, value="1", label="autre")
    client = client_for(alice)
    assert client.get(url("edit", territory_a, "chiffres-cles", other.pk)).status_code == 404
    response = client.post(url("edit", territory_a, "chiffres-cles", other.pk), {"value": "2", "label": "x"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.value == "1"


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, territory_a):
    response = client.get(url("index", territory_a))
    assert response.status_code == 302 and "/espace/gestion/" not in response["Location"]


@pytest.mark.django_db
def test_a_read_only_member_reads_but_cannot_save(client_for, victor, territory_a):
    client = client_for(victor)
    pact = territory_a.pact
    response = client.get(url("part", territory_a, "edito"))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(pact.editorial_paragraphs[0][:40]) in html
    assert "Enregistrer" not in html and "disabled" in html
    assert client.get(url("part", territory_a, "chiffres-cles")).status_code == 200
    before = pact.editorial
    response = client.post(
        url("part", territory_a, "edito"),
        {"editorial": "Piraté", "loaded": loaded(pact, "editorial_title", "editorial", "ambitions")},
    )
    assert response.status_code == 403
    pact.refresh_from_db()
    assert pact.editorial == before
    figure = KeyFigure.objects.for_territory(territory_a).first()
    assert client.get(url("create", territory_a, "chiffres-cles")).status_code == 403
    assert client.post(url("delete", territory_a, "chiffres-cles", figure.pk)).status_code == 403
    assert KeyFigure.objects.filter(pk=figure.pk).exists()


# --- saving and history ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_saves_the_editorial_and_keeps_its_history(client_for, alice, territory_a):
    pact = territory_a.pact
    old = pact.editorial
    client = client_for(alice)
    response = client.post(
        url("part", territory_a, "edito"),
        {
            "editorial_title": pact.editorial_title,
            "editorial": "Un nouvel édito.\r\n\r\nSur deux paragraphes.",
            "ambitions": pact.ambitions,
            "loaded": loaded(pact, "editorial_title", "editorial", "ambitions"),
        },
        follow=True,
    )
    assert "Modifications enregistrées" in response.content.decode()
    pact.refresh_from_db()
    assert pact.editorial == "Un nouvel édito.\n\nSur deux paragraphes."
    records = list(EditRecord.objects.filter(territory=territory_a, item_type="pact", item_id=pact.pk))
    assert [(r.field, r.old_text, r.new_text, r.edited_by) for r in records] == [
        ("editorial", old, pact.editorial, alice)
    ]
    history = client.get(url("history", territory_a, "pact", pact.pk)).content.decode()
    assert "Sur deux paragraphes." in history and "alice" in history and "Édito" in history


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_shows_the_other_persons_text(client_for, alice, territory_a):
    pact = territory_a.pact
    client = client_for(alice)
    form_loaded = loaded(pact, "acknowledgements")
    # Someone else saves first (another tab, another member).
    client.post(url("part", territory_a, "remerciements"), {"acknowledgements": "Merci à tous.", "loaded": form_loaded})
    response = client.post(
        url("part", territory_a, "remerciements"), {"acknowledgements": "Merci à chacun.", "loaded": form_loaded}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Quelqu'un a modifié ce texte pendant que vous écriviez" in html
    assert "Merci à tous." in html  # the other version, shown
    assert "Merci à chacun." in html  # one's own draft, kept in the form
    pact.refresh_from_db()
    assert pact.acknowledgements == "Merci à tous."
    assert EditRecord.objects.filter(item_type="pact", new_text="Merci à chacun.").count() == 0
    # Saving again from that page, knowingly, replaces it.
    new_loaded = re.search(r'name="loaded" value="([0-9a-f]+)"', html).group(1)
    client.post(
        url("part", territory_a, "remerciements"), {"acknowledgements": "Merci à chacun.", "loaded": new_loaded}
    )
    pact.refresh_from_db()
    assert pact.acknowledgements == "Merci à chacun."


@pytest.mark.django_db
def test_a_save_without_loaded_version_is_refused(client_for, alice, territory_a):
    pact = territory_a.pact
    response = client_for(alice).post(url("part", territory_a, "remerciements"), {"acknowledgements": "Merci."})
    assert response.status_code == 409
    pact.refresh_from_db()
    assert pact.acknowledgements != "Merci."


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "data", "message"),
    [
        ("titre", {"title": "   "}, "Donnez un titre au pacte."),
        ("titre", {"title": "T" * 256}, "Le titre ne peut dépasser 200 caractères"),
        ("titre", {"title": "T" * 201}, "Le titre ne peut dépasser 200 caractères"),
        ("edito", {"editorial": "", "editorial_title": "Titre"}, "L&#x27;édito ne peut pas être vide."),
        ("remerciements", {"acknowledgements": " \r\n "}, "Les remerciements ne peuvent pas être vides."),
    ],
)
def test_bad_pact_texts_are_refused_on_the_field(client_for, alice, territory_a, page, data, message):
    pact = territory_a.pact
    before = Pact.objects.filter(pk=pact.pk).values().get()
    data = {"loaded": "x"} | data
    response = client_for(alice).post(url("part", territory_a, page), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "fr-input-group--error" in html or "fr-error-text" in html
    assert Pact.objects.filter(pk=pact.pk).values().get() == before
    assert not EditRecord.objects.filter(territory=territory_a).exists()


@pytest.mark.django_db
def test_a_title_of_200_characters_is_saved_and_the_pptx_still_builds(client_for, alice, territory_a):
    from pacte.publications.document import pact_document
    from pacte.publications.slides import pact_pptx

    pact = territory_a.pact
    title = "Pacte " + "é" * 194
    client_for(alice).post(
        url("part", territory_a, "titre"), {"title": title, "loaded": loaded(pact, "title", "subtitle")}
    )
    pact.refresh_from_db()
    assert pact.title == title
    assert pact_pptx(pact_document(territory_a))[:2] == b"PK"


@pytest.mark.django_db
def test_duplicate_theme_names_are_refused(client_for, alice, territory_a):
    first, second = list(Theme.objects.for_territory(territory_a).order_by("order", "pk"))[:2]
    response = client_for(alice).post(
        url("edit", territory_a, "thematiques", second.pk),
        {"name": f"  {first.name.upper()} ", "short_name": "", "loaded": loaded(second, "name", "short_name")},
    )
    assert response.status_code == 200
    assert "Une autre thématique porte déjà ce nom." in response.content.decode()
    second.refresh_from_db()
    assert second.name != first.name


@pytest.mark.django_db
def test_a_theme_is_renamed_with_a_short_title(client_for, alice, territory_a):
    theme = Theme.objects.for_territory(territory_a).order_by("order", "pk").first()
    response = client_for(alice).post(
        url("edit", territory_a, "thematiques", theme.pk),
        {
            "name": "Attractivité du territoire",
            "short_name": "Attractivité",
            "loaded": loaded(theme, "name", "short_name"),
        },
        follow=True,
    )
    assert "Attractivité du territoire" in response.content.decode()
    theme.refresh_from_db()
    assert (theme.name, theme.short_name) == ("Attractivité du territoire", "Attractivité")
    assert EditRecord.objects.filter(item_type="theme", item_id=theme.pk, field="short_name").count() == 1


@pytest.mark.django_db
def test_themes_still_in_template_wording_are_marked(client_for, bob, territory_b):
    html = client_for(bob).get(url("part", territory_b, "thematiques")).content.decode()
    assert html.count("engagements au texte du modèle, à adapter") == 6
    assert "Ajouter" not in html and "Retirer" not in html  # the 6 themes are not added nor removed here


# --- lists: add, edit, reorder, remove ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_key_figures_are_added_edited_moved_and_removed(client_for, alice, territory_a):
    client = client_for(alice)
    count = KeyFigure.objects.for_territory(territory_a).count()
    response = client.post(
        url("create", territory_a, "chiffres-cles"),
        {"value": "42 %", "label": "des emplois dans l'industrie", "source": "INSEE, 2021"},
        follow=True,
    )
    assert "des emplois dans l&#x27;industrie" in response.content.decode()
    figures = list(KeyFigure.objects.for_territory(territory_a))
    assert len(figures) == count + 1 and figures[-1].value == "42 %"
    new = figures[-1]
    # up one place, with a plain form button (keyboard-usable)
    list_html = client.get(url("part", territory_a, "chiffres-cles")).content.decode()
    assert f'action="{url("move", territory_a, "chiffres-cles", new.pk)}"' in list_html
    assert 'name="direction" value="monter"' in list_html
    client.post(url("move", territory_a, "chiffres-cles", new.pk), {"direction": "monter"})
    order = list(KeyFigure.objects.for_territory(territory_a).values_list("pk", flat=True))
    assert order.index(new.pk) == count - 1
    # edit
    client.post(
        url("edit", territory_a, "chiffres-cles", new.pk),
        {
            "value": "43 %",
            "label": new.label,
            "source": new.source,
            "loaded": loaded(new, "value", "label", "source", "date"),
        },
    )
    new.refresh_from_db()
    assert new.value == "43 %"
    # remove (after a confirmation page)
    assert (
        "Retirer ce chiffre clé du pacte ?"
        in client.get(url("delete", territory_a, "chiffres-cles", new.pk)).content.decode()
    )
    client.post(url("delete", territory_a, "chiffres-cles", new.pk))
    assert not KeyFigure.objects.filter(pk=new.pk).exists()
    history = client.get(url("history", territory_a, "key_figure", new.pk)).content.decode()
    assert "43 %" in history and "Cet élément a été retiré du pacte" in history
    fields = list(EditRecord.objects.filter(item_id=new.pk, item_type="key_figure").values_list("field", flat=True))
    assert sorted(set(fields)) == ["label", "order", "source", "value"]


@pytest.mark.django_db
def test_a_key_figure_without_value_is_refused(client_for, alice, territory_a):
    count = KeyFigure.objects.for_territory(territory_a).count()
    response = client_for(alice).post(url("create", territory_a, "chiffres-cles"), {"value": "", "label": "x"})
    assert "Indiquez la valeur du chiffre clé." in response.content.decode()
    assert KeyFigure.objects.for_territory(territory_a).count() == count


@pytest.mark.django_db
def test_moving_the_first_item_up_changes_nothing(client_for, alice, territory_a):
    principles = list(GovernancePrinciple.objects.for_territory(territory_a).values_list("pk", flat=True))
    client_for(alice).post(url("move", territory_a, "principes", principles[0]), {"direction": "monter"})
    assert list(GovernancePrinciple.objects.for_territory(territory_a).values_list("pk", flat=True)) == principles


@pytest.mark.django_db
def test_template_principles_are_marked_until_changed(client_for, bob, territory_b):
    client = client_for(bob)
    principle = GovernancePrinciple.objects.for_territory(territory_b).first()
    html = client.get(url("part", territory_b, "principes")).content.decode()
    count = GovernancePrinciple.objects.for_territory(territory_b).count()
    assert html.count("texte du modèle, à adapter") == count
    client.post(
        url("edit", territory_b, "principes", principle.pk),
        {"title": principle.title, "text": "Notre propre règle.", "loaded": loaded(principle, "title", "text")},
    )
    html = client.get(url("part", territory_b, "principes")).content.decode()
    assert html.count("texte du modèle, à adapter") == count - 1


# --- no admin link for a team member -----------------------------------------------------------------------------


WORKSPACE_PAGES = [
    ("accounts:home", False),
    ("roadmap:roadmap", True),
    ("drafting:index", True),
    ("stakeholders:tracking_file", True),
    ("interviews:campaign", True),
    ("workshops:list", True),
    ("commitments:versions", True),
    ("appropriation:plan", True),
    ("accounts:team", True),
    ("indicators:dashboard", True),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "with_slug"), WORKSPACE_PAGES)
def test_no_admin_link_for_a_team_member(client_for, alice, territory_a, name, with_slug):
    response = client_for(alice).get(reverse(name, args=[territory_a.slug] if with_slug else []))
    assert response.status_code == 200
    assert "/espace/gestion/" not in response.content.decode()


@pytest.mark.django_db
def test_the_workspace_menu_links_to_the_admin_for_a_superuser_only(client_for, nadia, territory_a):
    html = client_for(nadia).get(url("index", territory_a)).content.decode()
    assert "/espace/gestion/" in html

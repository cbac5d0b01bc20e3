"""The commitments editor (step 3): the commitments of each theme and the actions of their two sides, written in the
workspace with history, stale-edit refusal, guarded removal, HTMX inline editing, and tenant isolation."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pacte.commitments.models import Commitment, CompanyAction, EditRecord, TerritoryAction, Theme
from pacte.drafting import views_commitments
from pacte.drafting.services import fingerprint, themes_to_adapt
from pacte.land.models import CallStatus, Criterion, LandCall
from pacte.workshops.models import Participant, Reaction, ReactionKind, Resolution, Workshop, WorkshopKind

COMMITMENT_FIELDS = ("short_title", "title", "company_intro", "territory_intro", "note")
ACTION_FIELDS = ("text", "details")
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, territory, theme, *args):
    return reverse(f"drafting_commitments:{name}", args=[territory.slug, theme.pk, *args])


def first_theme(territory) -> Theme:
    return Theme.objects.for_territory(territory).order_by("order", "pk").first()


def commitments_of(theme) -> list[Commitment]:
    return list(Commitment.objects.filter(theme=theme).order_by("order", "pk"))


def commitment_data(commitment=None, **changes):
    data = {name: getattr(commitment, name) if commitment else "" for name in COMMITMENT_FIELDS}
    if commitment is not None:
        data["loaded"] = fingerprint(commitment, COMMITMENT_FIELDS)
    return data | changes


def action_data(action, **changes):
    return {"text": action.text, "details": action.details, "loaded": fingerprint(action, ACTION_FIELDS)} | changes


def records(item_type, item_id):
    return list(
        EditRecord.objects.filter(item_type=item_type, item_id=item_id)
        .order_by("pk")
        .values_list("field", "old_text", "new_text")
    )


def new_commitment(territory, theme, *, from_template=False, title="Engagement de test"):
    last = commitments_of(theme)
    commitment = Commitment.objects.create(
        territory=territory,
        theme=theme,
        short_title="Test",
        title=title,
        company_intro="Les entreprises…",
        territory_intro="Le territoire…",
        order=(last[-1].order + 1) if last else 0,
        from_template=from_template,
    )
    CompanyAction.objects.create(commitment=commitment, text="Action A1", details="détail 1\ndétail 2", order=0)
    CompanyAction.objects.create(commitment=commitment, text="Action A2", order=1)
    TerritoryAction.objects.create(commitment=commitment, text="Action T1", order=0)
    return commitment


def open_veto(territory, commitment, *, kind=ReactionKind.VETO):
    workshop = Workshop.objects.create(
        territory=territory, kind=WorkshopKind.COMMITMENTS, title="Atelier n°1", starts_at=timezone.now()
    )
    participant = Participant.objects.create(territory=territory, workshop=workshop, name="Jeanne")
    return Reaction.objects.create(participant=participant, commitment=commitment, kind=kind, comment="Trop flou")


def land_call(territory, commitment, *, status):
    call = LandCall.objects.create(
        territory=territory,
        title="Appel foncier de l'aéroport",
        opens_on=datetime.date(2025, 1, 1),
        closes_on=datetime.date(2025, 3, 1),
        status=status,
    )
    Criterion.objects.create(
        territory=territory, call=call, commitment=commitment, name="Emplois", weight=2, levels=[""] * 6
    )
    return call


# --- the theme page ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_the_commitments_of_a_theme_with_both_sides(client_for, alice, territory_a, monkeypatch):
    theme = first_theme(territory_a)
    commitments = commitments_of(theme)
    assert commitments, "the reference case has commitments in its first theme"
    monkeypatch.setattr(
        views_commitments, "evidence_summaries", lambda *, territory: {commitments[0].pk: "3 entretiens, 5 post-its"}
    )
    response = client_for(alice).get(url("theme", territory_a, theme))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{escape(theme.name)}</h1>" in html
    positions = [html.index(f'id="engagement-{c.pk}"') for c in commitments]
    assert positions == sorted(positions)  # in their order
    for commitment in commitments:
        assert escape(commitment.title) in html
        for action in commitment.company_actions.all():
            assert f'id="action-entreprises-{action.pk}"' in html
        for action in commitment.territory_actions.all():
            assert f'id="action-territoire-{action.pk}"' in html
    assert "Les entreprises s&#x27;engagent" in html and "Le territoire s&#x27;engage" in html
    assert "Ce qui fonde cet engagement : 3 entretiens, 5 post-its" in html
    assert f'href="{reverse("drafting_evidence:theme", args=[territory_a.slug, theme.pk])}"' in html
    assert "Sources de cette thématique" in html
    assert "texte du modèle, à adapter" not in html  # the reference case is its own text
    assert 'name="direction" value="monter"' in html and "Ajouter un engagement" in html
    assert "/espace/gestion/" not in html


@pytest.mark.django_db
def test_template_wording_is_marked_and_details_shown(client_for, bob, territory_b):
    theme = first_theme(territory_b)
    commitment = new_commitment(territory_b, theme, from_template=True, title="Engagement du modèle")
    html = client_for(bob).get(url("theme", territory_b, theme)).content.decode()
    assert (
        html.count('data-testid="template-wording"')
        == Commitment.objects.filter(theme=theme, from_template=True).count()
    )
    block = re.search(rf'id="engagement-{commitment.pk}".*?</article>', html, flags=re.S).group(0)
    assert "texte du modèle, à adapter" in block
    assert "détail 1" in block and "détail 2" in block


@pytest.mark.django_db
def test_the_theme_page_has_a_bounded_number_of_queries(client_for, alice, territory_a, django_assert_num_queries):
    theme = first_theme(territory_a)
    client = client_for(alice)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get(url("theme", territory_a, theme)).status_code == 200
    for n in range(10):
        new_commitment(territory_a, theme, title=f"Engagement {n}")
    # session, user, territory with role, theme, commitments, company actions, territory actions (+ messages):
    # the same whatever the number of commitments and actions.
    with django_assert_num_queries(len(before.captured_queries)):
        assert client.get(url("theme", territory_a, theme)).status_code == 200


@pytest.mark.django_db
def test_an_unknown_theme_or_a_theme_of_another_territory_is_404(client_for, alice, territory_a, territory_b):
    client = client_for(alice)
    assert client.get(url("theme", territory_a, first_theme(territory_b))).status_code == 404
    assert client.get(reverse("drafting_commitments:theme", args=[territory_a.slug, 999999])).status_code == 404


# --- commitments: create, edit, reorder, remove ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_commitment_is_added_at_the_end_of_its_theme_with_its_history(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    before = commitments_of(theme)
    client = client_for(alice)
    assert "Ajouter un engagement" in client.get(url("create", territory_a, theme)).content.decode()
    response = client.post(
        url("create", territory_a, theme),
        commitment_data(
            short_title="  Mobilité  ",
            title="Favoriser le covoiturage\r\ndes salariés",
            company_intro="Les entreprises s'engagent à :",
            territory_intro="",
        ),
        follow=True,
    )
    html = response.content.decode()
    assert "Engagement ajouté à la fin de la thématique" in html
    after = commitments_of(theme)
    assert len(after) == len(before) + 1
    new = after[-1]
    assert (new.short_title, new.title, new.from_template) == (
        "Mobilité",
        "Favoriser le covoiturage\ndes salariés",
        False,
    )
    assert escape("Les entreprises s'engagent à :") in html
    assert sorted(records("commitment", new.pk)) == [
        ("company_intro", "", "Les entreprises s'engagent à :"),
        ("short_title", "", "Mobilité"),
        ("title", "", "Favoriser le covoiturage\ndes salariés"),
    ]
    assert EditRecord.objects.get(item_type="commitment", item_id=new.pk, field="title").edited_by == alice


@pytest.mark.django_db
def test_a_commitment_is_edited_and_stops_being_template_wording(client_for, bob, territory_b):
    theme = first_theme(territory_b)
    commitment = Commitment.objects.filter(theme=theme, from_template=True).first()
    assert commitment is not None, "a territory created from the template starts with its wording"
    assert theme.pk in themes_to_adapt(territory=territory_b)
    client = client_for(bob)
    form = client.get(url("edit", territory_b, theme, commitment.pk)).content.decode()
    assert "texte du modèle, à adapter" in form and escape(commitment.title) in form
    old_title = commitment.title
    response = client.post(
        url("edit", territory_b, theme, commitment.pk),
        commitment_data(commitment, title="Un intitulé écrit à Dunkerque"),
        follow=True,
    )
    assert "Modifications enregistrées." in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.title == "Un intitulé écrit à Dunkerque"
    assert commitment.from_template is False
    assert records("commitment", commitment.pk) == [("title", old_title, "Un intitulé écrit à Dunkerque")]
    # the roadmap's rule follows: a theme counts as written once one of its commitments is adapted
    assert theme.pk not in themes_to_adapt(territory=territory_b)
    html = client.get(url("history", territory_b, theme, "engagement", commitment.pk)).content.decode()
    assert "Un intitulé écrit à Dunkerque" in html and escape(old_title) in html and "bob" in html


@pytest.mark.django_db
def test_a_note_alone_does_not_adapt_template_wording(client_for, bob, territory_b):
    theme = first_theme(territory_b)
    commitment = Commitment.objects.filter(theme=theme, from_template=True).first()
    client_for(bob).post(url("edit", territory_b, theme, commitment.pk), commitment_data(commitment, note="À revoir."))
    commitment.refresh_from_db()
    assert commitment.note == "À revoir." and commitment.from_template is True


@pytest.mark.django_db
def test_a_stale_commitment_save_is_refused_with_the_other_version_shown(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = commitments_of(theme)[0]
    client = client_for(alice)
    stale_form = commitment_data(commitment)
    # Someone else saves first (another tab, another member).
    client.post(url("edit", territory_a, theme, commitment.pk), stale_form | {"title": "Version de l'autre onglet"})
    count = EditRecord.objects.count()
    response = client.post(url("edit", territory_a, theme, commitment.pk), stale_form | {"title": "Ma version"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Quelqu'un a modifié ce texte pendant que vous écriviez" in html
    assert "Version de l&#x27;autre onglet" in html  # the other version, shown
    assert 'value="Ma version"' in html  # one's own draft, kept in the form
    commitment.refresh_from_db()
    assert commitment.title == "Version de l'autre onglet"
    assert EditRecord.objects.count() == count
    # Saving again from that page, knowingly, replaces it.
    loaded = re.search(r'name="loaded" value="([0-9a-f]+)"', html).group(1)
    client.post(url("edit", territory_a, theme, commitment.pk), stale_form | {"title": "Ma version", "loaded": loaded})
    commitment.refresh_from_db()
    assert commitment.title == "Ma version"


@pytest.mark.django_db
def test_commitments_are_moved_with_keyboard_usable_buttons(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    new = new_commitment(territory_a, theme)
    before = [c.pk for c in commitments_of(theme)]
    client = client_for(alice)
    html = client.get(url("theme", territory_a, theme)).content.decode()
    assert f'action="{url("move", territory_a, theme, new.pk)}"' in html
    assert (
        '<button class="fr-btn fr-btn--sm fr-btn--tertiary fr-icon-arrow-up-line" name="direction" value="monter">'
        in html
    )
    response = client.post(url("move", territory_a, theme, new.pk), {"direction": "monter"})
    assert response.status_code == 302 and response["Location"].endswith(f"#engagement-{new.pk}")
    after = [c.pk for c in commitments_of(theme)]
    assert after == before[:-2] + [new.pk, before[-2]]
    assert records("commitment", new.pk) == [("order", str(len(before)), str(len(before) - 1))]
    # already last: nothing moves, and it is said
    last = after[-1]
    response = client.post(url("move", territory_a, theme, last), {"direction": "descendre"}, follow=True)
    assert "Cet engagement est déjà le dernier de la thématique." in response.content.decode()
    assert [c.pk for c in commitments_of(theme)] == after
    assert client.post(url("move", territory_a, theme, new.pk), {"direction": "ailleurs"}).status_code == 404


@pytest.mark.django_db
def test_a_commitment_is_removed_after_confirmation_and_its_history_stays(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme, title="Engagement à retirer")
    actions = [a.pk for a in CompanyAction.objects.filter(commitment=commitment)]
    client = client_for(alice)
    html = client.get(url("delete", territory_a, theme, commitment.pk)).content.decode()
    assert "Retirer cet engagement du pacte ?" in html and "Engagement à retirer" in html
    response = client.post(url("delete", territory_a, theme, commitment.pk), follow=True)
    assert "Engagement retiré du pacte" in response.content.decode()
    assert not Commitment.objects.filter(pk=commitment.pk).exists()
    assert not CompanyAction.objects.filter(pk__in=actions).exists()
    assert ("title", "Engagement à retirer", "") in records("commitment", commitment.pk)
    assert ("text", "Action A1", "") in records("company_action", actions[0])
    history = client.get(url("history", territory_a, theme, "engagement", commitment.pk)).content.decode()
    assert "Cet élément a été retiré du pacte" in history and "Engagement à retirer" in history


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [ReactionKind.VETO, ReactionKind.ADJUST])
def test_removal_is_refused_while_a_reaction_waits_for_a_decision(client_for, alice, territory_a, kind):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    reaction = open_veto(territory_a, commitment, kind=kind)
    client = client_for(alice)
    html = client.get(url("delete", territory_a, theme, commitment.pk)).content.decode()
    assert "Cet engagement ne peut pas être retiré pour l'instant" in html
    assert "1 veto ou ajustement d&#x27;atelier attend encore une décision sur cet engagement" in html
    assert '<button class="fr-btn" type="submit">' not in html
    response = client.post(url("delete", territory_a, theme, commitment.pk))
    assert response.status_code == 409
    assert "attend encore une décision" in response.content.decode()
    assert Commitment.objects.filter(pk=commitment.pk).exists()
    assert not EditRecord.objects.filter(item_type="commitment", item_id=commitment.pk).exists()
    # Removing one of its actions is allowed (the reaction hangs on the commitment; see action_delete).
    action = TerritoryAction.objects.get(commitment=commitment)
    client.post(url("action_delete", territory_a, theme, commitment.pk, "territoire", action.pk))
    assert not TerritoryAction.objects.filter(pk=action.pk).exists()
    # Once decided, the commitment can go.
    resolution = Resolution.objects.create(
        territory=territory_a, commitment=commitment, outcome=Resolution.Outcome.KEPT, reason="Maintenu"
    )
    Reaction.objects.filter(pk=reaction.pk).update(resolution=resolution)
    client.post(url("delete", territory_a, theme, commitment.pk))
    assert not Commitment.objects.filter(pk=commitment.pk).exists()


@pytest.mark.django_db
def test_an_agreement_does_not_block_removal(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    open_veto(territory_a, commitment, kind=ReactionKind.AGREE)
    client_for(alice).post(url("delete", territory_a, theme, commitment.pk))
    assert not Commitment.objects.filter(pk=commitment.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [CallStatus.OPEN, CallStatus.CLOSED, CallStatus.DECIDED])
def test_removal_is_refused_for_the_criterion_of_a_frozen_land_grid(client_for, alice, territory_a, status):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    call = land_call(territory_a, commitment, status=status)
    assert call.grid_frozen
    client = client_for(alice)
    response = client.post(url("delete", territory_a, theme, commitment.pk))
    assert response.status_code == 409
    html = response.content.decode()
    assert "critère de sélection de l&#x27;appel à projets foncier « Appel foncier de l&#x27;aéroport »" in html
    assert "grille est figée" in html
    assert Commitment.objects.filter(pk=commitment.pk).exists()
    # its actions can still be removed
    action = CompanyAction.objects.filter(commitment=commitment).first()
    client.post(url("action_delete", territory_a, theme, commitment.pk, "entreprises", action.pk))
    assert not CompanyAction.objects.filter(pk=action.pk).exists()


@pytest.mark.django_db
def test_the_criterion_of_a_draft_land_call_is_said_and_does_not_block(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    call = land_call(territory_a, commitment, status=CallStatus.DRAFT)
    client = client_for(alice)
    html = client.get(url("delete", territory_a, theme, commitment.pk)).content.decode()
    assert "encore en préparation : le critère restera, sans engagement lié." in html
    client.post(url("delete", territory_a, theme, commitment.pk))
    assert not Commitment.objects.filter(pk=commitment.pk).exists()
    assert Criterion.objects.get(call=call).commitment is None


# --- actions -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("side", "model", "item_type"),
    [
        ("entreprises", CompanyAction, "company_action"),
        ("territoire", TerritoryAction, "territory_action"),
    ],
)
def test_actions_are_added_edited_moved_and_removed_on_each_side(client_for, bob, territory_b, side, model, item_type):
    theme = first_theme(territory_b)
    commitment = Commitment.objects.filter(theme=theme, from_template=True).first()
    client = client_for(bob)
    count = model.objects.filter(commitment=commitment).count()
    # add
    page = client.get(url("action_create", territory_b, theme, commitment.pk, side)).content.decode()
    assert "Texte de l&#x27;action" in page
    response = client.post(
        url("action_create", territory_b, theme, commitment.pk, side),
        {"text": "Ouvrir les ateliers aux collégiens", "details": "une visite par an\r\nun stage"},
        follow=True,
    )
    assert "Ouvrir les ateliers aux collégiens" in response.content.decode()
    actions = list(model.objects.filter(commitment=commitment).order_by("order", "pk"))
    assert len(actions) == count + 1
    new = actions[-1]
    assert new.details == "une visite par an\nun stage" and new.detail_list == ["une visite par an", "un stage"]
    assert sorted(records(item_type, new.pk)) == [
        ("details", "", "une visite par an\nun stage"),
        ("text", "", "Ouvrir les ateliers aux collégiens"),
    ]
    commitment.refresh_from_db()
    assert commitment.from_template is False
    # edit (full page, no JavaScript)
    response = client.post(
        url("action_edit", territory_b, theme, commitment.pk, side, new.pk),
        action_data(new, text="Ouvrir les ateliers aux lycéens"),
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.text == "Ouvrir les ateliers aux lycéens"
    # move up
    if count:
        client.post(url("action_move", territory_b, theme, commitment.pk, side, new.pk), {"direction": "monter"})
        order = list(model.objects.filter(commitment=commitment).order_by("order", "pk").values_list("pk", flat=True))
        assert order.index(new.pk) == count - 1
        assert ("order", str(count + 1), str(count)) in records(item_type, new.pk)
    # history
    kind = f"action-{side}"
    history = client.get(url("history", territory_b, theme, kind, new.pk)).content.decode()
    assert "Ouvrir les ateliers aux lycéens" in history and "Ouvrir les ateliers aux collégiens" in history
    # remove, after a confirmation page
    page = client.get(url("action_delete", territory_b, theme, commitment.pk, side, new.pk)).content.decode()
    assert "Retirer cette action ?" in page and "Ouvrir les ateliers aux lycéens" in page
    client.post(url("action_delete", territory_b, theme, commitment.pk, side, new.pk))
    assert not model.objects.filter(pk=new.pk).exists()
    assert ("text", "Ouvrir les ateliers aux lycéens", "") in records(item_type, new.pk)
    assert (
        "Cet élément a été retiré du pacte"
        in client.get(url("history", territory_b, theme, kind, new.pk)).content.decode()
    )


@pytest.mark.django_db
def test_removing_an_action_adapts_a_template_commitment(client_for, bob, territory_b):
    theme = first_theme(territory_b)
    commitment = new_commitment(territory_b, theme, from_template=True)
    action = CompanyAction.objects.filter(commitment=commitment).first()
    client_for(bob).post(url("action_delete", territory_b, theme, commitment.pk, "entreprises", action.pk))
    commitment.refresh_from_db()
    assert commitment.from_template is False


@pytest.mark.django_db
def test_a_stale_action_save_is_refused(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    action = CompanyAction.objects.filter(commitment=commitment).first()
    edit = url("action_edit", territory_a, theme, commitment.pk, "entreprises", action.pk)
    client = client_for(alice)
    form = action_data(action)
    client.post(edit, form | {"text": "Texte de l'autre onglet"})
    response = client.post(edit, form | {"text": "Mon texte"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Texte de l&#x27;autre onglet" in html and "Mon texte" in html
    action.refresh_from_db()
    assert action.text == "Texte de l'autre onglet"
    assert not EditRecord.objects.filter(item_type="company_action", new_text="Mon texte").exists()
    # without the version it was loaded from, a save is refused too
    assert client.post(edit, {"text": "Sans version"}).status_code == 409


# --- HTMX inline editing -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_action_is_edited_inline_with_htmx(client_for, bob, territory_b):
    theme = first_theme(territory_b)
    commitment = new_commitment(territory_b, theme, from_template=True)
    action = CompanyAction.objects.filter(commitment=commitment).first()
    client = client_for(bob)
    edit = url("action_edit", territory_b, theme, commitment.pk, "entreprises", action.pk)
    # the theme page: "Modifier" is a link that works without JavaScript, and swaps the form in with HTMX
    page = client.get(url("theme", territory_b, theme)).content.decode()
    assert f'href="{edit}" hx-get="{edit}" hx-target="#action-entreprises-{action.pk}" hx-swap="outerHTML"' in page
    assert "drafting/commitments" in page and ".js" in page  # the static script (no inline script)
    assert "<script>" not in page
    # GET with HTMX: the form only, in place of the action
    response = client.get(edit, **HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert fragment.startswith(f'<li id="action-entreprises-{action.pk}"')
    assert f'hx-post="{edit}"' in fragment and "autofocus" in fragment
    assert 'name="csrfmiddlewaretoken"' in fragment
    # without HTMX: the full page
    assert "<html" in client.get(edit).content.decode()
    # POST with HTMX: the text back, the template badge cleared and a message for screen readers, out of band
    response = client.post(edit, action_data(action, text="Action réécrite en ligne"), **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "Action réécrite en ligne" in fragment and 'hx-swap-oob="true"' in fragment
    assert f'<span id="modele-{commitment.pk}" hx-swap-oob="true"></span>' in fragment
    assert "Action enregistrée." in fragment
    action.refresh_from_db()
    commitment.refresh_from_db()
    assert action.text == "Action réécrite en ligne" and commitment.from_template is False
    # "Annuler": the text back
    show = url("action_show", territory_b, theme, commitment.pk, "entreprises", action.pk)
    fragment = client.get(show, **HTMX).content.decode()
    assert fragment.startswith(f'<li id="action-entreprises-{action.pk}"') and "Action réécrite en ligne" in fragment
    assert client.get(show).status_code == 302  # without HTMX: back to the theme page


@pytest.mark.django_db
def test_htmx_bad_input_and_stale_saves_answer_with_the_form(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    action = CompanyAction.objects.filter(commitment=commitment).first()
    edit = url("action_edit", territory_a, theme, commitment.pk, "entreprises", action.pk)
    client = client_for(alice)
    form = action_data(action)
    response = client.post(edit, form | {"text": "   "}, **HTMX)
    assert response.status_code == 200
    assert "Une action ne peut pas être sans texte." in response.content.decode()
    assert "<html" not in response.content.decode()
    client.post(edit, form | {"text": "Premier"}, **HTMX)
    response = client.post(edit, form | {"text": "Second"}, **HTMX)
    assert response.status_code == 409
    fragment = response.content.decode()
    assert "<html" not in fragment and "Quelqu'un a modifié ce texte" in fragment and "Premier" in fragment
    action.refresh_from_db()
    assert action.text == "Premier"


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Donnez un intitulé à l&#x27;engagement."),
        ({"short_title": "\r\n "}, "Donnez un intitulé court à l&#x27;engagement."),
        ({"title": "T" * 301}, "L&#x27;intitulé ne peut dépasser 300 caractères (il en compte 301)."),
        ({"short_title": "é" * 400}, "L&#x27;intitulé court ne peut dépasser 300 caractères"),
    ],
)
def test_bad_commitment_texts_are_refused_on_the_field(client_for, alice, territory_a, changes, message):
    theme = first_theme(territory_a)
    commitment = commitments_of(theme)[0]
    before = Commitment.objects.filter(pk=commitment.pk).values().get()
    count = Commitment.objects.count()
    client = client_for(alice)
    for target, data in (
        (url("edit", territory_a, theme, commitment.pk), commitment_data(commitment) | changes),
        (url("create", territory_a, theme), commitment_data(None, short_title="Court", title="Intitulé") | changes),
    ):
        response = client.post(target, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert "fr-input-group--error" in html or "fr-error-text" in html
    assert Commitment.objects.filter(pk=commitment.pk).values().get() == before
    assert Commitment.objects.count() == count
    assert not EditRecord.objects.filter(territory=territory_a).exists()


@pytest.mark.django_db
def test_an_action_without_text_is_refused(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    count = TerritoryAction.objects.count()
    client = client_for(alice)
    response = client.post(
        url("action_create", territory_a, theme, commitment.pk, "territoire"), {"text": " \r\n ", "details": "x"}
    )
    assert response.status_code == 200
    assert "Une action ne peut pas être sans texte." in response.content.decode()
    assert TerritoryAction.objects.count() == count
    action = TerritoryAction.objects.get(commitment=commitment)
    response = client.post(
        url("action_edit", territory_a, theme, commitment.pk, "territoire", action.pk), action_data(action, text="")
    )
    assert "Une action ne peut pas être sans texte." in response.content.decode()
    action.refresh_from_db()
    assert action.text == "Action T1"
    assert not EditRecord.objects.filter(territory=territory_a).exists()


@pytest.mark.django_db
def test_an_unknown_side_is_404(client_for, alice, territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    response = client_for(alice).post(
        url("action_create", territory_a, theme, commitment.pk, "ailleurs"), {"text": "x"}
    )
    assert response.status_code == 404


# --- tenant isolation and read-only members ----------------------------------------------------------------------


def every_url(territory, theme, commitment, company_action):
    """(url, POST data) of every page of the editor for one commitment."""
    c, a = commitment.pk, company_action.pk
    return {
        "theme": (url("theme", territory, theme), None),
        "create": (url("create", territory, theme), {"short_title": "x", "title": "x"}),
        "edit": (url("edit", territory, theme, c), commitment_data(commitment, title="Piraté")),
        "delete": (url("delete", territory, theme, c), {}),
        "move": (url("move", territory, theme, c), {"direction": "monter"}),
        "history": (url("history", territory, theme, "engagement", c), None),
        "action_create": (url("action_create", territory, theme, c, "entreprises"), {"text": "Piraté"}),
        "action_edit": (
            url("action_edit", territory, theme, c, "entreprises", a),
            action_data(company_action, text="Piraté"),
        ),
        "action_show": (url("action_show", territory, theme, c, "entreprises", a), None),
        "action_delete": (url("action_delete", territory, theme, c, "entreprises", a), {}),
        "action_move": (url("action_move", territory, theme, c, "entreprises", a), {"direction": "monter"}),
        "action_history": (url("history", territory, theme, "action-entreprises", a), None),
    }


POST_ONLY = ("move", "action_move")


def snapshot(territory):
    return (
        list(Commitment.objects.for_territory(territory).order_by("pk").values_list("pk", "title", "order")),
        list(CompanyAction.objects.for_territory(territory).order_by("pk").values_list("pk", "text", "order")),
        EditRecord.objects.count(),
    )


@pytest.fixture
def a_commitment(territory_a):
    theme = first_theme(territory_a)
    commitment = new_commitment(territory_a, theme)
    return theme, commitment, CompanyAction.objects.filter(commitment=commitment).order_by("order").last()


@pytest.mark.django_db
def test_another_team_can_neither_read_nor_change(client_for, bob, territory_a, territory_b, a_commitment):
    theme, commitment, action = a_commitment
    client = client_for(bob)
    before = snapshot(territory_a)
    # through territory A's own address: refused by the access helper (403, as every workspace page)
    for name, (target, data) in every_url(territory_a, theme, commitment, action).items():
        if name not in POST_ONLY:
            assert client.get(target).status_code == 403, name
        if data is not None:
            assert client.post(target, data).status_code == 403, name
    # through bob's own territory with A's primary keys: not found
    for name, (target, data) in every_url(territory_b, theme, commitment, action).items():
        if name not in POST_ONLY:
            assert client.get(target).status_code == 404, name
        if data is not None:
            assert client.post(target, data).status_code == 404, name
    assert snapshot(territory_a) == before


@pytest.mark.django_db
def test_a_commitment_of_another_theme_is_404(client_for, alice, territory_a, a_commitment):
    theme, commitment, action = a_commitment
    other = Theme.objects.for_territory(territory_a).exclude(pk=theme.pk).first()
    for name, (target, data) in every_url(territory_a, other, commitment, action).items():
        if name in ("theme", "create"):
            continue
        if name in POST_ONLY:
            assert client_for(alice).post(target, data).status_code == 404, name
        else:
            assert client_for(alice).get(target).status_code == 404, name


@pytest.mark.django_db
def test_a_read_only_member_reads_everything_without_buttons(client_for, victor, territory_a, a_commitment):
    theme, commitment, action = a_commitment
    client = client_for(victor)
    html = client.get(url("theme", territory_a, theme)).content.decode()
    assert escape(commitment.title) in html and "Action A1" in html
    assert "lecture seule" in html
    for word in (
        "Modifier",
        "Monter",
        "Descendre",
        "Retirer",
        "Ajouter",
        "hx-get",
        '<form method="post" action="/espace',
    ):
        assert word not in html, word
    assert "Historique" in html
    assert client.get(url("history", territory_a, theme, "engagement", commitment.pk)).status_code == 200
    before = snapshot(territory_a)
    for name, (target, data) in every_url(territory_a, theme, commitment, action).items():
        if data is not None:
            assert client.post(target, data).status_code == 403, name
            assert client.post(target, data, **HTMX).status_code == 403, name
            if name not in POST_ONLY:
                assert client.get(target).status_code == 403, name  # the forms are the team's
    assert snapshot(territory_a) == before


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in(client, territory_a, a_commitment):
    theme, commitment, action = a_commitment
    before = snapshot(territory_a)
    for name, (target, data) in every_url(territory_a, theme, commitment, action).items():
        response = client.post(target, data) if name in POST_ONLY else client.get(target)
        assert response.status_code == 302 and "/espace/gestion/" not in response["Location"], name
        if data is not None:
            assert client.post(target, data).status_code == 302, name
    assert snapshot(territory_a) == before


@pytest.mark.django_db
def test_the_history_of_an_item_of_another_territory_is_not_shown(client_for, alice, bob, territory_a, territory_b):
    theme_b = first_theme(territory_b)
    commitment = Commitment.objects.filter(theme=theme_b).first()
    client_for(bob).post(
        url("edit", territory_b, theme_b, commitment.pk), commitment_data(commitment, title="Secret B")
    )
    theme_a = first_theme(territory_a)
    response = client_for(alice).get(url("history", territory_a, theme_a, "engagement", commitment.pk))
    assert response.status_code == 404
    assert client_for(alice).get(url("history", territory_a, theme_a, "inconnu", commitment.pk)).status_code == 404

"""Versions of the reciprocal commitments (/espace/<slug>/engagements/versions/): the list with changelogs, freezing
the next version, one version's text, and a word-level diff between two versions (0 = the live text)."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pacte.commitments.models import Commitment, CommitmentsVersion, CompanyAction
from pacte.commitments.services import commitments_version_freeze
from pacte.core.models import JournalEntry, JournalVerb
from pacte.workshops.models import ReactionKind

from .test_workshop_resolution import commitments_of, open_workshop, react


def read(response) -> str:
    return html.unescape(response.content.decode())


def squash(text):
    return " ".join(text.split())


def versions_url(territory):
    return reverse("commitments:versions", args=[territory.slug])


def freeze_url(territory):
    return reverse("commitments:version_freeze", args=[territory.slug])


def detail_url(territory, number):
    return reverse("commitments:version_detail", args=[territory.slug, number])


def diff_url(territory, old, new):
    return reverse("commitments:version_diff", args=[territory.slug, old, new])


def last_number(territory):
    return CommitmentsVersion.objects.for_territory(territory).order_by("-number").first().number


def state(territory):
    return (
        list(CommitmentsVersion.objects.for_territory(territory).order_by("number").values_list("number", "label")),
        list(Commitment.objects.for_territory(territory).order_by("pk").values_list("pk", "title")),
    )


@pytest.fixture
def accepted_change(client_for, alice, territory_a):
    """Workshop #1 vetoes the first commitment; the team accepts a new wording (title and one company action)."""
    commitment = commitments_of(territory_a)[0]
    workshop = open_workshop(territory_a)
    veto = react(workshop, commitment, ReactionKind.VETO, "Le grand public ne suffit pas", name="Paul Veto")
    company = list(CompanyAction.objects.filter(commitment=commitment).order_by("order", "pk"))
    response = client_for(
        alice
    ).post(
        reverse("workshops:resolve", args=[territory_a.slug, commitment.pk]),
        follow=True,  # the success message is read here, not on the next page
        data={
            "reactions": [veto.pk],
            "outcome": "accepted",
            "title": "Améliorer l'image de l'industrie auprès des jeunes",
            "company_intro": commitment.company_intro,
            "company_actions": "\n".join(
                ["ouvrir les portes des usines aux collégiens et aux familles", *[a.text for a in company[1:]]]
            ),
            "territory_intro": commitment.territory_intro,
            "territory_actions": "\n".join(
                commitment.territory_actions.order_by("order", "pk").values_list("text", flat=True)
            ),
        },
    )
    assert response.redirect_chain == [(reverse("workshops:resolutions", args=[territory_a.slug]), 302)]
    return commitment, company[0].text


# --- the list and freezing -------------------------------------------------------------------------------------


def test_it_lists_the_versions_with_their_changelog(client_for, alice, territory_a):
    response = client_for(alice).get(versions_url(territory_a))
    assert response.status_code == 200
    page = squash(read(response))
    for version in CommitmentsVersion.objects.for_territory(territory_a):
        assert f"v{version.number} — {version.label}" in page
    assert "Aucun changement depuis la version 1." in page  # the demo's v2 changelog, line by line
    assert "Le texte actuel est celui de la version" in page
    assert 'action="' + freeze_url(territory_a) + '"' not in page  # nothing to freeze


def test_it_says_that_changes_are_not_frozen_yet_and_offers_to_freeze_them(
    client_for, alice, territory_a, accepted_change
):
    commitment, _old = accepted_change
    page = squash(read(client_for(alice).get(versions_url(territory_a))))
    assert "Des modifications ne sont pas encore figées" in page
    assert f"« {commitment.title} » s'intitule désormais « Améliorer l'image de l'industrie auprès des jeunes »" in page
    assert 'value="Version après les ateliers"' in page
    assert f"Figer la version {last_number(territory_a) + 1}" in page


def test_it_freezes_the_next_version_with_a_changelog_that_mentions_the_change(
    client_for, alice, territory_a, accepted_change
):
    commitment, old_action = accepted_change
    number = last_number(territory_a) + 1
    response = client_for(alice).post(freeze_url(territory_a), {"label": "Version après les ateliers"}, follow=True)
    page = squash(read(response))
    assert f"Version {number} figée : Version après les ateliers." in page
    version = CommitmentsVersion.objects.get(territory=territory_a, number=number)
    assert version.created_by == alice
    assert "s'intitule désormais « Améliorer l'image de l'industrie auprès des jeunes »" in version.changelog
    assert "+ « ouvrir les portes des usines aux collégiens et aux familles »" in version.changelog
    assert f"− « {old_action} »" in version.changelog
    assert f"v{number} — Version après les ateliers" in page
    for line in version.changelog.splitlines():
        assert f"<li>{line}</li>" in read(response)  # the changelog, line by line
    assert JournalEntry.objects.filter(
        territory=territory_a, verb=JournalVerb.COMMITMENTS_VERSION_FROZEN, message__contains=f"Version {number}"
    ).exists()
    assert "Le texte actuel est celui de la version" in page


def test_it_says_there_is_no_change_when_freezing_twice(client_for, alice, territory_a, accepted_change):
    client = client_for(alice)
    client.post(freeze_url(territory_a), {"label": "Version après les ateliers"})
    before = state(territory_a)
    response = client.post(freeze_url(territory_a), {"label": "Encore"}, follow=True)
    assert (
        f"Aucun changement depuis la version {last_number(territory_a)} : aucune nouvelle version n'a été figée."
        in read(response)
    )
    assert state(territory_a) == before


def test_it_writes_no_change_in_the_changelog_of_a_version_frozen_without_change(territory_a):
    number = last_number(territory_a)
    version = commitments_version_freeze(territory=territory_a, label="Sans changement")
    assert version.changelog == f"Aucun changement depuis la version {number}."


def test_it_requires_a_label_to_freeze(client_for, alice, territory_a, accepted_change):
    before = state(territory_a)
    response = client_for(alice).post(freeze_url(territory_a), {"label": "   "})
    assert response.status_code == 200
    assert "Donnez un intitulé à la version." in read(response)
    assert state(territory_a) == before


def test_it_freezes_the_first_version_of_a_new_territory(client_for, bob, territory_b):
    client = client_for(bob)
    page = read(client.get(versions_url(territory_b)))
    assert "Aucune version n'a encore été figée" in page
    assert 'value="Première version, issue des entretiens"' in page
    client.post(freeze_url(territory_b), {"label": "Première version, issue des entretiens"})
    version = CommitmentsVersion.objects.get(territory=territory_b)
    assert (version.number, version.changelog) == (1, "")
    assert sum(len(t["commitments"]) for t in version.content) == len(commitments_of(territory_b))


# --- one version ---------------------------------------------------------------------------------------------


def test_it_shows_a_version_as_it_was_frozen(client_for, alice, territory_a, accepted_change):
    commitment, old_action = accepted_change
    response = client_for(alice).get(detail_url(territory_a, 1))
    assert response.status_code == 200
    page = read(response)
    version = CommitmentsVersion.objects.get(territory=territory_a, number=1)
    assert f"v1 — {version.label}" in page
    for theme in version.content:
        assert theme["name"] in page
    assert old_action in page  # v1 still reads the old wording
    assert "Améliorer l'image de l'industrie auprès des jeunes" not in page
    assert "Les entreprises s'engagent à…" in page and "Le territoire s'engage à…" in page


def test_it_shows_the_live_text_as_version_zero(client_for, alice, territory_a, accepted_change):
    page = read(client_for(alice).get(detail_url(territory_a, 0)))
    assert "Texte actuel (non figé)" in page
    assert "Améliorer l'image de l'industrie auprès des jeunes" in page


def test_it_answers_404_for_an_unknown_version(client_for, alice, territory_a):
    assert client_for(alice).get(detail_url(territory_a, 99)).status_code == 404
    assert client_for(alice).get(diff_url(territory_a, 1, 99)).status_code == 404


# --- the diff ----------------------------------------------------------------------------------------------------


def test_it_shows_removed_words_struck_through_and_added_words_underlined(
    client_for, alice, territory_a, accepted_change
):
    client = client_for(alice)
    client.post(freeze_url(territory_a), {"label": "Version après les ateliers"})
    number = last_number(territory_a)
    response = client.get(diff_url(territory_a, number - 1, number))
    assert response.status_code == 200
    page = response.content.decode()
    # The title: "Améliorer l'image de l'industrie" + "auprès des jeunes"
    assert re.search(r'<ins class="[^"]*">auprès des jeunes</ins>', page)
    # The action: "ouvrir les portes des usines -[dans le cadre de grandes manifestations locales] +[aux collégiens]
    # et … familles -[des collaborateurs]"
    assert re.search(r"<del[^>]*>dans le cadre de grandes manifestations locales</del>", page)
    assert re.search(r"<ins[^>]*>aux collégiens</ins>", page)
    assert re.search(r"<del[^>]*>des collaborateurs</del>", page)
    text = squash(read(response))
    total = sum(
        len(t["commitments"]) for t in CommitmentsVersion.objects.get(territory=territory_a, number=number).content
    )
    assert f"{total - 1} engagements inchangés" in text
    assert text.count("Engagement modifié") == 1


def test_it_compares_a_version_with_the_live_text(client_for, alice, territory_a, accepted_change):
    response = client_for(alice).get(diff_url(territory_a, last_number(territory_a), 0))
    page = response.content.decode()
    assert re.search(r"<ins[^>]*>auprès des jeunes</ins>", page)
    assert "Texte actuel (non figé)" in read(response)


def test_it_marks_added_and_removed_commitments(client_for, alice, territory_a):
    first, second = commitments_of(territory_a)[:2]
    Commitment.objects.create(
        territory=territory_a, theme=first.theme, short_title="Nouveau", title="Un engagement tout neuf"
    )
    second.delete()
    page = squash(read(client_for(alice).get(diff_url(territory_a, last_number(territory_a), 0))))
    articles = [
        squash(re.sub(r"<[^>]+>", " ", re.sub(r"\[(ajouté|supprimé) :\]", "", a))) for a in page.split("<article")[1:]
    ]
    assert any("Un engagement tout neuf Engagement ajouté" in a for a in articles)
    assert any(f"{second.title} Engagement retiré" in a for a in articles)


def test_it_says_when_two_versions_are_the_same(client_for, alice, territory_a):
    page = read(client_for(alice).get(diff_url(territory_a, 1, 2)))  # the demo's v2 changed nothing
    assert "Aucun changement entre ces deux versions." in page
    assert "12 engagements inchangés" in page


def test_it_sends_the_compare_form_to_the_diff_page(client_for, alice, territory_a):
    client = client_for(alice)
    page = read(client.get(versions_url(territory_a)))
    assert 'name="old"' in page and 'name="new"' in page and "Texte actuel (non figé)" in page
    response = client.get(versions_url(territory_a), {"old": 1, "new": 0})
    assert response.status_code == 302
    assert response["Location"] == diff_url(territory_a, 1, 0)
    assert "Choisissez deux versions différentes" in read(client.get(versions_url(territory_a), {"old": 1, "new": 1}))
    assert "Choisissez deux versions à comparer." in read(client.get(versions_url(territory_a), {"old": 1, "new": 99}))


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_it_renders_the_versions_in_as_many_queries_with_ten_times_the_versions(client_for, alice, territory_a):
    client = client_for(alice)
    once = _queries(client, versions_url(territory_a))
    for i in range(18):
        commitments_version_freeze(territory=territory_a, label=f"Version {i}", actor=alice)
    assert _queries(client, versions_url(territory_a)) == once
    assert _queries(client, diff_url(territory_a, 1, 20)) == _queries(client, diff_url(territory_a, 1, 2))


# --- isolation: every URL -------------------------------------------------------------------------------------


def all_urls(territory):
    return [versions_url(territory), detail_url(territory, 1), detail_url(territory, 0), diff_url(territory, 1, 2)]


def test_it_refuses_territory_a_versions_to_bobs_team(client_for, bob, territory_a):
    client = client_for(bob)
    before = state(territory_a)
    for url in all_urls(territory_a):
        assert client.get(url).status_code == 403, url
    assert client.post(freeze_url(territory_a), {"label": "Bob"}).status_code == 403
    assert state(territory_a) == before


def test_it_finds_no_version_of_a_through_bobs_slug(client_for, bob, territory_a, territory_b):
    client = client_for(bob)
    assert client.get(detail_url(territory_b, 2)).status_code == 404  # A has a v2, B has none
    assert client.get(diff_url(territory_b, 1, 2)).status_code == 404
    open_workshop(territory_b, "Atelier de Dunkerque")  # B's own v1
    page = read(client.get(detail_url(territory_b, 1)))
    assert "Dunkerque" in page or "v1" in page
    a_titles = set(Commitment.objects.for_territory(territory_a).values_list("title", flat=True))
    b_titles = set(Commitment.objects.for_territory(territory_b).values_list("title", flat=True))
    for title in a_titles - b_titles:
        assert title not in page


def test_it_lets_a_read_only_member_read_but_not_freeze(client_for, victor, territory_a, accepted_change):
    client = client_for(victor)
    for url in all_urls(territory_a):
        assert client.get(url).status_code == 200, url
    page = read(client.get(versions_url(territory_a)))
    assert "Des modifications ne sont pas encore figées" in page
    assert freeze_url(territory_a) not in page
    before = state(territory_a)
    assert client.post(freeze_url(territory_a), {"label": "Victor"}).status_code == 403
    assert state(territory_a) == before


def test_it_sends_anonymous_visitors_to_the_login_page(client, territory_a):
    before = state(territory_a)
    for url in all_urls(territory_a):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    assert client.post(freeze_url(territory_a), {"label": "Anonyme"}).status_code == 302
    assert state(territory_a) == before


def test_it_refuses_to_freeze_with_a_get(client_for, alice, territory_a):
    assert client_for(alice).get(freeze_url(territory_a)).status_code == 405

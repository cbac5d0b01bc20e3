"""Bounded queries: every page renders in the same number of SQL queries with 1× and 10× the data.

Each test measures a page for the reference case, multiplies the data of territory A in the test
transaction (bulk_create, territory=territory_a), measures again and compares; an absolute budget per
page makes a regression visible even when it does not depend on the data size.
"""

import datetime
from collections import Counter

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pacte.accounts.models import TerritoryMembership
from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.core.admin import TerritoryScopedAdmin
from pacte.core.models import JournalEntry
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Finding, FindingKind, Interview, InterviewStatus, Pride, PrideKind
from pacte.publications.models import Pact, PactStatus
from pacte.publications.services import pact_publish
from pacte.stakeholders.models import Category, Contact, Stakeholder
from pacte.territories.models import Intercommunality, KeyFigure, Territory

FACTOR = 10
EXTRA = FACTOR - 1
LA_ROCHELLE_SIREN = "241700434"  # loaded with its outlines by the session set-up of conftest.py

PUBLISHED_PACT_PAGE_BUDGET = 2  # from the cache: the versions' key (1) + the territory (1); see publications.page_cache
PUBLISHED_PACT_PAGE_UNCACHED_BUDGET = 4  # the first visitor after a publication renders it
PREVIEW_BUDGET = 25  # 3 for the session, the user and their territories + the live document (about 20)
ROADMAP_BUDGET = 11
HOME_BUDGET = 3
CHANGELIST_BUDGET = 15


def queries_for(client, url, *, cold=False):
    """Number of queries of a GET (after one warm-up request, so that per-process caches are filled); `cold`
    empties the shared cache (rendered pages) after the warm-up."""
    assert client.get(url).status_code == 200
    if cold:
        from django.core.cache import cache

        cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _actions(model, territory, commitments, count, start=100):
    model.objects.bulk_create(
        model(
            territory=territory,
            commitment=commitment,
            order=start + i,
            text=f"action ajoutée n° {i} de l'engagement {commitment.pk}",
            details="première précision\nseconde précision",
        )
        for commitment in commitments
        for i in range(count)
    )


def _commitments(territory, themes, count):
    commitments = Commitment.objects.bulk_create(
        Commitment(
            territory=territory,
            theme=theme,
            order=100 + i,
            short_title=f"Engagement ajouté n° {i}",
            title=f"Engagement ajouté n° {i} de la thématique {theme.code}",
            company_intro="Les entreprises s'engagent à :",
            territory_intro="Le territoire s'engage à :",
        )
        for theme in themes
        for i in range(count)
    )
    _actions(CompanyAction, territory, commitments, 2)
    _actions(TerritoryAction, territory, commitments, 2)
    return commitments


def multiply(territory):
    """Ten times the content of a territory: every list of its pact page, roadmap and back-office."""
    themes = list(Theme.objects.filter(territory=territory))
    commitments = list(Commitment.objects.filter(territory=territory))
    axes = list(DiagnosticAxis.objects.filter(territory=territory))
    stakeholders = list(Stakeholder.objects.filter(territory=territory))

    # More actions on each commitment, more commitments on each theme, more themes.
    _actions(CompanyAction, territory, commitments, EXTRA)
    _actions(TerritoryAction, territory, commitments, EXTRA)
    _commitments(territory, themes, EXTRA)
    new_themes = Theme.objects.bulk_create(
        Theme(territory=territory, code=f"ajout-{i}", name=f"Thématique ajoutée n° {i}", order=100 + i)
        for i in range(EXTRA * len(themes))
    )
    _commitments(territory, new_themes, 2)
    Indicator.objects.bulk_create(
        Indicator(territory=territory, theme=theme, order=100 + i, name=f"Indicateur ajouté n° {i} ({theme.code})")
        for theme in themes + new_themes
        for i in range(EXTRA)
    )
    ThematicGroup.objects.bulk_create(
        ThematicGroup(
            territory=territory,
            theme=theme,
            order=100 + i,
            name=f"Groupe ajouté n° {i} ({theme.code})",
            objectives="objectif 1\nobjectif 2",
            participants="Direction de l'économie",
            animation="Comité semestriel",
            example_indicators="indicateur 1\nindicateur 2",
            partners="partenaire 1\npartenaire 2",
        )
        for theme in themes + new_themes
        for i in range(2)
    )

    # Diagnostic: more findings on each axis, more axes.
    new_axes = DiagnosticAxis.objects.bulk_create(
        DiagnosticAxis(territory=territory, name=f"Axe ajouté n° {i}", order=100 + i) for i in range(EXTRA * len(axes))
    )
    Finding.objects.bulk_create(
        Finding(
            territory=territory,
            axis=axis,
            order=100 + i,
            kind=FindingKind.STRENGTH if i % 2 else FindingKind.WEAKNESS,
            text=f"Constat ajouté n° {i}",
        )
        for axis in axes + new_axes
        for i in range(EXTRA)
    )

    # Flat lists.
    Pride.objects.bulk_create(
        Pride(
            territory=territory,
            order=100 + i,
            kind=PrideKind.INNOVATIVE if i % 2 else PrideKind.EMBLEMATIC,
            product=f"Produit ajouté n° {i}",
            company=f"Entreprise n° {i}",
            place="Rochefort Océan",
        )
        for i in range(EXTRA * 8)
    )
    EconomicEvent.objects.bulk_create(
        EconomicEvent(
            territory=territory,
            order=100 + i,
            name=f"Rencontre ajoutée n° {i}",
            date=datetime.date(2025, 1, 1) + datetime.timedelta(days=7 * i),
            organiser="Communauté d'agglomération Rochefort Océan",
            description="Rencontre économique.",
        )
        for i in range(EXTRA * 3)
    )
    new_stakeholders = Stakeholder.objects.bulk_create(
        Stakeholder(
            territory=territory,
            order=100 + i,
            name=f"Partie prenante ajoutée n° {i}",
            category=list(Category)[i % len(Category)],
            group=["Entreprises", "Tissu économique", "Société civile", ""][i % 4],
            acknowledged=True,
        )
        for i in range(EXTRA * len(stakeholders))
    )
    KeyFigure.objects.bulk_create(
        KeyFigure(territory=territory, order=100 + i, value=f"{i} %", label=f"chiffre ajouté n° {i}", source="Insee")
        for i in range(EXTRA * 4)
    )
    GovernancePrinciple.objects.bulk_create(
        GovernancePrinciple(territory=territory, order=100 + i, title=f"Principe n° {i}", text="Un texte.\n\nDeux.")
        for i in range(EXTRA * 5)
    )

    # Step 1 campaign and tracking file: interviews of stakeholders, contacts.
    Interview.objects.bulk_create(
        Interview(
            territory=territory,
            stakeholder=stakeholder,
            order=100 + i,
            status=InterviewStatus.DONE,
            held_on=datetime.date(2024, 6, 1),
            summary="Entretien ajouté.",
        )
        for i, stakeholder in enumerate(new_stakeholders[: EXTRA * 25])
    )
    Contact.objects.bulk_create(
        Contact(territory=territory, stakeholder=stakeholder, order=i, last_name=f"Nom {i}", first_name="Prénom")
        for i, stakeholder in enumerate(stakeholders + new_stakeholders)
    )

    # A wider perimeter: one more intercommunality (with its communes and outlines).
    territory.intercommunalities.add(Intercommunality.objects.get(siren=LA_ROCHELLE_SIREN))

    # Sanity: the data really is ten times bigger.
    assert Commitment.objects.filter(territory=territory).count() >= FACTOR * len(commitments)
    assert CompanyAction.objects.filter(commitment__in=commitments).count() >= FACTOR * len(commitments)
    assert Stakeholder.objects.filter(territory=territory).count() == FACTOR * len(stakeholders)


def multiply_journal(territory, actor):
    JournalEntry.objects.bulk_create(
        JournalEntry(territory=territory, actor=actor, verb="edited", message=f"Modification n° {i}") for i in range(30)
    )


# --- public pact page ----------------------------------------------------------------------------------
#
# A published pact is read from its frozen version (PactVersion.content), never from the live models:
#   1. the territory with its pact (get_public_territory);
#   2. the version shown, with its content (document_for_request);
#   3. the list of versions, without their content (number, date, changes).
# The team's preview (?apercu=1) reads the live text: pacte.publications.document.pact_document (about 20 queries).


def _pact_url(territory, **query):
    url = reverse("public:pact", args=[territory.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_it_renders_a_published_pact_in_three_queries(client, territory_a):
    assert queries_for(client, _pact_url(territory_a)) == PUBLISHED_PACT_PAGE_BUDGET


def test_it_renders_a_published_pact_not_yet_cached_in_four_queries(client, territory_a):
    assert queries_for(client, _pact_url(territory_a), cold=True) == PUBLISHED_PACT_PAGE_UNCACHED_BUDGET
    pact_publish(pact=territory_a.pact)
    assert queries_for(client, _pact_url(territory_a, version=1), cold=True) == PUBLISHED_PACT_PAGE_UNCACHED_BUDGET


def test_it_renders_an_older_version_in_as_many_queries(client, territory_a):
    pact_publish(pact=territory_a.pact)
    assert queries_for(client, _pact_url(territory_a, version=1)) == PUBLISHED_PACT_PAGE_BUDGET


def test_it_renders_a_published_pact_in_as_many_queries_with_ten_times_the_data(client, territory_a):
    """The live data do not matter any more for a published pact: the page reads the frozen version."""
    url = _pact_url(territory_a)
    before = queries_for(client, url)
    multiply(territory_a)
    assert queries_for(client, url) == before
    assert "Engagement ajouté n° 8" not in client.get(url).content.decode()  # still the frozen text


def test_it_renders_a_published_pact_in_as_many_queries_with_ten_times_the_data_published(client, territory_a):
    """Ten times the data and ten versions: the version shown and the list of versions stay one query each."""
    url = _pact_url(territory_a)
    before = queries_for(client, url)
    multiply(territory_a)
    for _ in range(EXTRA):
        pact_publish(pact=territory_a.pact)
    page = client.get(url).content.decode()
    assert "Engagement ajouté n° 8" in page and f"Version {FACTOR} publiée le" in page
    assert queries_for(client, url) == before


def test_it_renders_the_teams_preview_within_its_query_budget(client_for, alice, territory_a):
    assert queries_for(client_for(alice), _pact_url(territory_a, apercu=1)) <= PREVIEW_BUDGET


def test_it_renders_the_teams_preview_in_as_many_queries_with_ten_times_the_data(client_for, alice, territory_a):
    client = client_for(alice)
    url = _pact_url(territory_a, apercu=1)
    before = queries_for(client, url)
    multiply(territory_a)
    assert queries_for(client, url) == before


def test_it_renders_ten_times_the_content_on_the_teams_preview(client_for, alice, territory_a):
    """The multiplied data is really on the preview (the query count above is not measured on an empty page)."""
    multiply(territory_a)
    page = client_for(alice).get(_pact_url(territory_a, apercu=1)).content.decode()
    for text in (
        "action ajoutée n° 8",
        "Engagement ajouté n° 8",
        "Thématique ajoutée n° 53",
        "Indicateur ajouté n° 8",
        "Groupe ajouté n° 1",
        "Constat ajouté n° 8",
        "Produit ajouté n° 71",
        "Rencontre ajoutée n° 26",
        "Partie prenante ajoutée n° 1",
        "chiffre ajouté n° 35",
        "Principe n° 44",
        "La Rochelle",
    ):
        assert text in page, text


def test_it_renders_a_draft_preview_within_the_same_budget(client_for, bob, territory_b):
    assert queries_for(client_for(bob), reverse("public:pact", args=[territory_b.slug])) <= PREVIEW_BUDGET


# --- roadmap -----------------------------------------------------------------------------------------------


def test_it_renders_the_roadmap_within_its_query_budget(client_for, alice, territory_a):
    assert queries_for(client_for(alice), reverse("roadmap:roadmap", args=[territory_a.slug])) <= ROADMAP_BUDGET


def test_it_renders_the_roadmap_in_as_many_queries_with_ten_times_the_data(client_for, alice, territory_a):
    client = client_for(alice)
    url = reverse("roadmap:roadmap", args=[territory_a.slug])
    before = queries_for(client, url)
    multiply(territory_a)
    assert queries_for(client, url) == before


# --- home page ---------------------------------------------------------------------------------------------


def publish_more_territories(count):
    """`count` more territories with a published pact, each on two intercommunalities."""
    epcis = list(Intercommunality.objects.order_by("siren")[:2])
    territories = Territory.objects.bulk_create(
        Territory(name=f"Territoire ajouté n° {i}", slug=f"territoire-ajoute-{i}", region="Bretagne")
        for i in range(count)
    )
    Pact.objects.bulk_create(
        Pact(
            territory=territory,
            status=PactStatus.PUBLISHED,
            version=1,
            published_on=datetime.date(2025, 3, 1),
            title=f"Pacte du {territory.name}",
        )
        for territory in territories
    )
    Territory.intercommunalities.through.objects.bulk_create(
        Territory.intercommunalities.through(territory=territory, intercommunality=epci)
        for territory in territories
        for epci in epcis
    )
    return territories


def test_it_renders_the_home_page_within_its_query_budget(client, territory_a):
    assert queries_for(client, reverse("public:home")) <= HOME_BUDGET


def test_it_renders_the_home_page_in_as_many_queries_with_ten_times_the_pacts(client, territory_a):
    url = reverse("public:home")
    before = queries_for(client, url)
    territories = publish_more_territories(EXTRA)
    page_after = client.get(url).content.decode()
    assert all(reverse("public:pact", args=[t.slug]) in page_after for t in territories)
    assert queries_for(client, url) == before


def test_it_renders_the_space_of_a_team_in_as_many_queries_with_ten_times_the_territories(
    client_for, alice, territory_a
):
    client = client_for(alice)
    url = reverse("accounts:home")
    before = queries_for(client, url)
    TerritoryMembership.objects.bulk_create(
        TerritoryMembership(user=alice, territory=territory) for territory in publish_more_territories(EXTRA)
    )
    assert queries_for(client, url) == before


# --- back-office changelists ----------------------------------------------------------------------------


CHANGELISTS = sorted(
    (model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, TerritoryScopedAdmin)),
    key=lambda model: model._meta.label,
)


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", CHANGELISTS, ids=[m._meta.label for m in CHANGELISTS])
def test_it_renders_each_changelist_of_the_back_office_within_its_query_budget(client_for, alice, model):
    assert queries_for(client_for(alice), changelist_url(model)) <= CHANGELIST_BUDGET


@pytest.mark.parametrize(
    "model",
    [pytest.param(model) for model in CHANGELISTS],
    ids=[m._meta.label for m in CHANGELISTS],
)
def test_it_renders_each_changelist_in_as_many_queries_with_ten_times_the_rows(client_for, alice, territory_a, model):
    client = client_for(alice)
    url = changelist_url(model)
    before = queries_for(client, url)
    multiply(territory_a)
    multiply_journal(territory_a, alice)
    assert queries_for(client, url) == before


def test_it_does_not_repeat_a_query_on_a_back_office_page(client_for, alice, territory_a):
    client = client_for(alice)
    url = changelist_url(Theme)
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    repeated = Counter(query["sql"] for query in context.captured_queries).most_common(1)[0]
    assert repeated[1] <= 2, repeated

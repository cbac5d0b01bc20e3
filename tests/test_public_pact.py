"""The public pact page /territoires/<slug>/, as an anonymous citizen reads it.

Expected texts are read from the database (the reference case loaded from the ANCT publication), so
the tests follow the data; a few source strings are also written out, so an empty page cannot pass.
"""

import posixpath
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Sum
from django.test.html import parse_html
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from pytest_django.asserts import assertInHTML

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Finding, FindingKind, Pride, PrideKind
from pacte.stakeholders.models import Category, Stakeholder
from pacte.territories.models import Commune, KeyFigure, SizeClass

# --- reading the page -------------------------------------------------------------------------------


def squash(text):
    """Whitespace as the browser shows it (and as django.test.html normalises it)."""
    return " ".join(text.split())


def classes(element):
    return dict(element.attributes).get("class", "").split()


def find_all(node, name, cls=None, **attributes):
    """Every element `name` below node, depth first, with the CSS class `cls` and the given attributes."""
    found = []
    for child in getattr(node, "children", []):
        if isinstance(child, str):
            continue
        attrs = dict(child.attributes)
        if (
            child.name == name
            and (cls is None or cls in classes(child))
            and all(attrs.get(key) == value for key, value in attributes.items())
        ):
            found.append(child)
        found.extend(find_all(child, name, cls, **attributes))
    return found


def find(node, name, cls=None, **attributes):
    found = find_all(node, name, cls, **attributes)
    assert len(found) == 1, f"expected one <{name} class={cls} {attributes}>, found {len(found)}"
    return found[0]


def text_of(node):
    if isinstance(node, str):
        return node
    return squash(" ".join(text_of(child) for child in node.children))


def own_text(element):
    """The text directly inside an element, without its child elements (e.g. a screen-reader prefix)."""
    return squash(" ".join(child for child in element.children if isinstance(child, str)))


def section(document, section_id):
    return find(document, "section", id=section_id)


@pytest.fixture
def pact_url(territory_a):
    return reverse("public:pact", args=[territory_a.slug])


@pytest.fixture
def page(client, pact_url):
    response = client.get(pact_url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def document(page):
    return parse_html(page)


def paragraphs(text):
    return [squash(p) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def lines(text):
    return [squash(line) for line in (text or "").splitlines() if line.strip()]


# --- editorial, key figures, size classes ------------------------------------------------------------


def test_it_shows_the_editorial_title(page, territory_a):
    assert territory_a.pact.editorial_title == "L'industrie, notre priorité !"
    assert escape(territory_a.pact.editorial_title) in page


def test_it_shows_every_paragraph_of_the_editorial(document, territory_a):
    expected = paragraphs(territory_a.pact.editorial)
    assert len(expected) == 6
    shown = [text_of(p) for p in find_all(section(document, "edito"), "p")]
    assert shown == expected


def test_it_shows_the_ambitions_of_the_pact(document, territory_a):
    expected = lines(territory_a.pact.ambitions)
    assert len(expected) == 3
    shown = [text_of(li) for li in find_all(section(document, "edito"), "li")]
    assert shown == expected


def test_it_shows_the_four_key_figures_with_their_labels_and_sources(document, territory_a):
    figures = list(KeyFigure.objects.filter(territory=territory_a).order_by("order", "pk"))
    assert len(figures) == 4
    block = section(document, "chiffres")
    assert [text_of(p) for p in find_all(block, "p", "pacte-figure")] == [f.value for f in figures]
    assert [text_of(p) for p in find_all(block, "p", "fr-tile__desc")] == [f.label for f in figures]
    assert [text_of(p) for p in find_all(block, "p", "fr-tile__detail")] == [f"Source : {f.source}" for f in figures]


def test_it_compares_the_size_classes_of_the_territory_with_all_territoires_d_industrie(document):
    table = find(section(document, "chiffres"), "table")
    rows = [[text_of(cell) for cell in row.children] for row in find_all(find(table, "tbody"), "tr")]
    assert rows == [
        [str(SizeClass.MICRO.label), "59 %", "46 %"],
        [str(SizeClass.SME.label), "33 %", "35 %"],
        [str(SizeClass.MID.label), "6 %", "13 %"],
        [str(SizeClass.LARGE.label), "2 %", "5 %"],
    ]


# --- perimeter ---------------------------------------------------------------------------------------


def test_it_names_the_four_intercommunalities(document, territory_a):
    names = sorted(territory_a.intercommunalities.values_list("name", flat=True))
    assert len(names) == 4
    buttons = find_all(section(document, "perimetre"), "button", "fr-accordion__btn")
    assert sorted(text_of(b).split(" — ")[0] for b in buttons) == names


def test_it_lists_the_communes_of_each_intercommunality(document, territory_a):
    block = section(document, "perimetre")
    for epci in territory_a.intercommunalities.all():
        expected = Counter(epci.communes.values_list("name", flat=True))
        assert expected, epci
        collapse = find(block, "div", id=f"epci-{epci.siren}")
        assert Counter(text_of(tag) for tag in find_all(collapse, "p", "fr-tag")) == expected


@pytest.mark.parametrize("commune", ["Rochefort", "Royan", "Saint-Pierre-d'Oléron", "Marennes-Hiers-Brouage"])
def test_it_lists_the_main_communes_of_the_reference_case(document, commune):
    tags = [text_of(tag) for tag in find_all(section(document, "perimetre"), "p", "fr-tag")]
    assert commune in tags


def test_it_shows_the_total_population_of_the_communes(page, territory_a):
    communes = Commune.objects.filter(intercommunality__territories=territory_a)
    total = communes.aggregate(total=Sum("population"))["total"]
    assert total > 150_000
    with translation.override("fr"):
        shown = number_format(total, force_grouping=True)
    assert f"{communes.count()} communes, {shown} habitants" in page


def test_it_draws_the_perimeter_as_an_inline_svg_map(document):
    svg = find(section(document, "perimetre"), "svg", "pacte-map")
    assert dict(svg.attributes)["role"] == "img"


def test_it_draws_one_path_per_commune_on_the_map(document, territory_a):
    communes = Commune.objects.filter(intercommunality__territories=territory_a)
    svg = find(section(document, "perimetre"), "svg", "pacte-map")
    paths = find_all(svg, "path")
    assert len(paths) == communes.count()
    assert Counter(text_of(find(p, "title")) for p in paths) == Counter(communes.values_list("name", flat=True))
    assert all(dict(p.attributes)["d"].startswith("M") for p in paths)


# --- diagnostic --------------------------------------------------------------------------------------


def test_it_shows_the_four_diagnostic_axes(document, territory_a):
    axes = list(DiagnosticAxis.objects.filter(territory=territory_a).values_list("name", flat=True))
    assert len(axes) == 4
    assert [text_of(h) for h in find_all(section(document, "diagnostic"), "h3")] == axes


@pytest.mark.parametrize("kind", [FindingKind.STRENGTH, FindingKind.WEAKNESS])
def test_it_marks_every_finding_as_a_strength_or_a_weakness(document, territory_a, kind):
    findings = Finding.objects.filter(territory=territory_a, kind=kind).order_by("axis__order", "order", "pk")
    expected = [squash(f.text) for f in findings]
    assert len(expected) >= 4
    items = find_all(section(document, "diagnostic"), "li", kind.value)
    assert [own_text(li) for li in items] == expected


def test_it_never_gives_a_finding_both_marks(document):
    items = find_all(section(document, "diagnostic"), "li")
    assert items
    assert all(len({"strength", "weakness"} & set(classes(li))) == 1 for li in items)


# --- prides ------------------------------------------------------------------------------------------


def test_it_shows_all_eight_prides_with_their_company_and_place(document, territory_a):
    prides = list(Pride.objects.filter(territory=territory_a))
    assert len(prides) == 8
    block = section(document, "fiertes")
    titles = [text_of(h) for h in find_all(block, "h4", "fr-card__title")]
    descriptions = [text_of(p) for p in find_all(block, "p", "fr-card__desc")]
    assert sorted(titles) == sorted(p.product for p in prides)
    assert sorted(descriptions) == sorted(f"{p.company}, {p.place}" for p in prides)


def test_it_shows_innovative_prides_before_emblematic_ones(page, territory_a):
    emblematic_heading = page.index(escape("Des produits emblématiques qui font connaître le territoire"))
    for pride in Pride.objects.filter(territory=territory_a):
        position = page.index(escape(pride.product))
        assert (position < emblematic_heading) == (pride.kind == PrideKind.INNOVATIVE), pride


# --- reciprocal commitments ----------------------------------------------------------------------------


def test_it_shows_every_theme(document, territory_a):
    themes = list(Theme.objects.filter(territory=territory_a).values_list("name", flat=True))
    assert len(themes) == 6
    headings = [text_of(h) for h in find_all(section(document, "engagements"), "h3")]
    assert headings == [f"{number}. {name}" for number, name in enumerate(themes, start=1)]


def test_it_shows_every_commitment_with_its_title_and_short_title(page, territory_a):
    commitments = Commitment.objects.filter(territory=territory_a)
    assert commitments.count() == 12
    for commitment in commitments:
        assert escape(commitment.title) in page
        assert escape(commitment.short_title) in page


def test_it_shows_what_each_side_commits_to_in_its_introduction(page, territory_a):
    for commitment in Commitment.objects.filter(territory=territory_a):
        assert escape(commitment.company_intro) in page
        assert escape(commitment.territory_intro) in page


def test_it_shows_the_note_of_a_commitment(page, territory_a):
    notes = [c.note for c in Commitment.objects.filter(territory=territory_a) if c.note]
    assert notes
    for note in notes:
        assert escape(note) in page


@pytest.mark.parametrize("model", [CompanyAction, TerritoryAction])
def test_it_shows_every_action_with_its_details(page, territory_a, model):
    actions = model.objects.filter(territory=territory_a)
    assert actions.count() > 10
    assert any(a.details for a in actions)
    for action in actions:
        assert escape(action.text) in page
        for detail in lines(action.details):
            assert f"<li>{escape(detail)}</li>" in page


def test_it_puts_company_actions_and_territory_actions_on_their_own_side(document, territory_a):
    articles = find_all(section(document, "engagements"), "article")
    commitments = Commitment.objects.filter(territory=territory_a).order_by("theme__order", "order", "pk")
    assert len(articles) == commitments.count()
    for article, commitment in zip(articles, commitments, strict=True):
        sides = find_all(article, "div", "pacte-side")
        company = next(s for s in sides if "pacte-side--territory" not in classes(s))
        territory = find(article, "div", "pacte-side--territory")
        # The first list of each side holds its actions; a nested list holds an action's details.
        company_items = [own_text(li) for li in find_all(company, "ul")[0].children]
        territory_items = [own_text(li) for li in find_all(territory, "ul")[0].children]
        company_actions = commitment.company_actions.order_by("order", "pk")
        territory_actions = commitment.territory_actions.order_by("order", "pk")
        assert company_items == [squash(a.text) for a in company_actions]
        assert territory_items == [squash(a.text) for a in territory_actions]


def test_it_shows_every_indicator_under_its_theme(document, territory_a):
    block = section(document, "engagements")
    for theme in Theme.objects.filter(territory=territory_a):
        expected = list(Indicator.objects.filter(theme=theme).values_list("name", flat=True))
        assert expected, theme
        theme_section = find(block, "section", id=f"theme-{theme.code}")
        callout = find(theme_section, "div", "fr-callout")
        assert [text_of(li) for li in find_all(callout, "li")] == expected


# --- governance, thematic groups, events, acknowledgements -----------------------------------------------


@pytest.mark.parametrize("principle", ["Adhésion volontaire", "Durée de trois ans", "Revue annuelle"])
def test_it_states_the_principles_of_adhesion(document, principle):
    badges = [text_of(p) for p in find_all(section(document, "gouvernance"), "p", "fr-badge")]
    assert principle in badges


def test_it_shows_every_governance_principle_with_its_text(document, territory_a):
    principles = list(GovernancePrinciple.objects.filter(territory=territory_a))
    assert len(principles) == 5
    block = section(document, "gouvernance")
    assert [text_of(h) for h in find_all(block, "h3")] == [p.title for p in principles]
    shown = text_of(block)
    for principle in principles:
        for line in lines(principle.text):
            assert line in shown


def test_it_shows_the_six_thematic_groups(document, territory_a):
    groups = list(ThematicGroup.objects.filter(territory=territory_a).order_by("theme__order", "order", "pk"))
    assert len(groups) == 6
    buttons = find_all(section(document, "groupes"), "button", "fr-accordion__btn")
    assert [text_of(b) for b in buttons] == [g.name for g in groups]


def _group_panel(document, group):
    """The accordion panel of a thematic group: the one its button (named after the group) controls."""
    block = section(document, "groupes")
    buttons = [b for b in find_all(block, "button", "fr-accordion__btn") if text_of(b) == group.name]
    assert len(buttons) == 1, group.name
    return find(block, "div", id=dict(buttons[0].attributes)["aria-controls"])


def test_it_shows_the_objectives_of_each_thematic_group(document, territory_a):
    for group in ThematicGroup.objects.filter(territory=territory_a):
        items = [text_of(li) for li in find_all(_group_panel(document, group), "li")]
        assert lines(group.objectives)
        for objective in lines(group.objectives):
            assert objective in items


def test_it_shows_the_participants_and_animation_of_each_thematic_group(document, territory_a):
    for group in ThematicGroup.objects.filter(territory=territory_a):
        items = [text_of(li) for li in find_all(_group_panel(document, group), "li")]
        assert f"Participants : {squash(group.participants)}" in items
        assert f"Animation : {squash(group.animation)}" in items


def test_it_shows_the_example_indicators_of_each_thematic_group(document, territory_a):
    for group in ThematicGroup.objects.filter(territory=territory_a):
        items = [text_of(li) for li in find_all(_group_panel(document, group), "li")]
        assert lines(group.example_indicators)
        for indicator in lines(group.example_indicators):
            assert indicator in items


def test_it_shows_the_partners_of_each_thematic_group(document, territory_a):
    groups = ThematicGroup.objects.filter(territory=territory_a)
    assert sum(len(lines(g.partners)) for g in groups) > 20
    for group in groups:
        items = [text_of(li) for li in find_all(_group_panel(document, group), "li")]
        for partner in lines(group.partners):
            assert partner in items


def test_it_shows_the_three_economic_events_with_date_and_organiser(document, territory_a):
    events = list(EconomicEvent.objects.filter(territory=territory_a))
    assert len(events) == 3
    items = {text_of(find(li, "strong")): li for li in find_all(section(document, "rencontres"), "li")}
    assert len(items) == 3
    with translation.override("fr"):
        for event in events:
            item = items[event.name]
            assert own_text(item) == f", {date_format(event.date, 'j F Y')} — organisé par {event.organiser}"
            assert text_of(find(item, "span")) == event.description


def test_it_lists_the_economic_events_in_calendar_order(document, territory_a):
    events = EconomicEvent.objects.filter(territory=territory_a).order_by("date")
    items = [text_of(find(li, "strong")) for li in find_all(section(document, "rencontres"), "li")]
    assert items == [e.name for e in events]


def test_it_thanks_every_acknowledged_stakeholder(document, territory_a):
    names = list(Stakeholder.objects.filter(territory=territory_a, acknowledged=True).values_list("name", flat=True))
    assert len(names) == 34
    shown = [text_of(li) for li in find_all(section(document, "remerciements"), "li")]
    assert Counter(shown) == Counter(names)


def test_it_thanks_the_stakeholders_under_their_group(document, territory_a):
    columns = find_all(section(document, "remerciements"), "div", "fr-col-12")
    assert len(columns) == 4
    for column in columns:
        group = text_of(find(column, "h3"))
        for li in find_all(column, "li"):
            assert Stakeholder.objects.get(territory=territory_a, name=text_of(li)).group == group


def test_it_does_not_thank_a_stakeholder_that_is_not_acknowledged(client, pact_url, territory_a):
    Stakeholder.objects.create(
        territory=territory_a, name="Entreprise discrète", category=Category.COMPANIES, group="Entreprises"
    )
    page = client.get(pact_url).content.decode()
    assert "Entreprise discrète" not in page


def test_it_shows_each_group_of_acknowledged_stakeholders_once(client, pact_url, territory_a):
    Stakeholder.objects.create(
        territory=territory_a,
        name="Association des riverains",
        category=Category.CIVIL_SOCIETY,
        group="Société civile",
        acknowledged=True,
    )
    document = parse_html(client.get(pact_url).content.decode())
    headings = [text_of(h) for h in find_all(section(document, "remerciements"), "h3")]
    assert headings.count("Société civile") == 1


def test_it_shows_the_acknowledgements_text(page, territory_a):
    assert "25 entretiens" in territory_a.pact.acknowledgements
    assert escape(territory_a.pact.acknowledgements) in page


@pytest.mark.parametrize(
    "source_text",
    [
        "Sièges business",
        "Airbus Atlantic",
        "Imagine Rochefort Océan",
        "Aerospace Valley",  # spelled without accent in the source
        "Groupe thématique Mobilités et logement",
        "Une diversité de filières industrielles : aéronautique, nautique, bois, chimie, plasturgie, agro-alimentaire...",
        "verser la taxe d'apprentissage sur le territoire",
    ],
)
def test_it_shows_texts_of_the_source_publication(page, source_text):
    assert escape(source_text) in page


# --- home page ---------------------------------------------------------------------------------------


def test_it_lists_the_published_pact_on_the_home_page_with_a_link_to_it(client, territory_a, pact_url):
    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    assertInHTML(f'<a href="{pact_url}">{escape(territory_a.pact.title)}</a>', response.content.decode())


def test_it_does_not_list_a_draft_pact_on_the_home_page(client, territory_a, territory_b):
    page = client.get(reverse("public:home")).content.decode()
    assert reverse("public:pact", args=[territory_a.slug]) in page
    assert reverse("public:pact", args=[territory_b.slug]) not in page
    assert territory_b.name not in page


# --- who may see a pact ------------------------------------------------------------------------------


def test_it_hides_a_draft_pact_from_anonymous_citizens(client, territory_b):
    assert client.get(reverse("public:pact", args=[territory_b.slug])).status_code == 404


def test_it_hides_a_draft_pact_from_the_team_of_another_territory(client_for, alice, territory_b):
    response = client_for(alice).get(reverse("public:pact", args=[territory_b.slug]))
    assert response.status_code == 404


def test_it_shows_a_draft_pact_to_its_own_team_as_a_preview(client_for, bob, territory_b):
    response = client_for(bob).get(reverse("public:pact", args=[territory_b.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Aperçu réservé à l'équipe du territoire" in page
    assert escape(territory_b.pact.title) in page


def test_it_does_not_mark_a_published_pact_as_a_preview(page):
    assert "Aperçu réservé" not in page


def test_it_answers_404_for_an_unknown_territory(client, db):
    assert client.get(reverse("public:pact", args=["territoire-inconnu"])).status_code == 404


# --- offline: nothing is loaded from another host ----------------------------------------------------------


def _links(document):
    """Every src= and href= of the page."""
    links = []

    def walk(node):
        for child in getattr(node, "children", []):
            if isinstance(child, str):
                continue
            for name, value in child.attributes:
                if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                    links.append(value)
            walk(child)

    walk(document)
    return links


def test_it_loads_no_asset_from_another_host(document):
    links = _links(document)
    assert any(link.startswith(settings.STATIC_URL) for link in links)
    for link in links:
        parts = urlsplit(link)
        assert not link.startswith("//"), link
        assert parts.scheme in ("", "mailto"), link
        assert parts.netloc in ("", "testserver"), link


def test_it_writes_absolute_urls_only_as_text_or_svg_namespace(page):
    """'http(s)://' may appear only as the SVG namespace, never as an address the browser fetches."""
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert addresses <= {"http://www.w3.org/2000/svg"}


def _static_references(document):
    return [link for link in _links(document) if link.startswith(settings.STATIC_URL)]


def test_it_references_only_static_files_that_exist(document):
    references = _static_references(document)
    assert len(references) >= 4
    for reference in references:
        path = urlsplit(reference).path[len(settings.STATIC_URL) :]
        assert finders.find(path), reference


def test_its_stylesheets_fetch_nothing_from_another_host(document):
    stylesheets = [r for r in _static_references(document) if urlsplit(r).path.endswith(".css")]
    assert len(stylesheets) >= 2
    for stylesheet in stylesheets:
        path = urlsplit(stylesheet).path[len(settings.STATIC_URL) :]
        with open(finders.find(path), encoding="utf-8") as stream:
            css = stream.read()
        assert "@import" not in css, stylesheet
        for target in set(re.findall(r"url\(\s*['\"]?([^'\")]+)", css)):
            if target.startswith("data:") or target.startswith("#"):
                continue
            assert not re.match(r"(https?:)?//", target), (stylesheet, target)
            relative = posixpath.normpath(posixpath.join(posixpath.dirname(path), urlsplit(target).path))
            assert finders.find(relative), (stylesheet, target)

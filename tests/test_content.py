"""The reference case (Rochefort-Royan-Marennes-Oléron) against the ANCT publication it is transcribed from,
and the generic template that every new territory starts from."""

import re
from decimal import Decimal

import pytest

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator
from pacte.interviews.models import DiagnosticAxis, Finding, FindingKind, Pride, PrideKind
from pacte.publications.models import Pact
from pacte.replication.services import TEMPLATE, content_read
from pacte.stakeholders.models import Stakeholder
from pacte.territories.models import KeyFigure, SizeClass, SizeClassShare

THEME_NAMES = [
    "Attractivité",
    "Environnement",
    "Formation et emploi",
    "Innovation",
    "Implantation et mutualisation",
    "Mobilité et logement",
]

# Known corrections the transcription made to the source (typos, spacing, capitals), applied to the source side
# before comparing. Anything else that differs from the source is a transcription error.
SOURCE_CORRECTIONS = [
    ("3^e", "3e"),
    ("Circule'R", "Circul'R"),
    ("Marennnes", "Marennes"),
    ("Mareennes", "Marennes"),
    ("maintenir une information et maintenir une information proactive", "maintenir une information proactive"),
    ("Nouvelle Aquitaine", "Nouvelle-Aquitaine"),
    ("UIMM -Union", "UIMM - Union"),
    ("Ile d'Oléron", "Île d'Oléron"),
    ("Technopôle de l'arsenal", "Technopôle de l'Arsenal"),
]

# Names that belong to the reference territory and must never reach a generic template (matched case-insensitively,
# on word boundaries).
ROCHEFORT_SPECIFIC_NAMES = [
    "Rochefort",
    "Royan",
    "Oléron",
    "Marennes",
    "Brouage",
    "Airbus",
    "Technopôle de l'Arsenal",
    "Arsenal",
    "Neo Terra",
    "Néo Terra",
    "NeoTerra",
    "Nouvelle-Aquitaine",
    "Nouvelle Aquitaine",
    "Charente",
    "Circul'R",
    "CRITT",
    "ARRDHOR",
    "Soltena",
    "Aerospace Valley",
    "Atlantic Cluster",
    "ISAAP",
    "Club HA 17",
    "CEPR17",
    "Maison des Industries",
    "Carré Up",
    "Carré des Entrepreneurs",
    "Voltaero",
    "Pinball Boat",
    "Shapers Club",
    "Atman",
    "AG+Spars",
    "Retour de Plage",
    "Asteur",
    "Boost'éco",
    "CARO",
    "CARA",
]
ROCHEFORT_SPECIFIC = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(name) for name in ROCHEFORT_SPECIFIC_NAMES) + r")(?!\w)", re.IGNORECASE
)

_PUNCTUATION = re.compile(r"[;:.,!?'’«»()…\"*]")


def normalise(text):
    """Lowercase, punctuation dropped, whitespace collapsed: what is left is the wording."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def corrected(source_text):
    for wrong, right in SOURCE_CORRECTIONS:
        source_text = source_text.replace(wrong, right)
    return source_text


@pytest.fixture(scope="module")
def source(source_text):
    return normalise(corrected(source_text))


def assert_all_in_source(source, labelled_texts):
    missing = [f"{label}: {text!r}" for label, text in labelled_texts if normalise(text) not in source]
    assert not missing, "Not found in the source publication:\n" + "\n".join(missing)


def section(source_text, start, end):
    """The source text between two headings (the first occurrence of each, `end` searched after `start`)."""
    begin = source_text.index(start) + len(start)
    return source_text[begin : source_text.index(end, begin)]


def bullets(text):
    return [line.strip()[2:].strip() for line in text.splitlines() if line.strip().startswith("- ")]


def strings_in(value):
    """Every string of a YAML document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


# --- The reference case in the database --------------------------------------------------------------------------


def test_it_has_the_six_themes_of_the_source_in_order(territory_a):
    names = list(Theme.objects.for_territory(territory_a).values_list("name", flat=True))

    assert names == THEME_NAMES


def test_it_has_two_three_two_two_two_and_one_commitments_per_theme(territory_a):
    counts = [theme.commitments.count() for theme in Theme.objects.for_territory(territory_a)]

    assert counts == [2, 3, 2, 2, 2, 1]
    assert Commitment.objects.for_territory(territory_a).count() == 12


def test_it_has_the_company_actions_of_each_theme(territory_a):
    counts = [
        CompanyAction.objects.filter(commitment__theme=theme).count()
        for theme in Theme.objects.for_territory(territory_a)
    ]

    assert counts == [4, 11, 13, 6, 7, 4]


def test_it_has_the_territory_actions_of_each_theme(territory_a):
    counts = [
        TerritoryAction.objects.filter(commitment__theme=theme).count()
        for theme in Theme.objects.for_territory(territory_a)
    ]

    assert counts == [4, 11, 13, 8, 4, 4]


def test_it_has_two_indicators_per_theme(territory_a):
    counts = [theme.indicators.count() for theme in Theme.objects.for_territory(territory_a)]

    assert counts == [2, 2, 2, 2, 2, 2]


def test_it_has_one_thematic_group_per_theme(territory_a):
    groups = ThematicGroup.objects.for_territory(territory_a).select_related("theme")

    assert [group.theme.name for group in groups] == THEME_NAMES


def test_it_has_the_three_economic_events_with_their_dates(territory_a):
    events = {e.name: e.date.isoformat() for e in EconomicEvent.objects.for_territory(territory_a)}

    assert events == {
        "Imagine Rochefort Océan": "2024-12-17",
        "Événement annuel d'Asteur": "2024-11-25",
        "Boost'éco": "2024-06-06",
    }


def test_it_has_four_innovative_and_four_emblematic_prides(territory_a):
    prides = Pride.objects.for_territory(territory_a)

    assert prides.filter(kind=PrideKind.INNOVATIVE).count() == 4
    assert prides.filter(kind=PrideKind.EMBLEMATIC).count() == 4
    assert prides.count() == 8


def test_it_has_four_diagnostic_axes_with_six_five_four_and_three_findings(territory_a):
    axes = [(axis.name, axis.findings.count()) for axis in DiagnosticAxis.objects.for_territory(territory_a)]

    assert axes == [
        ("Infrastructure, foncier et innovation", 6),
        ("Gouvernance et écosystème", 5),
        ("Emploi et formation", 4),
        ("Ressources et environnement", 3),
    ]


def test_it_acknowledges_thirty_four_stakeholders(territory_a):
    stakeholders = Stakeholder.objects.for_territory(territory_a)

    assert stakeholders.filter(acknowledged=True).count() == 34
    assert stakeholders.count() == 34


def test_it_has_the_size_class_table_of_the_source(territory_a):
    rows = {
        row.size_class: (row.territory_share, row.national_share)
        for row in SizeClassShare.objects.for_territory(territory_a)
    }

    assert rows == {
        SizeClass.MICRO: (Decimal(59), Decimal(46)),
        SizeClass.SME: (Decimal(33), Decimal(35)),
        SizeClass.MID: (Decimal(6), Decimal(13)),
        SizeClass.LARGE: (Decimal(2), Decimal(5)),
    }


def test_it_groups_the_four_intercommunalities_of_the_reference_case(territory_a):
    sirens = set(territory_a.intercommunalities.values_list("siren", flat=True))

    assert sirens == {"200041762", "241700640", "241700624", "241700699"}


def test_it_has_the_four_key_figures_of_the_source(territory_a):
    values = list(KeyFigure.objects.for_territory(territory_a).values_list("value", flat=True))

    assert values == ["9 %", "2,2 %", "260", "51 %"]


# --- The reference case against the source text ------------------------------------------------------------------


def test_it_takes_every_commitment_title_from_the_source(territory_a, source):
    titles = [("title", c.title) for c in Commitment.objects.for_territory(territory_a)]

    assert_all_in_source(source, titles)


def test_it_takes_every_commitment_introduction_and_note_from_the_source(territory_a, source):
    texts = []
    for c in Commitment.objects.for_territory(territory_a):
        texts += [("company intro", c.company_intro), ("territory intro", c.territory_intro)]
        if c.note:
            texts.append(("note", c.note))

    assert_all_in_source(source, texts)


def test_it_takes_every_company_action_and_detail_from_the_source(territory_a, source):
    texts = []
    for action in CompanyAction.objects.for_territory(territory_a):
        texts.append(("company action", action.text))
        texts += [("detail", detail) for detail in action.detail_list]

    assert_all_in_source(source, texts)


def test_it_takes_every_territory_action_and_detail_from_the_source(territory_a, source):
    texts = []
    for action in TerritoryAction.objects.for_territory(territory_a):
        texts.append(("territory action", action.text))
        texts += [("detail", detail) for detail in action.detail_list]

    assert_all_in_source(source, texts)


def test_it_takes_every_finding_from_the_source(territory_a, source):
    texts = [("finding", f.text) for f in Finding.objects.for_territory(territory_a)]

    assert_all_in_source(source, texts)


def test_it_marks_each_finding_as_a_strength_or_a_weakness_as_the_source_does(territory_a, source_text):
    diagnostic = section(source_text, "DIAGNOSTIC INDUSTRIEL DU TERRITOIRE", "IDENTIFIER LES FLEURONS")
    marks = {"✓": FindingKind.STRENGTH, "✗": FindingKind.WEAKNESS}
    in_source = [(normalise(corrected(b[1:])), marks[b[0]]) for b in bullets(diagnostic)]

    findings = Finding.objects.for_territory(territory_a).order_by("axis__order", "order")
    in_database = [(normalise(f.text), f.kind) for f in findings]

    assert in_database == in_source


def test_it_takes_every_indicator_from_the_source(territory_a, source):
    texts = [("indicator", i.name) for i in Indicator.objects.for_territory(territory_a)]

    assert_all_in_source(source, texts)


def test_it_files_each_indicator_under_its_theme_as_the_source_does(territory_a, source_text):
    headings = {
        "Attractivité": "attractivite",
        "Environnement": "environnement",
        "Innovation": "innovation",
        "Emploi": "formation-emploi",
        "Implantation mutualisation": "implantation-mutualisation",
        "Qualité de vie": "mobilite-logement",
    }
    in_source, theme = {}, None
    for line in section(source_text, "INDICATEURS\n", "SUIVI DES INDICATEURS").splitlines():
        line = line.strip()
        if line in headings:
            theme = headings[line]
        elif line.startswith("- ") and theme:
            in_source.setdefault(theme, []).append(normalise(line[2:]))

    in_database = {}
    for indicator in Indicator.objects.for_territory(territory_a).select_related("theme"):
        in_database.setdefault(indicator.theme.code, []).append(normalise(indicator.name))

    assert in_database == in_source


def test_it_takes_every_thematic_group_objective_from_the_source(territory_a, source):
    texts = [
        (group.name, objective)
        for group in ThematicGroup.objects.for_territory(territory_a)
        for objective in group.objective_list
    ]

    assert len(texts) == 1 + 2 + 2 + 2 + 3 + 3
    assert_all_in_source(source, texts)


def test_it_takes_every_thematic_group_organisation_and_example_indicator_from_the_source(territory_a, source):
    texts = []
    for group in ThematicGroup.objects.for_territory(territory_a):
        texts += [(f"{group.name} participants", group.participants), (f"{group.name} animation", group.animation)]
        texts += [(f"{group.name} example indicator", text) for text in group.example_indicator_list]

    assert_all_in_source(source, texts)


def test_it_takes_every_thematic_group_partner_from_the_source(territory_a, source):
    texts = [
        (group.name, partner)
        for group in ThematicGroup.objects.for_territory(territory_a)
        for partner in group.partner_list
    ]

    assert len(texts) == 5 + 7 + 5 + 6 + 3 + 0
    assert_all_in_source(source, texts)


def test_it_takes_every_pride_product_company_and_place_from_the_source(territory_a, source):
    texts = []
    for pride in Pride.objects.for_territory(territory_a):
        texts += [("product", pride.product), ("company", pride.company), ("place", pride.place)]

    assert_all_in_source(source, texts)


def test_it_classes_the_prides_as_innovative_or_emblematic_as_the_source_does(territory_a, source_text):
    innovative = normalise(corrected(section(source_text, "DES PRODUITS INNOVANTS", "DES PRODUITS EMBLÉMATIQUES")))
    emblematic = normalise(
        corrected(section(source_text, "DES PRODUITS EMBLÉMATIQUES", "LES PARTIES PRENANTES DU PACTE"))
    )

    misclassed = [
        f"{pride.kind}: {pride.product}"
        for pride in Pride.objects.for_territory(territory_a)
        if normalise(pride.product) not in (innovative if pride.kind == PrideKind.INNOVATIVE else emblematic)
    ]

    assert misclassed == []


def test_it_takes_every_acknowledged_stakeholder_from_the_source(territory_a, source):
    texts = [("stakeholder", s.name) for s in Stakeholder.objects.for_territory(territory_a)]

    assert_all_in_source(source, texts)


def test_it_takes_the_ambitions_and_governance_principles_from_the_source(territory_a, source):
    pact = Pact.objects.get(territory=territory_a)
    texts = [("ambition", ambition) for ambition in pact.ambition_list]
    for principle in GovernancePrinciple.objects.for_territory(territory_a):
        texts.append(("principle title", principle.title))
        texts += [(principle.title, paragraph) for paragraph in principle.text.split("\n\n")]

    assert len(texts) == 3 + 5 + 7
    assert_all_in_source(source, texts)


def test_it_takes_every_key_figure_label_from_the_source(territory_a, source):
    texts = [
        ("key figure", label) for label in KeyFigure.objects.for_territory(territory_a).values_list("label", flat=True)
    ]

    assert_all_in_source(source, texts)


def test_it_takes_the_editorial_from_the_source(territory_a, source):
    pact = Pact.objects.get(territory=territory_a)
    texts = [("editorial title", pact.editorial_title)]
    texts += [("editorial", paragraph) for paragraph in pact.editorial_paragraphs]

    assert len(texts) == 1 + 6
    assert_all_in_source(source, texts)


def test_it_dates_each_economic_event_as_the_source_does(territory_a, source_text):
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre"]
    months += ["octobre", "novembre", "décembre"]
    lines = [normalise(line) for line in source_text.splitlines()]

    undated = []
    for event in EconomicEvent.objects.for_territory(territory_a):
        day = f"{event.date.day} {months[event.date.month - 1]} {event.date.year}"
        if not any(normalise(event.name) in line and day in line for line in lines):
            undated.append(f"{event.name} ({day})")

    assert undated == []


def test_it_uses_each_summary_commitment_of_the_source_as_a_short_title(territory_a, source_text):
    summary = bullets(section(source_text, "LES ENGAGEMENTS DU PACTE", "Pour chaque thématique"))
    short_titles = {
        normalise(t) for t in Commitment.objects.for_territory(territory_a).values_list("short_title", flat=True)
    }

    assert len(summary) == 12
    assert [bullet for bullet in summary if normalise(bullet) not in short_titles] == []


def test_it_files_each_summary_commitment_under_its_numbered_theme(territory_a, source_text):
    in_source, theme = {}, None
    for line in section(source_text, "LES ENGAGEMENTS DU PACTE", "Pour chaque thématique").splitlines():
        heading = re.match(r"\s*\d\)\s+\*\*(.+)\*\*", line)
        if heading:
            theme = heading.group(1)
        elif line.strip().startswith("- ") and line.strip()[2:].strip():
            in_source.setdefault(theme, []).append(normalise(line.strip()[2:]))

    in_database = {}
    for commitment in Commitment.objects.for_territory(territory_a).select_related("theme"):
        in_database.setdefault(commitment.theme.name, []).append(normalise(commitment.short_title))

    assert in_database == in_source


# --- The generic template ----------------------------------------------------------------------------------------


def _structure(content):
    return [
        (
            theme["code"],
            theme["name"],
            len(theme.get("commitments") or []),
            sum(len(c.get("company_actions") or []) for c in theme.get("commitments") or []),
            sum(len(c.get("territory_actions") or []) for c in theme.get("commitments") or []),
            len(theme.get("indicators") or []),
            bool(theme.get("thematic_group")),
        )
        for theme in content["themes"]
    ]


def test_it_gives_the_template_the_structure_of_the_reference_case(reference_content):
    template = content_read(TEMPLATE)

    assert _structure(template) == _structure(reference_content)
    assert [theme[1] for theme in _structure(template)] == THEME_NAMES


def test_it_leaves_prides_events_key_figures_and_stakeholders_out_of_the_template():
    template = content_read(TEMPLATE)

    left_out = ["prides", "economic_events", "key_figures", "size_classes", "stakeholders", "territory"]
    assert {key: template.get(key) for key in left_out if template.get(key)} == {}
    assert "published_on" not in template["pact"]


def test_it_keeps_the_diagnostic_axes_of_the_template_without_findings(reference_content):
    template = content_read(TEMPLATE)

    assert [a["name"] for a in template["diagnostic_axes"]] == [a["name"] for a in reference_content["diagnostic_axes"]]
    assert [a["name"] for a in template["diagnostic_axes"] if a.get("findings")] == []


def test_it_keeps_rochefort_specific_names_out_of_the_template():
    found = sorted(
        {match.group(0) for text in strings_in(content_read(TEMPLATE)) for match in ROCHEFORT_SPECIFIC.finditer(text)}
    )

    assert found == []


def test_it_would_notice_a_rochefort_specific_name_in_a_text():
    # The guard of the test above: the pattern does find names, whatever their case, but not inside other words.
    assert ROCHEFORT_SPECIFIC.findall("Le technopôle de l'arsenal de ROCHEFORT, avec circul'r") == [
        "technopôle de l'arsenal",
        "ROCHEFORT",
        "circul'r",
    ]
    assert ROCHEFORT_SPECIFIC.findall("économie circulaire, caractère, Oléronais") == []

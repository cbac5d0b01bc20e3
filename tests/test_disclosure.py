"""The one disclosure control (issue 14), played as attacks: differencing with the values published by consent,
all-yes / all-no / all-but-one yes/no counts, the median of 3 vs 5, the coverage of earlier years once a company has
left; and the same withheld figure absent from every output (public page, PDF, PPTX) while the team sees it marked."""

import datetime
import io
import shutil
import subprocess
import tempfile
from decimal import Decimal

import pytest
from django.urls import reverse

from pacte.commitments.models import Theme
from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.indicators.aggregation import collective_value
from pacte.indicators.disclosure import Audience, disclose
from pacte.indicators.models import Aggregation, CollectiveValue, Indicator, ValueType, WithheldReason
from pacte.indicators.services import indicator_value_save
from pacte.indicators.views import dashboard_rows

YEAR = 2025
D = Decimal


def member(territory, name, *, starts_on=None, ends_on=None, status=MembershipStatus.ACTIVE):
    company = Company.objects.create(territory=territory, name=name)
    Membership.objects.create(company=company, status=status, starts_on=starts_on, ends_on=ends_on)
    return company


def put(indicator, company, value, *, year=YEAR, public=False, denominator=None):
    return indicator_value_save(
        indicator=indicator,
        company=company,
        year=year,
        value=value,
        denominator=denominator,
        public=public,
        actor=None,
    )


def reason(aggregation, rows, value_type=ValueType.COUNT):
    return collective_value(aggregation=aggregation, value_type=value_type, rows=rows, members=10).withheld_reason


# --- the rules, on rows ----------------------------------------------------------------------------------------


def test_it_withholds_a_sum_that_the_published_values_give_away():
    # 3 companies, collective sum 21; two publish their own value (2 and 8): anyone would compute 11.
    published = [(2, None, False, True), (8, None, False, True), (11, None, False, False)]
    assert reason(Aggregation.SUM, published) == WithheldReason.DIFFERENCING
    # The same figures, nothing published: 3 companies, none above 85 %: publishable.
    assert reason(Aggregation.SUM, [(2, None, False), (8, None, False), (11, None, False)]) == ""
    # 5 companies, one publishes: 4 remain, none dominant: publishable.
    five = [(2, None, False, True), (8, None, False), (11, None, False), (6, None, False), (5, None, False)]
    assert reason(Aggregation.SUM, five) == ""
    # Once the published one is removed, one remaining company weighs more than 85 % of the remainder.
    dominant_rest = [(50, None, False, True), (90, None, False), (5, None, False), (5, None, False)]
    assert reason(Aggregation.SUM, dominant_rest) == WithheldReason.DIFFERENCING


def test_it_withholds_a_ratio_that_the_published_values_give_away():
    rows = [(1, 10, False, True), (2, 10, False, True), (3, 10, False, False), (4, 10, False, False)]
    assert reason(Aggregation.RATIO_OF_SUMS, rows, ValueType.PERCENTAGE) == WithheldReason.DIFFERENCING
    assert reason(Aggregation.RATIO_OF_SUMS, [r[:3] for r in rows], ValueType.PERCENTAGE) == ""


@pytest.mark.parametrize(
    "answers,expected",
    [
        ([1] * 6, WithheldReason.UNANIMOUS),  # all yes: every company's answer is known
        ([0] * 6, WithheldReason.UNANIMOUS),  # all no
        ([1] * 5 + [0], WithheldReason.UNANIMOUS),  # all but one
        ([1] * 4 + [0] * 2, WithheldReason.UNANIMOUS),  # all but two
        ([1] * 3 + [0] * 3, ""),  # at least 3 of each
        ([1, 0], WithheldReason.TOO_FEW),
    ],
)
def test_it_withholds_yes_no_counts_that_reveal_each_answer(answers, expected):
    rows = [(a, None, False) for a in answers]
    assert reason(Aggregation.YES_COUNT, rows, ValueType.BOOLEAN) == expected


def test_it_withholds_a_yes_no_count_made_unanimous_by_the_published_answers():
    rows = [(0, None, False, True)] * 3 + [(1, None, False, False)] * 3 + [(0, None, False, False)]
    assert reason(Aggregation.YES_COUNT, rows[:6], ValueType.BOOLEAN) == WithheldReason.DIFFERENCING
    rows = rows[:6] + [(0, None, False, False)] * 3
    assert reason(Aggregation.YES_COUNT, rows, ValueType.BOOLEAN) == ""


def test_it_needs_5_values_for_a_median():
    three = [(D("2.5"), None, False), (9, None, False), (4, None, False)]
    assert reason(Aggregation.MEDIAN, three, ValueType.SCORE) == WithheldReason.ORDER_STATISTIC
    five = [*three, (1, None, False), (7, None, False)]
    assert reason(Aggregation.MEDIAN, five, ValueType.SCORE) == ""
    assert reason(Aggregation.MEDIAN, [*five[:4], (7, None, False, True)], ValueType.SCORE) == ""
    published = [(v, d, na, True) for v, d, na in five[:3]] + five[3:]
    assert reason(Aggregation.MEDIAN, published, ValueType.SCORE) == WithheldReason.DIFFERENCING


def test_it_never_withholds_the_territorys_own_value_and_says_why_in_french():
    assert reason(Aggregation.TERRITORY, [(120, None, False)]) == ""
    withheld = collective_value(
        aggregation=Aggregation.SUM, value_type=ValueType.COUNT, rows=[(1, None, False)], members=1
    )
    team = disclose(withheld, audience=Audience.TEAM)
    public = disclose(withheld, audience=Audience.PUBLIC)
    assert (team.shown, team.withheld, team.value) == (True, True, D(1))
    assert (public.shown, public.value, public.reason) == (False, None, WithheldReason.TOO_FEW)
    assert public.reason_text.startswith("Moins de 3 entreprises ont répondu")


# --- members of the year shown ----------------------------------------------------------------------------------


def test_it_counts_the_members_of_the_year_shown_not_todays(territory_b):
    theme = Theme.objects.create(territory=territory_b, code="t-d", name="Thématique", order=99)
    jobs = Indicator.objects.create(
        territory=territory_b, theme=theme, name="Emplois", code="t-emplois", value_type=ValueType.COUNT
    )
    stayed = [member(territory_b, f"Entreprise {i}", starts_on=datetime.date(2023, 1, 1)) for i in range(3)]
    left = member(
        territory_b,
        "Entreprise partie",
        starts_on=datetime.date(2023, 1, 1),
        ends_on=datetime.date(2024, 6, 30),
        status=MembershipStatus.ENDED,
    )
    late = member(territory_b, "Entreprise arrivée en 2025", starts_on=datetime.date(2025, 3, 1))
    later = member(territory_b, "Entreprise arrivée en 2026", starts_on=datetime.date(2026, 2, 1))
    member(territory_b, "Entreprise invitée", status=MembershipStatus.INVITED)
    for year in (2024, 2025):
        for n, company in enumerate([*stayed, left, late, later]):
            put(jobs, company, 10 + n, year=year)
    rows = {row.year: row for row in CollectiveValue.objects.filter(indicator=jobs)}
    # 2024: the 3 that stayed, the one that left (its value counts) and the one that joined in 2025 (2024 is its
    # baseline year); the one that joined in 2026 does not count yet.
    assert (rows[2024].members, rows[2024].reporting, rows[2024].value) == (5, 5, D(10 + 11 + 12 + 13 + 14))
    # 2025: the one that left no longer counts; the 2026 one reports 2025 as its baseline.
    assert (rows[2025].members, rows[2025].reporting, rows[2025].value) == (5, 5, D(10 + 11 + 12 + 14 + 15))


# --- the same figure through every output ----------------------------------------------------------------------


@pytest.fixture
def differencing(territory_a):
    """Territory A's "actions d'ouverture": 3 companies, sum 21, two publish their own value (2 and 8)."""
    count = Indicator.objects.get(territory=territory_a, code="attractivite-actions-ouverture-public")
    companies = [member(territory_a, name) for name in ("Alpha Usinage", "Bêta Composites", "Gamma Nautique")]
    put(count, companies[0], 2, public=True)
    put(count, companies[1], 8, public=True)
    put(count, companies[2], 11)
    return count


def test_it_keeps_the_differencing_figure_off_the_public_page_and_shows_it_to_the_team(
    client, client_for, alice, territory_a, differencing
):
    row = CollectiveValue.objects.get(indicator=differencing, year=YEAR)
    assert (row.value, row.withheld_reason, row.indicator_code) == (
        D(21),
        WithheldReason.DIFFERENCING,
        differencing.code,
    )
    public = client.get(reverse("indicators:public", args=[territory_a.slug]) + f"?annee={YEAR}").content.decode()
    block = public.split(f'data-code="{differencing.code}"')[1].split("</article>")[0]
    assert "Des entreprises ont publié leur propre valeur" in block and "secret" in block
    assert "21" not in block.replace("2021", "")
    assert "Alpha Usinage (2025) : 2" in block  # the consented values stay published
    team = (
        client_for(alice)
        .get(reverse("indicators:dashboard", args=[territory_a.slug]) + f"?annee={YEAR}")
        .content.decode()
    )
    cells = team.split(f'data-code="{differencing.code}"')[1].split("</tr>")[0]
    assert "21 actions" in cells and "non publiée" in cells


def test_it_never_passes_a_withheld_value_to_the_public_templates(territory_a, differencing):
    from pacte.indicators.selectors import territory_dashboard

    data = territory_dashboard(territory=territory_a, years=[YEAR])
    for theme in dashboard_rows(data, [YEAR], public=True):
        for row in theme["rows"]:
            if row["indicator"].pk == differencing.pk:
                cell = row["cells"][0]
                assert cell["hidden"] and cell["collective"].value is None and cell["text"] == "secret statistique"
                assert "21" not in str(row["chart"]).replace("2021", "")


POPPLER = bool(shutil.which("pdftotext"))


@pytest.fixture
def publishable(territory_a):
    """Territory A's "engagements sur le territoire": 3 companies, 18 engagements, nothing published: publishable."""
    engagements = Indicator.objects.get(territory=territory_a, code="qualite-vie-engagements-territoire")
    for n, name in enumerate(("Delta Mécanique", "Epsilon Bois", "Zêta Câbles")):
        put(engagements, member(territory_a, name), 5 + n)
    return engagements


def flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u2019", "'").split())


def test_it_keeps_the_withheld_figure_out_of_the_pdf_and_prints_the_publishable_one(
    client_for, alice, territory_a, differencing, publishable
):
    from django.template.loader import render_to_string

    from pacte.publications.document import pact_document
    from pacte.publications.pdf import pact_pdf_context

    # What the PDF is printed from (the same template WeasyPrint renders).
    html = flat(
        render_to_string("publications/pdf_pact.html", pact_pdf_context(pact_document(territory_a), preview=True))
    )
    assert "2025 : 18 engagements (3/" in html
    assert "2025 : secret statistique — Des entreprises ont publié leur propre valeur" in html
    assert "21 actions" not in html
    response = client_for(alice).get(reverse("documents:pdf", args=[territory_a.slug]) + "?apercu=1")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF")
    if not POPPLER:
        return  # the printed text itself is read back only where poppler's pdftotext is installed
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        text = subprocess.run(["pdftotext", "-raw", file.name, "-"], capture_output=True, text=True, check=True).stdout
    text = flat(text)
    assert "18 engagements" in text and "secret statistique" in text
    assert "21 actions" not in text


def test_it_keeps_the_withheld_figure_out_of_the_pptx(territory_a, differencing, publishable):
    from pptx import Presentation

    from pacte.publications.document import pact_document
    from pacte.publications.slides import pact_pptx

    document = pact_document(territory_a)
    figures = {f["code"]: f for theme in document["themes"] for f in theme["indicator_figures"]}
    opening = figures[differencing.code]
    assert opening["withheld"] and opening["text"] == "secret statistique" and "21" not in str(opening)
    assert (figures[publishable.code]["text"], figures[publishable.code]["withheld"]) == ("18 engagements", False)
    deck = Presentation(io.BytesIO(pact_pptx(document)))
    text = flat(
        "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    )
    assert f"{differencing.name} — 2025 : secret statistique" in text
    assert f"{publishable.name} — 2025 : 18 engagements (3/" in text
    assert "21 actions" not in text

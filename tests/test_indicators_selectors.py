"""The dashboard's and the national comparison's collective values, summed up by the database: the same as
`collective_value` on the companies' rows (sum, yes count, ratio of sums, median, territory value; missing vs not
applicable vs zero; withheld values), each territory apart, in a number of queries that does not grow with the data.
Runs on SQLite and on PostgreSQL (medians: percentile_disc there, Python on SQLite)."""

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacte.commitments.models import Theme
from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.indicators.aggregation import collective_from_totals, collective_value, totals_of
from pacte.indicators.models import Aggregation, Indicator, IndicatorValue, ValueType
from pacte.indicators.selectors import member_count, national_values, territory_dashboard

YEARS = [2024, 2025]
D = Decimal

# code: (value type, aggregation, {company number: (value, denominator, not applicable)} for 2025; missing: no row)
DATASET = {
    "t-sum": (
        ValueType.COUNT,
        Aggregation.SUM,
        {0: (4, None, False), 1: (0, None, False), 2: (6, None, False), 3: (None, None, True)},
    ),
    "t-yes": (
        ValueType.BOOLEAN,
        Aggregation.YES_COUNT,
        {0: (1, None, False), 1: (0, None, False), 2: (1, None, False), 3: (1, None, False)},
    ),
    "t-rate": (
        ValueType.PERCENTAGE,
        Aggregation.RATIO_OF_SUMS,
        {0: (1, 2, False), 1: (10, 100, False), 2: (5, 50, False), 3: (3, None, False), 4: (7, 0, False)},
    ),
    "t-intensity": (
        ValueType.RATIO,
        Aggregation.RATIO_OF_SUMS,
        {0: (D("2.5"), 10, False), 1: (0, 20, False), 2: (D("1.25"), 5, False), 3: (None, None, True)},
    ),
    "t-median": (
        ValueType.SCORE,
        Aggregation.MEDIAN,
        {0: (D("2.5"), None, False), 1: (9, None, False), 2: (D("3.25"), None, False), 3: (1, None, False)},
    ),
    "t-median-odd": (
        ValueType.SCORE,
        Aggregation.MEDIAN,
        {0: (2, None, False), 1: (9, None, False), 2: (4, None, False)},
    ),
    "t-few": (ValueType.AMOUNT, Aggregation.SUM, {0: (4, None, False), 1: (6, None, False), 2: (None, None, True)}),
    "t-dominated": (
        ValueType.AMOUNT,
        Aggregation.SUM,
        {0: (90, None, False), 1: (5, None, False), 2: (5, None, False)},
    ),
    "t-zeros": (ValueType.COUNT, Aggregation.SUM, {0: (0, None, False), 1: (0, None, False), 2: (0, None, False)}),
    "t-not-applicable": (ValueType.COUNT, Aggregation.SUM, {0: (None, None, True), 1: (None, None, True)}),
    "t-own": (ValueType.AMOUNT, Aggregation.TERRITORY, {None: (120, None, False), 0: (999, None, False)}),
}


def make_companies(territory, n, *, start=0, status=MembershipStatus.ACTIVE):
    companies = []
    for k in range(start, start + n):
        company = Company.objects.create(territory=territory, name=f"Entreprise de test {k}")
        Membership.objects.create(company=company, status=status)
        companies.append(company)
    return companies


def make_indicators(territory, specs: dict) -> dict[str, Indicator]:
    theme = Theme.objects.create(territory=territory, code="t-theme", name="Thématique de test", order=99)
    return {
        code: Indicator.objects.create(
            territory=territory,
            theme=theme,
            name=f"Indicateur {code}",
            code=code,
            value_type=vt,
            aggregation=agg,
            order=n,
        )
        for n, (code, (vt, agg, _rows)) in enumerate(specs.items())
    }


def add_values(indicators, companies, year, dataset=DATASET):
    for code, (_vt, _agg, rows) in dataset.items():
        for number, (value, denominator, na) in rows.items():
            IndicatorValue.objects.create(
                indicator=indicators[code],
                company=None if number is None else companies[number],
                year=year,
                value=value,
                denominator=denominator,
                not_applicable=na,
            )


def hand_rows(code, dataset=DATASET):
    """The rows collective_value reads: the companies' (the territory's own value for a territory indicator)."""
    _vt, aggregation, rows = dataset[code]
    own = aggregation == Aggregation.TERRITORY
    return [row for number, row in rows.items() if (number is None) == own]


@pytest.fixture
def dataset_a(territory_a):
    members_before = member_count(territory=territory_a)
    companies = make_companies(territory_a, 6)
    make_companies(territory_a, 2, start=6, status=MembershipStatus.INVITED)  # not in the coverage
    indicators = make_indicators(territory_a, DATASET)
    add_values(indicators, companies, 2025)
    IndicatorValue.objects.create(indicator=indicators["t-sum"], company=companies[0], year=2023, value=1000)
    return indicators, members_before + 6


def lines_of(dashboard, codes):
    return {line["indicator"].code: line for line in dashboard if line["indicator"].code in codes}


def test_it_gives_the_collective_value_of_collective_value_for_every_aggregation(territory_a, territory_b, dataset_a):
    indicators, members = dataset_a
    # Another territory's values of the same codes never leak into territory A's dashboard.
    other = make_indicators(territory_b, DATASET)
    add_values(
        other, make_companies(territory_b, 6), 2025, {"t-sum": DATASET["t-sum"][:2] + ({0: (500, None, False)},)}
    )

    lines = lines_of(territory_dashboard(territory=territory_a, years=YEARS), DATASET)
    assert list(lines) == list(DATASET)  # every indicator, in their order
    for code, (vt, aggregation, _rows) in DATASET.items():
        expected = collective_value(aggregation=aggregation, value_type=vt, rows=hand_rows(code), members=members)
        assert lines[code]["years"][2025] == expected, code
        nothing = collective_value(aggregation=aggregation, value_type=vt, rows=[], members=members)
        assert lines[code]["years"][2024] == nothing, code  # no row that year: missing, never zero

    got = {code: line["years"][2025] for code, line in lines.items()}
    # Missing (2 companies), not applicable (1) and zero (1, counted) are three different things.
    assert (got["t-sum"].value, got["t-sum"].reporting, got["t-sum"].not_applicable, got["t-sum"].missing) == (
        D(10),
        3,
        1,
        2,
    )
    assert got["t-sum"].coverage == f"3/{members}" and not got["t-sum"].withheld
    assert (got["t-yes"].value, got["t-yes"].share, got["t-yes"].reporting) == (D(3), D("75.0"), 4)
    # Ratio of sums, never the mean of ratios; no denominator or a zero one: not counted.
    assert round(got["t-rate"].value, 6) == round(D(16) / D(152) * 100, 6) and got["t-rate"].reporting == 3
    assert got["t-intensity"].value == D("3.75") / D(35) and got["t-intensity"].reporting == 3
    assert got["t-median"].value == D("2.875")  # the mean of the two middle values 2.5 and 3.25
    assert got["t-median-odd"].value == 4
    assert got["t-few"].withheld and "Moins de 3 entreprises" in got["t-few"].reason and got["t-few"].value == 10
    assert got["t-dominated"].withheld and got["t-dominated"].reason.startswith("Une entreprise pèse plus de 85 %")
    assert (got["t-zeros"].value, got["t-zeros"].reporting, got["t-zeros"].withheld) == (D(0), 3, False)
    assert (got["t-not-applicable"].value, got["t-not-applicable"].not_applicable) == (None, 2)
    # The territory's own value, not a company's.
    assert (got["t-own"].value, got["t-own"].reporting, got["t-own"].withheld) == (D(120), 1, False)


def test_it_lists_each_territorys_value_for_a_code_and_a_year(territory_a, territory_b, dataset_a):
    indicators_a, members_a = dataset_a
    indicators_b = make_indicators(territory_b, DATASET)
    members_b = member_count(territory=territory_b) + 4
    companies_b = make_companies(territory_b, 4)
    for number, value in enumerate([10, 20, 30, None]):
        IndicatorValue.objects.create(
            indicator=indicators_b["t-sum"],
            company=companies_b[number],
            year=2025,
            value=value,
            not_applicable=value is None,
        )
    IndicatorValue.objects.create(indicator=indicators_b["t-sum"], company=companies_b[0], year=2024, value=7)
    IndicatorValue.objects.create(indicator=indicators_b["t-own"], company=None, year=2025, value=55)

    lines = national_values(code="t-sum", year=2025)
    assert [(t, name) for t, name, _c in lines] == sorted(
        [(territory_a.pk, territory_a.name), (territory_b.pk, territory_b.name)], key=lambda line: line[1]
    )
    by_territory = {t: c for t, _name, c in lines}
    assert by_territory[territory_a.pk] == collective_value(
        aggregation=Aggregation.SUM, value_type=ValueType.COUNT, rows=hand_rows("t-sum"), members=members_a
    )
    assert (by_territory[territory_b.pk].value, by_territory[territory_b.pk].coverage) == (D(60), f"3/{members_b}")
    assert by_territory[territory_b.pk].not_applicable == 1
    # Another year: territory A's value of 2023 only; B has none that year (missing, not zero).
    earlier = {t: c for t, _name, c in national_values(code="t-sum", year=2023)}
    assert (earlier[territory_a.pk].value, earlier[territory_a.pk].withheld) == (D(1000), True)
    assert (earlier[territory_b.pk].value, earlier[territory_b.pk].reporting) == (None, 0)
    # Medians and the territories' own values, too.
    medians = {t: c.value for t, _name, c in national_values(code="t-median", year=2025)}
    assert medians == {territory_a.pk: D("2.875"), territory_b.pk: None}
    own = {t: c.value for t, _name, c in national_values(code="t-own", year=2025)}
    assert own == {territory_a.pk: D(120), territory_b.pk: D(55)}
    assert national_values(code="no-such-code", year=2025) == []


def dashboard_queries(territory) -> int:
    with CaptureQueriesContext(connection) as queries:
        territory_dashboard(territory=territory, years=YEARS)
    return len(queries)


def test_it_reads_the_dashboard_in_the_same_number_of_queries_at_1x_and_10x_the_data(territory_b):
    rng = random.Random(3)
    specs = {code: DATASET[code] for code in ("t-sum", "t-yes", "t-rate", "t-median", "t-own")}
    indicators = make_indicators(territory_b, specs)

    def fill(companies):
        IndicatorValue.objects.bulk_create(
            IndicatorValue(
                territory=territory_b,
                indicator=indicator,
                company=company,
                year=year,
                value=rng.randint(0, 9),
                denominator=rng.randint(1, 50) if indicator.aggregation == Aggregation.RATIO_OF_SUMS else None,
            )
            for indicator in indicators.values()
            if indicator.aggregation != Aggregation.TERRITORY
            for company in companies
            for year in YEARS
        )

    fill(make_companies(territory_b, 5))
    once = dashboard_queries(territory_b)
    fill(make_companies(territory_b, 45, start=5))
    with CaptureQueriesContext(connection) as queries:
        lines = lines_of(territory_dashboard(territory=territory_b, years=YEARS), specs)
    assert len(queries) == once <= 3
    assert lines["t-sum"]["years"][2025].reporting == 50
    assert national_values(code="t-sum", year=2025)[0][2].reporting == 50


@pytest.mark.parametrize(
    "aggregation,value_type",
    [
        (Aggregation.SUM, ValueType.AMOUNT),
        (Aggregation.YES_COUNT, ValueType.BOOLEAN),
        (Aggregation.RATIO_OF_SUMS, ValueType.PERCENTAGE),
        (Aggregation.RATIO_OF_SUMS, ValueType.RATIO),
        (Aggregation.MEDIAN, ValueType.SCORE),
        (Aggregation.TERRITORY, ValueType.AMOUNT),
    ],
)
def test_it_applies_the_same_rules_to_the_totals_as_to_the_rows(aggregation, value_type):
    rng = random.Random(aggregation + value_type)
    for _ in range(300):
        rows = []
        for _company in range(rng.choice([0, 1, 2, 3, 4, 8])):
            kind = rng.random()
            if kind < 0.15:
                rows.append((None, None, True))
            elif kind < 0.2:
                rows.append((None, None, False))  # an empty value: not reported
            else:
                value = D(rng.choice([0, 0, 1, 2, 5, 90, 1000])) / rng.choice([1, 4])
                denominator = rng.choice([None, 0, 1, 10, D("2.5"), 400])
                rows.append((value, denominator, False))
        if aggregation == Aggregation.TERRITORY:
            rows = rows[:1]
        members = len(rows) + rng.randint(0, 3)
        expected = collective_value(aggregation=aggregation, value_type=value_type, rows=rows, members=members)
        got = collective_from_totals(
            aggregation=aggregation, value_type=value_type, totals=totals_of(rows), members=members
        )
        assert got == expected, rows

"""The collective value rules, without the database: missing ≠ zero ≠ not applicable, ratio of sums, secrecy."""

from decimal import Decimal

from pacte.indicators.aggregation import collective_value
from pacte.indicators.models import Aggregation, ValueType


def test_it_never_counts_a_missing_value_as_zero():
    result = collective_value(
        aggregation=Aggregation.SUM,
        value_type=ValueType.COUNT,
        rows=[(4, None, False), (0, None, False), (6, None, False)],
        members=5,
    )
    assert (result.value, result.reporting, result.missing, result.coverage) == (Decimal(10), 3, 2, "3/5")


def test_it_keeps_not_applicable_apart_from_zero_and_missing():
    rows = [(3, None, False), (None, None, True), (0, None, False), (5, None, False)]
    result = collective_value(aggregation=Aggregation.SUM, value_type=ValueType.COUNT, rows=rows, members=6)
    assert (result.reporting, result.not_applicable, result.missing) == (3, 1, 2)


def test_it_takes_the_ratio_of_sums_never_the_average_of_ratios():
    # 1 woman of 2 employees (50 %) and 10 of 100 (10 %): the territory's share is 11/102, not 30 %.
    rows = [(1, 2, False), (10, 100, False), (5, 50, False)]
    result = collective_value(
        aggregation=Aggregation.RATIO_OF_SUMS, value_type=ValueType.PERCENTAGE, rows=rows, members=3
    )
    assert round(result.value, 2) == round(Decimal(16) / Decimal(152) * 100, 2)


def test_it_counts_and_shares_the_companies_answering_yes():
    rows = [(1, None, False), (0, None, False), (1, None, False), (1, None, False)]
    result = collective_value(aggregation=Aggregation.YES_COUNT, value_type=ValueType.BOOLEAN, rows=rows, members=8)
    assert (result.value, result.share, result.coverage) == (Decimal(3), Decimal("75.0"), "4/8")


def test_it_takes_the_median_of_scores():
    rows = [(2, None, False), (9, None, False), (4, None, False)]
    assert collective_value(aggregation=Aggregation.MEDIAN, value_type=ValueType.SCORE, rows=rows, members=3).value == 4


def test_it_withholds_a_value_behind_fewer_than_3_companies():
    result = collective_value(
        aggregation=Aggregation.SUM, value_type=ValueType.COUNT, rows=[(4, None, False), (6, None, False)], members=2
    )
    assert result.withheld and "Moins de 3 entreprises" in result.reason


def test_it_withholds_a_value_one_company_dominates():
    rows = [(90, None, False), (5, None, False), (5, None, False)]
    result = collective_value(aggregation=Aggregation.SUM, value_type=ValueType.AMOUNT, rows=rows, members=3)
    assert result.withheld and result.reason.startswith("Une entreprise pèse plus de 85 % du total")
    rows = [(85, None, False), (10, None, False), (5, None, False)]
    assert not collective_value(aggregation=Aggregation.SUM, value_type=ValueType.AMOUNT, rows=rows, members=3).withheld

"""Indicators across territories (ANCT, superusers only): each territory's stored collective value through the
disclosure control, the distribution of the publishable values, each territory's position, national totals that
are sums or ratios of sums (never a mean of ratios), in a constant number of queries; a territory team never
reaches the pages."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pacte.commitments.models import Theme
from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.indicators.collective import national_comparison
from pacte.indicators.models import Aggregation, CollectiveValue, Indicator, ValueType
from pacte.indicators.services import indicator_value_save
from pacte.territories.models import Territory

YEAR = 2025
D = Decimal


def territory_with(name, code, spec, values, *, published=()):
    """A territory with one indicator `code` and member companies' values for YEAR (saved through the services)."""
    territory = Territory.objects.create(name=name, slug=name.lower().replace(" ", "-"), region="Bretagne")
    theme = Theme.objects.create(territory=territory, code="t", name="Thématique", order=1)
    value_type, aggregation = spec
    indicator = Indicator.objects.create(
        territory=territory,
        theme=theme,
        name=f"Indicateur {code}",
        code=code,
        value_type=value_type,
        aggregation=aggregation,
        unit="",
    )
    for n, value in enumerate(values):
        company = Company.objects.create(territory=territory, name=f"{name} {n}")
        Membership.objects.create(company=company, status=MembershipStatus.ACTIVE, starts_on=datetime.date(2024, 1, 1))
        numerator, denominator = value if isinstance(value, tuple) else (value, None)
        indicator_value_save(
            indicator=indicator,
            company=company,
            year=YEAR,
            value=numerator,
            denominator=denominator,
            public=n in published,
            actor=None,
        )
    return territory


@pytest.fixture
def jobs(db):
    spec = (ValueType.COUNT, Aggregation.SUM)
    return [
        territory_with("Alpha", "emplois", spec, [10, 20, 30]),  # 60
        territory_with("Bravo", "emplois", spec, [5, 5, 10, 20]),  # 40
        territory_with("Charlie", "emplois", spec, [100, 200, 300, 400]),  # 1000
        territory_with("Delta", "emplois", spec, [2, 8, 11], published=(0, 1)),  # 21: differencing
        territory_with("Echo", "emplois", spec, [7, 7]),  # too few
    ]


def test_it_compares_the_territories_with_the_disclosure_control(jobs):
    result = national_comparison(code="emplois", year=YEAR)
    by_name = {line.territory_name: line for line in result.lines}
    assert list(by_name) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert (result.published, result.withheld) == (3, 2)
    assert by_name["Delta"].shown.value is None and by_name["Delta"].shown.reason == "differencing"
    assert by_name["Echo"].shown.value is None and by_name["Echo"].shown.reason == "too_few"
    assert [by_name[n].rank for n in ("Charlie", "Alpha", "Bravo")] == [1, 2, 3]
    assert result.median == D(60)
    # The national total: over the publishable territories only (21 and 14 would be given away by difference).
    assert (result.total_kind, result.total) == ("sum", D(1100))


def test_it_takes_the_ratio_of_the_sums_never_the_mean_of_ratios(db):
    spec = (ValueType.PERCENTAGE, Aggregation.RATIO_OF_SUMS)
    territory_with("Foxtrot", "part-femmes", spec, [(1, 10), (2, 10), (3, 10)])  # 6/30 = 20 %
    territory_with("Golf", "part-femmes", spec, [(90, 100), (80, 100), (70, 100), (60, 100)])  # 300/400 = 75 %
    result = national_comparison(code="part-femmes", year=YEAR)
    assert (result.total_kind, result.total) == ("ratio", D(306) / D(430) * 100)  # 71,2 %, not (20 + 75) / 2


def test_it_gives_yes_counts_and_their_share(db):
    spec = (ValueType.BOOLEAN, Aggregation.YES_COUNT)
    territory_with("Hotel", "charte", spec, [1, 1, 1, 0, 0, 0])  # 3 of 6
    territory_with("India", "charte", spec, [1, 1, 1, 1, 1, 1])  # all yes: withheld
    result = national_comparison(code="charte", year=YEAR)
    assert (result.published, result.withheld, result.total, result.total_share) == (1, 1, D(3), D("50.0"))


def test_nadia_reads_the_national_pages(client_for, nadia, jobs):
    c = client_for(nadia)
    listing = c.get(reverse("indicators_national:codes")).content.decode()
    assert "Indicateurs des territoires" in listing and 'href="/national/indicateurs/emplois/"' in listing
    html = c.get(reverse("indicators_national:comparison", args=["emplois"]) + f"?annee={YEAR}").content.decode()
    delta = html.split('data-territory="delta"')[1].split("</tr>")[0]
    assert "secret statistique" in delta and "Des entreprises ont publié leur propre valeur" in delta
    assert ">21<" not in delta and "21" not in delta
    charlie = html.split('data-territory="charlie"')[1].split("</tr>")[0]
    assert "1\u202f000" in charlie and "1/3" in charlie and "Q" in charlie
    assert "Total national" in html and "1\u202f100" in html
    assert "Médiane" in html and "60" in html
    assert c.get(reverse("indicators_national:comparison", args=["inconnu"])).status_code == 404


def test_a_territory_team_never_reaches_the_national_pages(client_for, alice, bob, victor, jobs):
    for user in (alice, bob, victor):
        c = client_for(user)
        assert c.get(reverse("indicators_national:codes")).status_code == 403
        assert c.get(reverse("indicators_national:comparison", args=["emplois"])).status_code == 403
    from django.test import Client

    response = Client().get(reverse("indicators_national:comparison", args=["emplois"]))  # anonymous
    assert response.status_code == 302 and "next=/national/indicateurs/emplois/" in response["Location"]


def test_it_reads_one_row_per_territory_in_a_constant_number_of_queries(client_for, nadia):
    spec = (ValueType.COUNT, Aggregation.SUM)
    for n in range(2):
        territory_with(f"Petit {n}", "apprentis", spec, [1, 2, 3])
    c = client_for(nadia)
    url = reverse("indicators_national:comparison", args=["apprentis"]) + f"?annee={YEAR}"
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    for n in range(8):
        territory_with(f"Grand {n}", "apprentis", spec, [1, 2, 3])
    with CaptureQueriesContext(connection) as many:
        html = c.get(url).content.decode()
    assert len(many) == len(few)
    assert html.count("data-territory=") == 10
    assert CollectiveValue.objects.filter(indicator_code="apprentis", year=YEAR).count() == 10

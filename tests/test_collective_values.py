"""The stored collective values (CollectiveValue): one row per territory, indicator and year, kept up to date by
every write (a value edited by the team or the company, the demo's bulk load, a definition change, a membership
ended), rebuilt by `manage.py refresh_collective_values`, the same as the dashboard computes from the values."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from pacte.companies.models import Company, Membership, MembershipStatus, Representative
from pacte.indicators.collective import collective_values_refresh, collective_values_refresh_territory
from pacte.indicators.demo import indicator_values_demo_load
from pacte.indicators.models import CollectiveValue, Indicator, IndicatorValue, WithheldReason
from pacte.indicators.selectors import territory_dashboard
from pacte.indicators.services import indicator_definition_update, indicator_value_save

YEAR = 2025
D = Decimal


def member(territory, name, **membership):
    company = Company.objects.create(territory=territory, name=name)
    Membership.objects.create(company=company, status=membership.pop("status", MembershipStatus.ACTIVE), **membership)
    return company


@pytest.fixture
def jobs(territory_b):
    return Indicator.objects.get(territory=territory_b, code="qualite-vie-engagements-territoire")


@pytest.fixture
def four(territory_b):
    return [member(territory_b, f"Entreprise {n}", starts_on=datetime.date(2022, 1, 1)) for n in range(4)]


def row(indicator, year=YEAR):
    return CollectiveValue.objects.get(indicator=indicator, year=year)


def test_it_updates_the_row_when_the_team_edits_a_value(client_for, bob, territory_b, jobs, four):
    for n, company in enumerate(four[:3]):
        indicator_value_save(indicator=jobs, company=company, year=YEAR, value=3 + n, actor=None)
    first = row(jobs)
    assert (first.value, first.reporting, first.members, first.withheld_reason) == (D(12), 3, 4, "")
    assert (first.indicator_code, first.territory_id) == (jobs.code, territory_b.pk)
    # The team edits company 0's value through its page: the row follows, in the same request.
    response = client_for(bob).post(
        reverse("indicators:detail", args=[territory_b.slug, jobs.pk]),
        {"company": four[0].pk, "year": YEAR, "value": "100", "verification": "declared"},
    )
    assert response.status_code == 302
    edited = row(jobs)
    assert edited.pk == first.pk and (edited.value, edited.withheld_reason) == (D(109), WithheldReason.DOMINANT)
    # "Sans objet": no longer a contributor.
    indicator_value_save(indicator=jobs, company=four[0], year=YEAR, not_applicable=True, actor=None)
    assert (row(jobs).value, row(jobs).reporting, row(jobs).not_applicable) == (D(9), 2, 1)
    assert row(jobs).withheld_reason == WithheldReason.TOO_FEW


def test_it_updates_the_row_when_a_company_enters_or_publishes_its_value(client_for, territory_b, jobs, four):
    from django.contrib.auth import get_user_model

    for n, company in enumerate(four[1:]):
        indicator_value_save(indicator=jobs, company=company, year=YEAR, value=10 + n, actor=None)
    assert row(jobs).withheld_reason == ""
    user = get_user_model().objects.create_user(username="rep-b", password="x")
    Representative.objects.create(user=user, company=four[1])
    url = reverse("indicators:company", args=[four[1].pk]) + f"?annee={YEAR}"
    response = client_for(user).post(url, {"indicator": jobs.pk, f"i{jobs.pk}-value": "10", f"i{jobs.pk}-public": "on"})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(indicator=jobs, company=four[1], year=YEAR).public
    # One of 3 published: 2 remain, anyone subtracts: withheld for differencing.
    assert row(jobs).withheld_reason == WithheldReason.DIFFERENCING


def test_it_updates_the_rows_when_a_membership_ends(territory_b, jobs, four):
    for year in (2024, 2025):
        for company in four:
            indicator_value_save(indicator=jobs, company=company, year=year, value=5, actor=None)
    assert (row(jobs, 2024).members, row(jobs, 2025).members, row(jobs, 2025).value) == (4, 4, D(20))
    membership = Membership.objects.get(company=four[3])
    membership.status, membership.ends_on = MembershipStatus.ENDED, datetime.date(2024, 12, 31)
    membership.save()
    collective_values_refresh_territory(territory_b)  # what the membership services call
    # 2025: the company had left; 2024: it was a member, its value still counts.
    assert (row(jobs, 2025).members, row(jobs, 2025).reporting, row(jobs, 2025).value) == (3, 3, D(15))
    assert (row(jobs, 2024).members, row(jobs, 2024).reporting, row(jobs, 2024).value) == (4, 4, D(20))


def test_it_refreshes_once_after_a_bulk_load_and_matches_the_dashboard(territory_a):
    for n in range(6):
        member(territory_a, f"Démo {n}")
    assert indicator_values_demo_load(territory=territory_a) > 0  # bulk: refresh=False per value, one refresh
    years = [2024, 2025]
    stored = {(r.indicator_id, r.year): r for r in CollectiveValue.objects.for_territory(territory_a)}
    assert stored
    for line in territory_dashboard(territory=territory_a, years=years):
        for year, c in line["years"].items():
            r = stored.get((line["indicator"].pk, year))
            if c.reporting == 0 and c.value is None and r is None:
                continue
            assert r is not None, (line["indicator"].code, year)
            assert (r.value, r.reporting, r.members, r.withheld_reason) == (
                None if c.value is None else c.value.quantize(D("0.0001")),
                c.reporting,
                c.members,
                c.withheld_reason,
            ), (line["indicator"].code, year)
    withheld = Indicator.objects.get(territory=territory_a, code="innovation-investissements-renovation")
    assert row(withheld).withheld_reason == WithheldReason.TOO_FEW
    # Idempotent: a second refresh writes nothing.
    assert collective_values_refresh(Indicator.objects.for_territory(territory_a).values_list("pk", flat=True)) == 0


def test_it_copies_the_code_and_follows_a_definition_change(territory_b, jobs, four):
    for company in four[:3]:
        indicator_value_save(indicator=jobs, company=company, year=YEAR, value=4, actor=None)
    indicator_definition_update(indicator=jobs, code="engagements-locaux")
    assert row(jobs).indicator_code == "engagements-locaux"


def test_it_deletes_the_row_when_no_value_is_left(territory_b, jobs, four):
    value = indicator_value_save(indicator=jobs, company=four[0], year=YEAR, value=4, actor=None)
    assert row(jobs).reporting == 1
    value.delete()
    collective_values_refresh([jobs.pk], [YEAR])
    assert not CollectiveValue.objects.filter(indicator=jobs).exists()


def test_the_command_rebuilds_every_row_and_then_writes_nothing(territory_b, jobs, four):
    for company in four:
        IndicatorValue.objects.create(indicator=jobs, company=company, year=YEAR, value=6)  # outside the services
    assert not CollectiveValue.objects.filter(indicator=jobs).exists()
    out = io.StringIO()
    call_command("refresh_collective_values", territory=territory_b.slug, stdout=out)
    assert "1 valeur collective écrite." in out.getvalue()
    assert (row(jobs).value, row(jobs).reporting) == (D(24), 4)
    out = io.StringIO()
    call_command("refresh_collective_values", stdout=out)
    assert "0 valeur collective écrite." in out.getvalue()

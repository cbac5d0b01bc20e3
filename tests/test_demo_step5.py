"""Step 5 in the demo: illustrated meetings, member companies and indicator values, loaded by `load_demo`."""

from pacte.companies.models import Membership, MembershipStatus
from pacte.governance.models import Meeting
from pacte.indicators.models import IndicatorValue
from pacte.indicators.selectors import territory_dashboard
from pacte.replication.services import reference_case_illustrations_load


def test_it_illustrates_step_5_once_even_if_loaded_twice(territory_a):
    reference_case_illustrations_load(territory=territory_a)
    counts = (
        Meeting.objects.filter(territory=territory_a).count(),
        Membership.objects.filter(territory=territory_a).count(),
        IndicatorValue.objects.filter(territory=territory_a).count(),
    )
    reference_case_illustrations_load(territory=territory_a)
    assert counts == (
        Meeting.objects.filter(territory=territory_a).count(),
        Membership.objects.filter(territory=territory_a).count(),
        IndicatorValue.objects.filter(territory=territory_a).count(),
    )
    assert all(counts)
    assert Membership.objects.filter(territory=territory_a, status=MembershipStatus.ACTIVE).count() == 4
    assert not Meeting.objects.filter(territory=territory_a).exclude(agenda__contains="[Illustration]").exists()


def test_it_shows_withheld_and_published_collective_values_in_the_demo(territory_a):
    reference_case_illustrations_load(territory=territory_a)
    cells = [c for row in territory_dashboard(territory=territory_a, years=[2025]) for c in row["years"].values()]
    assert any(c.withheld for c in cells)
    assert any(c.value is not None and not c.withheld for c in cells)

"""The land demo: the 20 ha of the Rochefort-Charente Maritime airport, a closed call scored by its committee,
loaded by `load_demo` through `reference_case_illustrations_load`."""

from stdnum.fr import siren

from pacte.land.demo import CALL_TITLE, PARCEL_NAME, land_demo_load
from pacte.land.models import (
    Application,
    ApplicationStatus,
    CallStatus,
    CommitteeMember,
    ConflictOfInterest,
    Criterion,
    Decision,
    LandCall,
    LandEnvelope,
    LandUse,
    Parcel,
    Score,
    ScreeningRule,
)
from pacte.land.scoring import CriterionRule, ranking, stability
from pacte.replication.services import reference_case_illustrations_load

MODELS = (
    Parcel,
    LandEnvelope,
    LandCall,
    Criterion,
    ScreeningRule,
    Application,
    CommitteeMember,
    ConflictOfInterest,
    Score,
)


def _counts(territory):
    return [model.objects.filter(territory=territory).count() for model in MODELS]


def test_it_loads_the_airport_land_of_the_reference_case(territory_a):
    land_demo_load(territory=territory_a)
    parcel = Parcel.objects.get(territory=territory_a, name=PARCEL_NAME)
    assert parcel.area_ha == 20
    assert (parcel.commune.insee_code, parcel.commune.name) == ("17308", "Saint-Agnant")
    assert parcel.commune.intercommunality.territories.filter(pk=territory_a.pk).exists()
    assert parcel.vocation == "Aéronautique"
    # The source does not say what the land is today: counted as agricultural, and said so.
    assert parcel.land_use == LandUse.AGRICULTURAL and "[Illustration]" in parcel.constraints
    assert "[Illustration]" in LandEnvelope.objects.get(territory=territory_a).note

    call = LandCall.objects.get(territory=territory_a, title=CALL_TITLE)
    assert call.status == CallStatus.CLOSED and call.grid_frozen
    assert list(call.parcels.all()) == [parcel]
    criteria = list(call.criteria.all())
    assert 5 <= len(criteria) <= 8
    assert [c.eliminatory for c in criteria].count(True) == 1
    assert all(c.commitment is not None and c.commitment.territory_id == territory_a.pk for c in criteria)
    assert all(len(c.levels) == 6 and all(c.levels) for c in criteria)
    assert call.screening_rules.count() == 1
    assert not Decision.objects.filter(call=call).exists()  # left for the team to try

    applications = list(call.applications.all())
    assert len(applications) == 3
    for application in applications:
        assert application.status == ApplicationStatus.COMPLETE
        assert siren.is_valid(application.siren)
        assert application.project.startswith("[Illustration]")
        assert application.screening.get().passed

    members = list(call.members.all())
    assert len(members) == 4 and all(m.role for m in members)
    (conflict,) = ConflictOfInterest.objects.filter(member__call=call)
    assert not Score.objects.filter(member=conflict.member, application=conflict.application).exists()
    # Every other member scored every criterion of every application.
    assert Score.objects.filter(application__call=call).count() == (len(members) * len(applications) - 1) * len(
        criteria
    )


def test_it_loads_the_land_demo_once_even_if_loaded_twice(territory_a):
    first = land_demo_load(territory=territory_a)
    counts = _counts(territory_a)
    assert land_demo_load(territory=territory_a) == first
    assert _counts(territory_a) == counts
    assert all(counts)


def test_it_ranks_the_demo_applications_with_their_stability(territory_a):
    land_demo_load(territory=territory_a)
    call = LandCall.objects.get(territory=territory_a, title=CALL_TITLE)
    criteria = [
        CriterionRule(c.pk, float(c.weight), c.eliminatory, c.threshold) for c in call.criteria.order_by("order")
    ]
    results = ranking(
        applications=list(call.applications.values_list("pk", flat=True)),
        criteria=criteria,
        scores=Score.objects.filter(application__call=call).values_list(
            "member_id", "application_id", "criterion_id", "value"
        ),
        conflicts=set(ConflictOfInterest.objects.filter(member__call=call).values_list("member_id", "application_id")),
    )
    stability(results=results, criteria=criteria)
    assert [r.rank for r in results] == [1, 2, 3]  # all complete, none eliminated
    assert all(r.stability is not None and 0 <= r.stability <= 1 for r in results)
    assert len({r.total for r in results}) == 3


def test_it_illustrates_the_land_allocation_with_the_rest_of_step_5(territory_a):
    loaded = reference_case_illustrations_load(territory=territory_a)
    assert loaded["land"]["applications"] == 3
    assert LandCall.objects.filter(territory=territory_a, title=CALL_TITLE).count() == 1

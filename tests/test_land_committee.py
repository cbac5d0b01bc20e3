"""The ad hoc committee of a land call: conflicts of interest, scoring, ranking on absolute scales, the frozen
opinion, the elected officials' decision and the allocation, isolation and query budgets."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.governance.models import Action, ActionKind, ActionPlan
from pacte.land.models import (
    Application,
    ApplicationOpinion,
    ApplicationStatus,
    Availability,
    CallStatus,
    CommitteeMember,
    ConflictOfInterest,
    Criterion,
    Decision,
    LandCall,
    LandEvent,
    Opinion,
    Parcel,
    Score,
)
from pacte.land.selectors import call_ranking, committee_progress
from pacte.land.services_committee import (
    allocation_record,
    conflict_declare,
    decision_sign,
    opinion_set,
    score_set,
    scores_save,
)
from pacte.territories.models import Commune

LEVELS = ["Absent", "Très faible", "Faible", "Moyen", "Bon", "Excellent"]
SIRENS = ["732829320", "552100554", "542065479", "443061841", "542107651", "775670417", "410494496", "383474814"]


def _siren(i):
    return SIRENS[i % len(SIRENS)] if i < len(SIRENS) else f"{100000000 + i}"


def make_call(territory, *, applications=3, status=CallStatus.CLOSED, eliminatory_threshold=None):
    commune = Commune.objects.filter(intercommunality__isnull=False).order_by("insee_code").first()
    parcel = Parcel.objects.create(
        territory=territory,
        name="Aéroport — zone Nord",
        area_ha=Decimal("20"),
        commune=commune,
        vocation="aéronautique",
    )
    call = LandCall.objects.create(
        territory=territory,
        title="Appel foncier aéronautique",
        opens_on=datetime.date(2025, 1, 1),
        closes_on=datetime.date(2025, 3, 1),
        status=status,
    )
    call.parcels.add(parcel)
    criteria = [
        Criterion.objects.create(territory=territory, call=call, name="Emplois", weight=2, levels=LEVELS, order=1),
        Criterion.objects.create(
            territory=territory,
            call=call,
            name="Sobriété foncière",
            weight=1,
            levels=LEVELS,
            order=2,
            eliminatory=eliminatory_threshold is not None,
            threshold=eliminatory_threshold,
        ),
    ]
    apps = [make_application(call, i) for i in range(applications)]
    return call, criteria, apps, parcel


def make_application(call, i, **extra):
    fields = {
        "territory": call.territory,
        "call": call,
        "company_name": f"Aéro {i}",
        "siren": _siren(i),
        "contact_email": f"contact{i}@example.org",
        "project": "Atelier de maintenance",
        "surface_ha": Decimal("5"),
        "status": ApplicationStatus.COMPLETE,
    }
    fields.update(extra)
    return Application.objects.create(**fields)


def member(call, name="Direction de l'Économie de l'EPCI", user=None):
    return CommitteeMember.objects.create(territory=call.territory, call=call, name=name, role="EPCI", user=user)


def score_all(m, apps, criteria, values, actor=None):
    """values: {application index: [value per criterion]}"""
    entries = [(apps[i], c, v, "") for i, row in values.items() for c, v in zip(criteria, row, strict=True)]
    scores_save(member=m, entries=entries, actor=actor)


def complete_scoring(call):
    """Every member scores what is left (3), except where they declared a conflict: signing requires it."""
    conflicts = set(ConflictOfInterest.objects.filter(member__call=call).values_list("member_id", "application_id"))
    for m in call.members.all():
        for application in call.applications.filter(status=ApplicationStatus.COMPLETE):
            if (m.pk, application.pk) in conflicts:
                continue
            for criterion in call.criteria.all():
                Score.objects.get_or_create(
                    territory=call.territory,
                    member=m,
                    application=application,
                    criterion=criterion,
                    defaults={"value": 3},
                )


@pytest.fixture
def setup(territory_a, alice):
    call, criteria, apps, parcel = make_call(territory_a)
    m1, m2 = member(call), member(call, "ADI")
    return call, criteria, apps, parcel, m1, m2


# ---------------------------------------------------------------------------------------------------------------
# Conflicts of interest


def test_it_refuses_a_score_from_a_conflicted_member(setup, alice):
    call, criteria, apps, _parcel, m1, _m2 = setup
    score_set(member=m1, application=apps[0], criterion=criteria[0], value=4, actor=alice)
    conflict_declare(member=m1, application=apps[0], reason="Ancien salarié du porteur", actor=alice)
    assert not Score.objects.filter(member=m1, application=apps[0]).exists()  # deleted
    assert LandEvent.objects.filter(call=call, data__kind="scores_deleted", actor=alice).exists()
    with pytest.raises(ValidationError, match="conflit d'intérêts"):
        score_set(member=m1, application=apps[0], criterion=criteria[0], value=3, actor=alice)
    assert not Score.objects.filter(member=m1, application=apps[0]).exists()


def test_it_hides_and_refuses_the_conflicted_application_in_the_sheet(setup, alice, client_for):
    call, criteria, apps, _parcel, m1, _m2 = setup
    conflict_declare(member=m1, application=apps[0], reason="Actionnaire", actor=alice)
    client = client_for(alice)
    url = reverse("land:scoring", args=[call.territory.slug, call.pk, m1.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'data-application="{apps[0].pk}"' not in page.content.decode()
    assert f'data-application="{apps[1].pk}"' in page.content.decode()
    response = client.post(url, {f"s-{apps[0].pk}-{criteria[0].pk}": "5"})
    assert response.status_code == 400
    assert "conflit d'intérêts" in response.content.decode()
    assert not Score.objects.filter(member=m1).exists()


def test_it_declares_a_conflict_through_the_committee_page(setup, alice, client_for):
    call, _criteria, apps, _parcel, m1, _m2 = setup
    client = client_for(alice)
    url = reverse("land:committee", args=[call.territory.slug, call.pk])
    response = client.post(
        url,
        {
            "action": "conflict",
            "conflict-member": m1.pk,
            "conflict-application": apps[1].pk,
            "conflict-reason": "Cousin",
        },
    )
    assert response.status_code == 302
    assert m1.conflicts.filter(application=apps[1]).exists()
    progress = {p.member.pk: p for p in committee_progress(call)}
    assert progress[m1.pk].expected == 2 * 2  # 3 applications, one conflicted, × 2 criteria
    page = client.get(url)
    assert "Cousin" in page.content.decode()


def test_it_adds_and_removes_members(setup, alice, client_for):
    call, *_rest = setup
    client = client_for(alice)
    url = reverse("land:committee", args=[call.territory.slug, call.pk])
    response = client.post(
        url, {"action": "add_member", "member-name": "Ambassadeur local", "member-role": "ambassadeur"}
    )
    assert response.status_code == 302
    added = CommitteeMember.objects.get(call=call, name="Ambassadeur local")
    response = client.post(url, {"action": "remove_member", "member": added.pk})
    assert response.status_code == 302
    assert not CommitteeMember.objects.filter(pk=added.pk).exists()
    assert LandEvent.objects.filter(call=call, data__kind="member_removed", actor=alice).exists()


# ---------------------------------------------------------------------------------------------------------------
# Scoring rules


def test_it_refuses_values_outside_0_to_5(setup, alice, client_for):
    call, criteria, apps, _parcel, m1, _m2 = setup
    for bad in (6, -1, 2.5, True):
        with pytest.raises(ValidationError):
            score_set(member=m1, application=apps[0], criterion=criteria[0], value=bad, actor=alice)
    client = client_for(alice)
    url = reverse("land:scoring", args=[call.territory.slug, call.pk, m1.pk])
    assert client.post(url, {f"s-{apps[0].pk}-{criteria[0].pk}": "7"}).status_code == 400
    assert not Score.objects.exists()


def test_it_upserts_scores_from_the_sheet(setup, alice, client_for):
    call, criteria, apps, _parcel, m1, _m2 = setup
    client = client_for(alice)
    url = reverse("land:scoring", args=[call.territory.slug, call.pk, m1.pk])
    key = f"{apps[0].pk}-{criteria[0].pk}"
    assert client.post(url, {f"s-{key}": "3", f"c-{key}": "Correct"}).status_code == 302
    assert client.post(url, {f"s-{key}": "4", f"c-{key}": "Revu"}).status_code == 302
    score = Score.objects.get(member=m1)
    assert (score.value, score.comment) == (4, "Revu")
    events = LandEvent.objects.filter(call=call, data__kind="score")
    assert events.count() == 2 and all(e.actor == alice for e in events)
    assert events.first().data["before"] == 3
    page = client.get(url).content.decode()
    assert LEVELS[5] in page  # the level descriptors are shown


def test_it_refuses_scoring_before_closing_and_after_signing(territory_a, alice):
    call, criteria, apps, _parcel = make_call(territory_a, applications=1, status=CallStatus.OPEN)
    m = member(call)
    with pytest.raises(ValidationError, match="clos"):
        score_set(member=m, application=apps[0], criterion=criteria[0], value=3, actor=alice)
    call.status = CallStatus.CLOSED
    call.save()
    score_all(m, apps, criteria, {0: [3, 3]}, alice)
    opinion_set(call=call, application=apps[0], opinion=Opinion.FAVOURABLE, justification="Bon projet", actor=alice)
    complete_scoring(call)
    decision_sign(call=call, actor=alice)
    with pytest.raises(ValidationError):
        score_set(member=m, application=apps[0], criterion=criteria[0], value=5, actor=alice)
    assert Score.objects.get(member=m, criterion=criteria[0]).value == 3


# ---------------------------------------------------------------------------------------------------------------
# Ranking


def test_it_eliminates_an_application_under_an_eliminatory_threshold(territory_a, alice):
    call, criteria, apps, _parcel = make_call(territory_a, applications=2, eliminatory_threshold=3)
    m = member(call)
    score_all(m, apps, criteria, {0: [5, 2], 1: [1, 3]}, alice)  # app 0 is far better on jobs, but under threshold
    results = {r.application_id: r for r in call_ranking(call)}
    assert results[apps[0].pk].eliminated_by == [criteria[1].pk]
    assert results[apps[0].pk].rank is None
    assert results[apps[1].pk].rank == 1


def test_it_keeps_totals_and_order_when_an_application_is_withdrawn(setup, alice):
    call, criteria, apps, _parcel, m1, m2 = setup
    score_all(m1, apps, criteria, {0: [3, 4], 1: [5, 1], 2: [4, 4]}, alice)
    score_all(m2, apps, criteria, {0: [4, 4], 1: [4, 2], 2: [2, 5]}, alice)
    before = {r.application_id: r.total for r in call_ranking(call)}
    order_before = [r.application_id for r in call_ranking(call) if r.application_id != apps[1].pk]
    apps[1].status = ApplicationStatus.WITHDRAWN
    apps[1].save()
    after = call_ranking(call)
    assert {r.application_id: r.total for r in after} == {k: v for k, v in before.items() if k != apps[1].pk}
    assert [r.application_id for r in after] == order_before
    apps[1].delete()
    assert [r.application_id for r in call_ranking(call)] == order_before


def test_it_shows_the_ranking_with_stability(setup, alice, client_for):
    call, criteria, apps, _parcel, m1, _m2 = setup
    score_all(m1, apps, criteria, {0: [3, 4], 1: [5, 1], 2: [4, 4]}, alice)
    page = client_for(alice).get(reverse("land:ranking", args=[call.territory.slug, call.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "retirer une candidature ne peut pas modifier l'ordre des autres" in html
    assert "ne rapportent jamais de points" in html
    assert "notation incomplète" in html  # the second member has not scored
    assert " %" in html


def test_it_bounds_the_queries_of_the_ranking_page(territory_a, alice, client_for):
    call, criteria, apps, _parcel = make_call(territory_a, applications=1)
    members = [member(call, f"Membre {i}") for i in range(3)]
    conflict_declare(member=members[0], application=apps[0], reason="lien", actor=alice)
    client = client_for(alice)
    url = reverse("land:ranking", args=[call.territory.slug, call.pk])

    def measure():
        for m in members:
            score_all(m, apps, criteria, {i: [3, 4] for i in range(len(apps)) if i or m != members[0]}, alice)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    once = measure()
    apps.extend(make_application(call, i) for i in range(1, 10))
    tenfold = measure()
    assert once == tenfold
    assert once <= 16


# ---------------------------------------------------------------------------------------------------------------
# The opinion, its signature, the elected officials' decision


def _scored_and_opined(call, criteria, apps, m1, alice):
    score_all(m1, apps, criteria, {0: [5, 5], 1: [3, 3], 2: [1, 1]}, alice)
    opinion_set(call=call, application=apps[0], opinion=Opinion.FAVOURABLE, justification="Le meilleur", actor=alice)
    opinion_set(call=call, application=apps[1], opinion=Opinion.FAVOURABLE, justification="Solide", actor=alice)
    opinion_set(call=call, application=apps[2], opinion=Opinion.UNFAVOURABLE, justification="Faible", actor=alice)


def test_it_freezes_the_signed_opinion(setup, alice, client_for):
    call, criteria, apps, _parcel, m1, _m2 = setup
    _scored_and_opined(call, criteria, apps, m1, alice)
    client = client_for(alice)
    url = reverse("land:decision", args=[call.territory.slug, call.pk])
    complete_scoring(call)
    assert client.post(url, {"action": "sign"}).status_code == 302
    decision = Decision.objects.get(call=call)
    call.refresh_from_db()
    assert call.status == CallStatus.DECIDED
    assert decision.signed_by == alice and decision.signed_at is not None
    frozen = decision.frozen
    assert [r["rank"] for r in frozen["ranking"]] == [1, 2, 3]
    assert frozen["ranking"][0]["opinion"] == Opinion.FAVOURABLE and frozen["ranking"][0]["stability"] is not None
    snapshot = list(ApplicationOpinion.objects.values_list("application_id", "opinion", "justification"))

    with pytest.raises(ValidationError, match="signé"):
        opinion_set(call=call, application=apps[2], opinion=Opinion.FAVOURABLE, justification="Revu", actor=alice)
    response = client.post(
        url, {"action": "opinion", "application": apps[2].pk, "opinion": "favourable", "justification": "Revu"}
    )
    assert response.status_code == 400
    assert client.post(url, {"action": "dissent", "dissent": "Après coup"}).status_code == 400
    complete_scoring(call)
    assert client.post(url, {"action": "sign"}).status_code == 400
    decision.refresh_from_db()
    assert decision.frozen == frozen and decision.dissent == ""
    assert list(ApplicationOpinion.objects.values_list("application_id", "opinion", "justification")) == snapshot
    with pytest.raises(ValidationError):
        conflict_declare(member=m1, application=apps[0], reason="Tardif", actor=alice)
    assert LandEvent.objects.filter(call=call, data__kind="decision_signed", actor=alice).exists()
    assert LandEvent.objects.filter(call=call, data__kind="opinion", actor=alice).count() == 3


def test_it_requires_every_opinion_before_signing(setup, alice):
    call, criteria, apps, _parcel, m1, _m2 = setup
    opinion_set(call=call, application=apps[0], opinion=Opinion.FAVOURABLE, justification="Ok", actor=alice)
    with pytest.raises(ValidationError, match="avis"):
        complete_scoring(call)
        decision_sign(call=call, actor=alice)
    assert Decision.objects.get(call=call).signed_at is None


def test_it_requires_a_reason_when_the_final_decision_departs_from_the_ranking(setup, alice, client_for):
    call, criteria, apps, parcel, m1, _m2 = setup
    _scored_and_opined(call, criteria, apps, m1, alice)
    complete_scoring(call)
    decision = decision_sign(call=call, actor=alice)
    with pytest.raises(ValidationError, match="motif"):
        allocation_record(decision=decision, application=apps[1], reason="  ", actor=alice)
    client = client_for(alice)
    url = reverse("land:decision", args=[call.territory.slug, call.pk])
    response = client.post(url, {"action": "final", "application": apps[1].pk, "reason": ""})
    assert response.status_code == 400
    assert "motif" in response.content.decode()
    decision.refresh_from_db()
    assert decision.final_application is None
    parcel.refresh_from_db()
    assert parcel.availability != Availability.ALLOCATED
    response = client.post(url, {"action": "final", "application": apps[1].pk, "reason": "Projet plus local"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.final_application == apps[1] and decision.final_reason == "Projet plus local"
    assert decision.final_decided_at is not None
    assert LandEvent.objects.filter(call=call, data__kind="final_decision", actor=alice).exists()


def test_it_allocates_and_turns_commitments_into_an_action_plan(setup, alice):
    call, criteria, apps, parcel, m1, _m2 = setup
    first = apps[0]
    first.density = "Bâtiment sur deux niveaux"
    first.rainwater = "Cuve de 200 m³"
    first.vegetated_share = Decimal("30.0")
    first.training_hiring = "10 apprentis par an"
    first.save()
    _scored_and_opined(call, criteria, apps, m1, alice)
    complete_scoring(call)
    decision = decision_sign(call=call, actor=alice)
    allocation_record(decision=decision, application=first, reason="", actor=alice)  # the recommended one
    parcel.refresh_from_db()
    assert parcel.availability == Availability.ALLOCATED
    company = Company.objects.get(territory=call.territory, siren=first.siren)
    membership = Membership.objects.get(company=company)
    assert membership.status == MembershipStatus.INVITED
    actions = list(Action.objects.filter(plan=ActionPlan.objects.get(membership=membership)).order_by("order"))
    assert len(actions) == 4
    assert all(a.kind == ActionKind.COMMITMENT for a in actions)
    assert all(a.text.startswith("Engagement pris dans la candidature : ") for a in actions)
    assert "30 %" in " ".join(a.text for a in actions)
    first.refresh_from_db()
    assert first.company == company
    with pytest.raises(ValidationError, match="déjà"):
        allocation_record(decision=decision, application=apps[1], reason="autre", actor=alice)


def test_it_reuses_an_existing_company_by_siren(setup, alice):
    call, criteria, apps, _parcel, m1, _m2 = setup
    existing = Company.objects.create(territory=call.territory, name="Ancien nom", siren=apps[0].siren)
    _scored_and_opined(call, criteria, apps, m1, alice)
    complete_scoring(call)
    decision = decision_sign(call=call, actor=alice)
    allocation_record(decision=decision, application=apps[0], reason="", actor=alice)
    assert Company.objects.filter(territory=call.territory, siren=apps[0].siren).count() == 1
    assert Membership.objects.filter(company=existing, status=MembershipStatus.INVITED).exists()


def test_it_renders_the_signed_opinion_as_pdf(setup, alice, client_for):
    call, criteria, apps, _parcel, m1, _m2 = setup
    client = client_for(alice)
    url = reverse("land:decision_pdf", args=[call.territory.slug, call.pk])
    assert client.get(url).status_code == 404  # nothing signed yet
    _scored_and_opined(call, criteria, apps, m1, alice)
    complete_scoring(call)
    decision = decision_sign(call=call, actor=alice)
    allocation_record(decision=decision, application=apps[1], reason="Ancrage local", actor=alice)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# ---------------------------------------------------------------------------------------------------------------
# Isolation


def _urls(call, m):
    slug = call.territory.slug
    return [
        reverse("land:committee", args=[slug, call.pk]),
        reverse("land:scoring", args=[slug, call.pk, m.pk]),
        reverse("land:ranking", args=[slug, call.pk]),
        reverse("land:decision", args=[slug, call.pk]),
    ]


def test_it_isolates_every_url(setup, alice, bob, victor, client, client_for, territory_b):
    call, criteria, apps, _parcel, m1, _m2 = setup
    _scored_and_opined(call, criteria, apps, m1, alice)
    complete_scoring(call)
    decision_sign(call=call, actor=alice)
    urls = [*_urls(call, m1), reverse("land:decision_pdf", args=[call.territory.slug, call.pk])]
    for url in urls:  # anonymous → login
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response["Location"]
    bob_client = client_for(bob)
    for url in urls:
        assert bob_client.get(url).status_code in (403, 404)
        assert bob_client.post(url, {"action": "sign"}).status_code in (403, 404, 405)
    # bob's own slug with A's primary keys → 404
    for url in [
        reverse("land:committee", args=[territory_b.slug, call.pk]),
        reverse("land:scoring", args=[territory_b.slug, call.pk, m1.pk]),
        reverse("land:ranking", args=[territory_b.slug, call.pk]),
        reverse("land:decision", args=[territory_b.slug, call.pk]),
        reverse("land:decision_pdf", args=[territory_b.slug, call.pk]),
    ]:
        assert bob_client.get(url).status_code == 404
    victor_client = client_for(victor)
    for url in urls:
        assert victor_client.get(url).status_code == 200
    assert victor_client.post(urls[0], {"action": "add_member", "member-name": "X"}).status_code == 403
    assert victor_client.post(urls[1], {}).status_code == 403
    assert victor_client.post(urls[3], {"action": "final", "application": apps[0].pk}).status_code == 403
    assert not CommitteeMember.objects.filter(name="X").exists()
    assert Decision.objects.get(call=call).final_application is None


def test_it_lets_a_member_user_open_only_their_own_sheet(setup, alice, client_for):
    call, criteria, apps, _parcel, m1, m2 = setup
    outsider = get_user_model().objects.create_user(username="dirigeant", password="x")
    m1.user = outsider
    m1.save()
    client = client_for(outsider)
    own = reverse("land:scoring", args=[call.territory.slug, call.pk, m1.pk])
    other = reverse("land:scoring", args=[call.territory.slug, call.pk, m2.pk])
    assert client.get(own).status_code == 200
    key = f"{apps[0].pk}-{criteria[0].pk}"
    assert client.post(own, {f"s-{key}": "4", f"c-{key}": "Vu sur place"}).status_code == 302
    assert Score.objects.get(member=m1).value == 4
    assert LandEvent.objects.filter(call=call, data__kind="score", actor=outsider).exists()
    assert client.get(other).status_code == 403
    assert client.post(other, {f"s-{key}": "1"}).status_code == 403
    assert not Score.objects.filter(member=m2).exists()
    for name in ("land:committee", "land:ranking", "land:decision"):
        assert client.get(reverse(name, args=[call.territory.slug, call.pk])).status_code == 403


def test_it_refuses_to_sign_before_every_member_has_scored(setup, alice):
    call, criteria, apps, _parcel, m1, m2 = setup
    LandCall.objects.filter(pk=call.pk).update(status=CallStatus.CLOSED)
    score_all(m1, apps, criteria, {i: [3, 3] for i in range(len(apps))}, alice)
    decision = Decision.objects.create(territory=call.territory, call=call)
    for application in apps:
        ApplicationOpinion.objects.create(
            territory=call.territory,
            decision=decision,
            application=application,
            opinion=Opinion.DEFERRED,
            justification="-",
        )
    with pytest.raises(ValidationError, match="La notation n'est pas terminée : ADI"):
        decision_sign(call=call, actor=alice)
    assert not Decision.objects.filter(call=call, signed_at__isnull=False).exists()

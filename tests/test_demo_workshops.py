"""The reference case's step 2 in the demo: two closed workshops, a decision, two versions of the commitments."""

from pacte.commitments.models import CommitmentsVersion
from pacte.workshops.models import Idea, Reaction, Resolution, Workshop, WorkshopKind, WorkshopStatus
from pacte.workshops.services import unresolved


def test_it_holds_the_two_workshops_of_the_method_closed(territory_a):
    workshops = Workshop.objects.filter(territory=territory_a).order_by("starts_at")
    assert [(w.kind, w.status, w.duration_minutes) for w in workshops] == [
        (WorkshopKind.COMMITMENTS, WorkshopStatus.CLOSED, 180),
        (WorkshopKind.GOVERNANCE, WorkshopStatus.CLOSED, 180),
    ]


def test_it_leaves_no_veto_nor_adjustment_waiting(territory_a):
    assert Reaction.objects.filter(territory=territory_a).exists()
    assert not unresolved(territory=territory_a).exists()
    resolution = Resolution.objects.get(territory=territory_a)
    assert resolution.outcome == Resolution.Outcome.KEPT and resolution.reason


def test_it_answers_the_governance_questions_with_what_the_pact_adopted(territory_a, source_text):
    ideas = Idea.objects.filter(workshop__territory=territory_a, workshop__kind=WorkshopKind.GOVERNANCE)
    assert {i.question for i in ideas} == {"duree", "indicateurs", "instances", "reussite"}
    for idea in ideas.exclude(text__startswith="[Illustration]"):
        assert idea.text.lower() in " ".join(source_text.split()).lower(), idea.text


def test_it_keeps_the_commitments_before_and_after_the_workshops(territory_a):
    versions = list(CommitmentsVersion.objects.filter(territory=territory_a).order_by("number"))
    assert [(v.number, v.label) for v in versions] == [
        (1, "Première version, issue des entretiens"),
        (2, "Version validée après les ateliers"),
    ]
    assert sum(len(t["commitments"]) for t in versions[0].content) == 12
    assert versions[1].changelog == "Aucun changement depuis la version 1."

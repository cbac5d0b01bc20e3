"""Demo of the thematic groups: their cadence from the source, and a year of illustrative meetings.

The cadence comes from each group's "Animation" line of the source ("Rencontres trimestrielles…",
"Comité semestriel", "comité ad hoc…"). The meetings of 2025 follow that cadence; their agenda and minutes are
marked "[Illustration]": they show what a year of committees looks like, not what happened.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from pacte.territories.models import Territory

from .models import Cadence, FollowUpAction, Meeting, ThematicGroup

ILLUSTRATION = "[Illustration]"
DEMO_YEAR = 2025

# Meeting months per cadence (quarterly: one per quarter; semi-annual: spring and autumn; ad hoc: one).
MONTHS = {Cadence.QUARTERLY: [3, 6, 9, 12], Cadence.SEMIANNUAL: [4, 10], Cadence.AD_HOC: [5], Cadence.YEARLY: [6]}

# Places named by the source for the groups that have one; otherwise the EPCI hosts.
PLACES = {
    "formation-emploi": "Maison des Industries",
    "innovation": "Technopôle de l'Arsenal, Rochefort",
    "implantation-mutualisation": "Aéroport Rochefort - Charente-Maritime",
}
DEFAULT_PLACE = "Siège de l'EPCI animateur"


def cadence_from_animation(animation: str) -> str:
    """The cadence written in a group's "Animation" line; the first rhythm named wins.

    "Comité semestriel, animations ad hoc…" is semi-annual (the ad hoc animations come on top).
    A line that names no rhythm (the groups run by existing instances, like "Mobilités et logement")
    is ad hoc: the group meets when those instances do.
    """
    text = (animation or "").lower().replace("-", " ")
    found = [
        (text.find(word), cadence)
        for word, cadence in (
            ("trimestri", Cadence.QUARTERLY),
            ("semestri", Cadence.SEMIANNUAL),
            ("annuel", Cadence.YEARLY),
            ("ad hoc", Cadence.AD_HOC),
        )
        if word in text
    ]
    return min(found)[1] if found else Cadence.AD_HOC


def _agenda(group: ThematicGroup, index: int) -> str:
    first = group.objective_list[0] if group.objective_list else group.name
    indicator = group.example_indicator_list[0] if group.example_indicator_list else ""
    items = [
        f"{ILLUSTRATION} Tour de table des participants et actualités des entreprises",
        f"{ILLUSTRATION} Point d'étape sur l'objectif : {first}",
    ]
    if indicator:
        items.append(f"{ILLUSTRATION} Suivi de l'indicateur : {indicator}")
    items.append(
        f"{ILLUSTRATION} Actions de suivi de la réunion précédente"
        if index
        else f"{ILLUSTRATION} Feuille de route de l'année"
    )
    return "\n".join(items)


def _minutes(group: ThematicGroup) -> str:
    return (
        f"{ILLUSTRATION} Compte rendu fictif de démonstration de la réunion du {group.name.lower()}. "
        "Les participants ont fait le point sur les engagements du pacte et sur les indicateurs de la thématique. "
        "Les élus, qui ne siègent pas dans le groupe, seront consultés sur les points qui demandent une décision."
    )


@transaction.atomic
def committees_demo_load(*, territory: Territory) -> dict:
    """Sets the cadence of the territory's thematic groups and creates the illustrative meetings of 2025.

    Idempotent: the illustrative meetings of an earlier run are replaced; the team's own meetings are kept.
    Returns counts for a one-line summary.
    """
    tz = timezone.get_current_timezone()
    Meeting.objects.for_territory(territory).filter(agenda__startswith=ILLUSTRATION).delete()
    groups = list(ThematicGroup.objects.for_territory(territory).select_related("theme").order_by("order", "pk"))
    meetings = actions = 0
    for group in groups:
        group.cadence = cadence_from_animation(group.animation)
        group.save(update_fields=["cadence"])
        place = PLACES.get(group.theme.code, DEFAULT_PLACE)
        group_meetings = []
        for index, month in enumerate(MONTHS[group.cadence]):
            day = 10 + (group.order % 5) * 3  # spread the groups across the month
            starts_at = datetime.datetime(DEMO_YEAR, month, day, 9, 30, tzinfo=tz)
            group_meetings.append(
                Meeting.objects.create(
                    territory=territory,
                    group=group,
                    order=index,
                    starts_at=starts_at,
                    place=place,
                    agenda=_agenda(group, index),
                    minutes=_minutes(group),
                    decisions=f"{ILLUSTRATION} Valider le calendrier des prochaines réunions\n"
                    f"{ILLUSTRATION} Partager les indicateurs de la thématique avec les entreprises adhérentes",
                )
            )
        meetings += len(group_meetings)
        first = group_meetings[0]
        FollowUpAction.objects.bulk_create(
            [
                FollowUpAction(
                    territory=territory,
                    meeting=first,
                    order=0,
                    text=f"{ILLUSTRATION} Diffuser le compte rendu aux participants et aux partenaires",
                    owner="Direction de l'Economie de l'EPCI",
                    due_on=first.starts_at.date() + datetime.timedelta(days=14),
                    done=True,
                ),
                FollowUpAction(
                    territory=territory,
                    meeting=first,
                    order=1,
                    text=f"{ILLUSTRATION} Recenser les entreprises prêtes à renseigner les indicateurs de la thématique",
                    owner="Chef de projet Territoire d'industrie",
                    due_on=datetime.date(DEMO_YEAR, 12, 31),
                    done=False,
                ),
            ]
        )
        actions += 2
    return {"groups": len(groups), "meetings": meetings, "follow_up_actions": actions}

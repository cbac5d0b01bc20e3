"""Writes of step 4: the default restitution plan of a territory, and the record of each restitution."""

import datetime

from django.db import transaction

from pacte.publications.models import PactVersion
from pacte.territories.models import Territory

from .models import CIRCLE_DEFAULTS, CIRCLE_RANK, Circle, Presentation

RANK_STEP = 100  # the presentations of one circle are ordered within its block of `order` values


def presentations_for(territory) -> list[Presentation]:
    """The territory's presentations in the widening order of the circles (1 query)."""
    return sorted(
        Presentation.objects.for_territory(territory)
        .select_related("version")
        .defer("version__content", "version__changes"),
        key=lambda p: p.rank,
    )


@transaction.atomic
def presentation_plan_create(*, territory: Territory) -> list[Presentation]:
    """The default plan: one restitution per circle, with what the source says to present there.

    Idempotent: only the circles without any restitution get one. The territory row is locked so that
    two first visits at the same time do not create the plan twice.
    """
    Territory.objects.select_for_update().filter(pk=territory.pk).first()
    present = set(Presentation.objects.for_territory(territory).values_list("circle", flat=True))
    return Presentation.objects.bulk_create(
        Presentation(
            territory=territory,
            circle=circle,
            order=CIRCLE_RANK[circle] * RANK_STEP,
            contents="\n".join(CIRCLE_DEFAULTS[circle]["contents"]),
        )
        for circle in Circle
        if circle not in present
    )


def _check_version(territory_id: int, version: PactVersion | None) -> None:
    if version is not None and version.territory_id != territory_id:
        raise ValueError(f"{version!r} does not belong to territory {territory_id}")


@transaction.atomic
def presentation_update(
    *,
    presentation: Presentation,
    title: str,
    contents: str,
    date: datetime.date | None,
    audience: str,
    version: PactVersion | None,
    questions: str,
    held: bool,
) -> Presentation:
    """Record what happened (or is planned) at one restitution."""
    _check_version(presentation.territory_id, version)
    if held and date is None:
        raise ValueError("a presentation that was held has a date")
    presentation.title = title
    presentation.contents = contents
    presentation.date = date
    presentation.audience = audience
    presentation.version = version
    presentation.questions = questions
    presentation.held = held
    presentation.save()
    return presentation


@transaction.atomic
def presentation_create(
    *,
    territory: Territory,
    circle: str,
    title: str,
    contents: str = "",
    date: datetime.date | None = None,
    audience: str = "",
    version: PactVersion | None = None,
    questions: str = "",
    held: bool = False,
) -> Presentation:
    """One more restitution to a circle (e.g. a second economic meeting), after those already planned there."""
    _check_version(territory.pk, version)
    if held and date is None:
        raise ValueError("a presentation that was held has a date")
    Territory.objects.select_for_update().filter(pk=territory.pk).first()
    last = (
        Presentation.objects.for_territory(territory)
        .filter(circle=circle)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    order = CIRCLE_RANK[circle] * RANK_STEP if last is None else last + 1
    return Presentation.objects.create(
        territory=territory,
        circle=circle,
        order=order,
        title=title,
        contents=contents or "\n".join(CIRCLE_DEFAULTS[Circle(circle)]["contents"]),
        date=date,
        audience=audience,
        version=version,
        questions=questions,
        held=held,
    )


@transaction.atomic
def presentation_plan_version_set(*, territory: Territory, version: PactVersion) -> int:
    """The version of the pact that the restitutions still to come are to present; returns how many."""
    _check_version(territory.pk, version)
    return Presentation.objects.for_territory(territory).filter(held=False).update(version=version)

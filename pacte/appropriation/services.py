"""Writes of step 4: the default restitution plan of a territory, and the record of each restitution."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.publications.models import PactVersion
from pacte.territories.models import Territory

from .models import CIRCLE_DEFAULTS, CIRCLE_RANK, Circle, Presentation, PresentationQuestion

RANK_STEP = 100  # the presentations of one circle are ordered within its block of `order` values


def presentations_for(territory) -> list[Presentation]:
    """The territory's presentations in the widening order of the circles, with their questions (2 queries)."""
    return sorted(
        Presentation.objects.for_territory(territory)
        .select_related("version")
        .prefetch_related("questions")
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


class PresentationError(ValueError):
    """A restitution that contradicts itself: held in the future, or presenting a version published after it."""


def presentation_contradiction(
    *, date: datetime.date | None, held: bool, version: PactVersion | None, today: datetime.date | None = None
) -> tuple[str, str] | None:
    """(field, French message) when the record claims the future as done or presents what did not exist yet."""
    today = today or timezone.localdate()
    if held and date is None:
        return "date", _("Indiquez la date à laquelle la restitution a été tenue.")
    if held and date > today:
        return "date", _(
            "Une restitution datée du %(d)s n'a pas encore pu être tenue : décochez « tenue » pour la planifier."
        ) % {"d": date.strftime("%d/%m/%Y")}
    if version is not None and date is not None and version.published_on > date:
        return "version", _(
            "La version %(n)s a été publiée le %(p)s, après la restitution du %(d)s : elle n'a pas pu y être "
            "présentée. Choisissez une version publiée avant, ou corrigez la date."
        ) % {"n": version.number, "p": version.published_on.strftime("%d/%m/%Y"), "d": date.strftime("%d/%m/%Y")}
    return None


def _check(territory_id: int, *, date, held, version) -> None:
    if version is not None and version.territory_id != territory_id:
        raise ValueError(f"{version!r} does not belong to territory {territory_id}")
    contradiction = presentation_contradiction(date=date, held=held, version=version)
    if contradiction is not None:
        raise PresentationError(contradiction[1])


def _questions_set(presentation: Presentation, questions) -> None:
    """Replace the questions of a restitution by `questions`: (question, answer) pairs, blank questions dropped."""
    presentation.questions.all().delete()
    PresentationQuestion.objects.bulk_create(
        PresentationQuestion(
            territory_id=presentation.territory_id,
            presentation=presentation,
            order=order,
            question=question.strip(),
            answer=(answer or "").strip(),
        )
        for order, (question, answer) in enumerate((q, a) for q, a in questions if (q or "").strip())
    )


@transaction.atomic
def presentation_update(
    *,
    presentation: Presentation,
    title: str,
    contents: str,
    date: datetime.date | None,
    audience: str,
    version: PactVersion | None,
    questions: list[tuple[str, str]],
    held: bool,
) -> Presentation:
    """Record what happened (or is planned) at one restitution, and the questions raised with their answers."""
    _check(presentation.territory_id, date=date, held=held, version=version)
    presentation.title = title
    presentation.contents = contents
    presentation.date = date
    presentation.audience = audience
    presentation.version = version
    presentation.held = held
    presentation.save()
    _questions_set(presentation, questions)
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
    questions: list[tuple[str, str]] = (),
    held: bool = False,
) -> Presentation:
    """One more restitution to a circle (e.g. a second economic meeting), after those already planned there."""
    _check(territory.pk, date=date, held=held, version=version)
    Territory.objects.select_for_update().filter(pk=territory.pk).first()
    last = (
        Presentation.objects.for_territory(territory)
        .filter(circle=circle)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    order = CIRCLE_RANK[circle] * RANK_STEP if last is None else last + 1
    presentation = Presentation.objects.create(
        territory=territory,
        circle=circle,
        order=order,
        title=title,
        contents=contents or "\n".join(CIRCLE_DEFAULTS[Circle(circle)]["contents"]),
        date=date,
        audience=audience,
        version=version,
        held=held,
    )
    _questions_set(presentation, questions)
    return presentation


@transaction.atomic
def presentation_plan_version_set(*, territory: Territory, version: PactVersion) -> int:
    """The version of the pact that the restitutions still to come are to present (not those dated before its
    publication: they could not present it); returns how many."""
    if version.territory_id != territory.pk:
        raise ValueError(f"{version!r} does not belong to territory {territory.pk}")
    return (
        Presentation.objects.for_territory(territory)
        .filter(held=False)
        .exclude(date__lt=version.published_on)
        .update(version=version)
    )

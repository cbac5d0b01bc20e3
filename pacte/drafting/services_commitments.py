"""The commitments of each theme and the actions of their two sides, written in the workspace (step 3).

As in the rest of the pact editor (pacte.drafting.services): a save is refused when the item changed since its form
was loaded (StaleEdit, nothing written), and every change writes one EditRecord per field ("commitment",
"company_action", "territory_action"; a creation has an empty old text, a removal an empty new text, a move the
field "order").

Adapting the template: a commitment whose wording (titles, intros) or actions the team changes stops being the
template's text (`from_template=False`) in the same transaction, so that the roadmap counts its theme as written.
The note is a remark beside the commitment, not its wording: changing it alone does not adapt the commitment.
Reordering commitments within a theme does not change what they say either; reordering the actions of a side does
(the team decides what comes first), so it adapts the commitment.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacte.commitments.models import Commitment, CompanyAction, EditRecord, TerritoryAction
from pacte.land.models import CallStatus, Criterion
from pacte.workshops.services import unresolved

from .services import StaleEdit, fingerprint, history

COMMITMENT = "commitment"
COMMITMENT_FIELDS = ("short_title", "title", "company_intro", "territory_intro", "note")
WORDING_FIELDS = ("short_title", "title", "company_intro", "territory_intro")
ACTION_FIELDS = ("text", "details")


@dataclass(frozen=True)
class Side:
    key: str  # the URL segment
    item_type: str  # EditRecord.item_type
    model: type
    related_name: str
    intro_field: str
    label: str
    one: str


SIDES = {
    "entreprises": Side(
        "entreprises",
        "company_action",
        CompanyAction,
        "company_actions",
        "company_intro",
        gettext_lazy("Les entreprises s'engagent"),
        gettext_lazy("action des entreprises"),
    ),
    "territoire": Side(
        "territoire",
        "territory_action",
        TerritoryAction,
        "territory_actions",
        "territory_intro",
        gettext_lazy("Le territoire s'engage"),
        gettext_lazy("action du territoire"),
    ),
}
SIDE_OF_ITEM_TYPE = {side.item_type: side for side in SIDES.values()}


class RemovalRefused(Exception):
    """The commitment cannot be removed now: `reasons`, in words."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


# The same rules as pacte.drafting.services for the texts kept in the history.
def _text(value) -> str:
    return "" if value is None else str(value)


def _plain(text: str) -> str:
    return _text(text).replace("\r\n", "\n")


def _record(territory, item_type, item_id, field, old, new, user) -> EditRecord:
    return EditRecord(
        territory=territory,
        item_type=item_type,
        item_id=item_id,
        field=field,
        old_text=_text(old),
        new_text=_text(new),
        edited_by=user if user is not None and user.is_authenticated else None,
    )


def _records_of(territory, item_type, item, fields, user, *, removed: bool) -> list[EditRecord]:
    """The texts of an item written from nothing (creation) or taken away (removal); empty texts are not recorded."""
    return [
        _record(
            territory,
            item_type,
            item.pk,
            name,
            getattr(item, name) if removed else "",
            "" if removed else getattr(item, name),
            user,
        )
        for name in fields
        if _text(getattr(item, name))
    ]


def _adapt(commitment_id: int) -> None:
    """The commitment is no longer the template's text (see the module's docstring)."""
    Commitment.objects.filter(pk=commitment_id, from_template=True).update(from_template=False)


def _last(territory, item_type, item_id) -> EditRecord | None:
    return history(territory=territory, item_type=item_type, item_id=item_id).first()


# --- reading -----------------------------------------------------------------------------------------------------


def theme_commitments(*, territory, theme) -> list[Commitment]:
    """The commitments of a theme in order, with the actions of both sides (3 queries)."""
    return list(
        Commitment.objects.for_territory(territory)
        .filter(theme=theme)
        .order_by("order", "pk")
        .prefetch_related(
            Prefetch("company_actions", queryset=CompanyAction.objects.order_by("order", "pk")),
            Prefetch("territory_actions", queryset=TerritoryAction.objects.order_by("order", "pk")),
        )
    )


def removal_blockers(*, commitment: Commitment) -> list[str]:
    """Why the commitment cannot be removed now (empty: it can). 2 queries.

    - a veto or an adjustment from a workshop still waits for a decision (the rule of the readiness check,
      pacte.workshops.services.unresolved): removing the commitment would silently drop what participants said;
    - it is the criterion of a land call whose grid is frozen (the call has opened): the applications are scored on
      it.
    """
    reasons = []
    pending = list(
        unresolved(territory=commitment.territory).filter(commitment=commitment).values_list("kind", flat=True)
    )
    if pending:
        n = len(pending)
        reasons.append(
            (
                _("%(n)s veto ou ajustement d'atelier attend encore une décision sur cet engagement")
                if n == 1
                else _("%(n)s vetos ou ajustements d'atelier attendent encore une décision sur cet engagement")
            )
            % {"n": n}
            + " "
            + _("(tranchez-les d'abord dans « Vetos et ajustements »).")
        )
    calls = list(
        Criterion.objects.for_territory(commitment.territory)
        .filter(commitment=commitment)
        .exclude(call__status=CallStatus.DRAFT)
        .order_by("call__pk")
        .values_list("call__title", flat=True)
        .distinct()
    )
    for title in calls:
        reasons.append(
            _(
                "Il est un critère de sélection de l'appel à projets foncier « %(call)s », dont la grille est figée "
                "(les candidatures sont notées sur ce critère)."
            )
            % {"call": title}
        )
    return reasons


def removal_warnings(*, commitment: Commitment) -> list[str]:
    """What removing the commitment changes elsewhere, said on the confirmation page (1 query)."""
    titles = (
        Criterion.objects.for_territory(commitment.territory)
        .filter(commitment=commitment, call__status=CallStatus.DRAFT)
        .order_by("call__pk")
        .values_list("call__title", flat=True)
        .distinct()
    )
    return [
        _(
            "Il sert de critère à l'appel à projets foncier « %(call)s », encore en préparation : le critère restera, "
            "sans engagement lié."
        )
        % {"call": title}
        for title in titles
    ]


# --- commitments -------------------------------------------------------------------------------------------------


@transaction.atomic
def commitment_create(*, territory, theme, values: dict, user) -> Commitment:
    """A new commitment at the end of its theme, written by the team (so not the template's text)."""
    last = Commitment.objects.for_territory(territory).filter(theme=theme).aggregate(m=Max("order"))["m"]
    commitment = Commitment.objects.create(
        territory=territory,
        theme=theme,
        order=0 if last is None else last + 1,
        from_template=False,
        **{name: _plain(values.get(name, "")) for name in COMMITMENT_FIELDS},
    )
    EditRecord.objects.bulk_create(
        _records_of(territory, COMMITMENT, commitment, COMMITMENT_FIELDS, user, removed=False)
    )
    return commitment


@transaction.atomic
def commitment_update(*, territory, commitment_pk: int, values: dict, loaded: str, user) -> list[EditRecord]:
    """Save the texts of a commitment if nobody changed them since `loaded`; raises StaleEdit (nothing saved)
    otherwise. A change of its wording makes it no longer the template's text."""
    fields = tuple(name for name in COMMITMENT_FIELDS if name in values)
    commitment = Commitment.objects.select_for_update().get(territory=territory, pk=commitment_pk)
    if fingerprint(commitment, fields) != loaded:
        raise StaleEdit(commitment, _last(territory, COMMITMENT, commitment.pk))
    records = []
    for name in fields:
        old, new = _text(getattr(commitment, name)), _plain(values[name])
        if _plain(old) != new:
            records.append(_record(territory, COMMITMENT, commitment.pk, name, old, new, user))
            setattr(commitment, name, new)
    if records:
        update_fields = [r.field for r in records]
        if commitment.from_template and any(r.field in WORDING_FIELDS for r in records):
            commitment.from_template = False
            update_fields.append("from_template")
        commitment.save(update_fields=update_fields)
        EditRecord.objects.bulk_create(records)
    return records


@transaction.atomic
def commitment_delete(*, territory, commitment_pk: int, user) -> None:
    """Remove a commitment and its actions, unless something still depends on it (RemovalRefused, nothing
    removed). Their last texts stay in the history."""
    commitment = Commitment.objects.select_for_update().get(territory=territory, pk=commitment_pk)
    reasons = removal_blockers(commitment=commitment)
    if reasons:
        raise RemovalRefused(reasons)
    records = _records_of(territory, COMMITMENT, commitment, COMMITMENT_FIELDS, user, removed=True)
    for side in SIDES.values():
        for action in side.model.objects.filter(commitment=commitment):
            records += _records_of(territory, side.item_type, action, ACTION_FIELDS, user, removed=True)
    EditRecord.objects.bulk_create(records)
    commitment.delete()


def _move(queryset, *, territory, item_type, item_pk, step, user) -> bool:
    items = list(queryset.select_for_update().order_by("order", "pk"))
    index = next(i for i, item in enumerate(items) if item.pk == item_pk)
    target = index + step
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for order, item in enumerate(items):
        item.order = order
    queryset.model.objects.bulk_update(items, ["order"])
    _record(territory, item_type, item_pk, "order", index + 1, target + 1, user).save()
    return True


@transaction.atomic
def commitment_move(*, territory, commitment_pk: int, step: int, user) -> bool:
    """Move a commitment one place up (step=-1) or down (step=1) within its theme; False when already first (last)."""
    commitment = Commitment.objects.get(territory=territory, pk=commitment_pk)
    siblings = Commitment.objects.for_territory(territory).filter(theme_id=commitment.theme_id)
    return _move(siblings, territory=territory, item_type=COMMITMENT, item_pk=commitment.pk, step=step, user=user)


# --- actions -----------------------------------------------------------------------------------------------------


@transaction.atomic
def action_create(*, territory, commitment_pk: int, side: str, values: dict, user):
    """A new action at the end of one side of a commitment; the commitment is then adapted."""
    part = SIDES[side]
    commitment = Commitment.objects.select_for_update().get(territory=territory, pk=commitment_pk)
    last = part.model.objects.filter(commitment=commitment).aggregate(m=Max("order"))["m"]
    action = part.model.objects.create(
        territory=territory,
        commitment=commitment,
        order=0 if last is None else last + 1,
        **{name: _plain(values.get(name, "")) for name in ACTION_FIELDS},
    )
    EditRecord.objects.bulk_create(_records_of(territory, part.item_type, action, ACTION_FIELDS, user, removed=False))
    _adapt(commitment.pk)
    return action


@transaction.atomic
def action_update(*, territory, side: str, action_pk: int, values: dict, loaded: str, user) -> list[EditRecord]:
    """Save the texts of an action if nobody changed them since `loaded`; raises StaleEdit (nothing saved)
    otherwise. A change adapts its commitment."""
    part = SIDES[side]
    fields = tuple(name for name in ACTION_FIELDS if name in values)
    action = part.model.objects.select_for_update().get(territory=territory, pk=action_pk)
    if fingerprint(action, fields) != loaded:
        raise StaleEdit(action, _last(territory, part.item_type, action.pk))
    records = []
    for name in fields:
        old, new = _text(getattr(action, name)), _plain(values[name])
        if _plain(old) != new:
            records.append(_record(territory, part.item_type, action.pk, name, old, new, user))
            setattr(action, name, new)
    if records:
        action.save(update_fields=[r.field for r in records])
        EditRecord.objects.bulk_create(records)
        _adapt(action.commitment_id)
    return records


@transaction.atomic
def action_delete(*, territory, side: str, action_pk: int, user) -> None:
    """Remove an action; its last texts stay in the history and its commitment is adapted.

    Allowed even when the commitment cannot be removed (open reactions, frozen land grid): what depends on the
    commitment (a workshop's reactions, a land call's criterion) hangs on the commitment, not on one of its actions,
    and taking out an action is precisely how a team answers an adjustment; the commitment itself stays, and the
    frozen versions of the commitments keep the action as it read."""
    part = SIDES[side]
    action = part.model.objects.select_for_update().get(territory=territory, pk=action_pk)
    EditRecord.objects.bulk_create(_records_of(territory, part.item_type, action, ACTION_FIELDS, user, removed=True))
    commitment_id = action.commitment_id
    action.delete()
    _adapt(commitment_id)


@transaction.atomic
def action_move(*, territory, side: str, action_pk: int, step: int, user) -> bool:
    """Move an action one place up or down within its side of its commitment; False when already first (last)."""
    part = SIDES[side]
    action = part.model.objects.get(territory=territory, pk=action_pk)
    siblings = part.model.objects.for_territory(territory).filter(commitment_id=action.commitment_id)
    moved = _move(siblings, territory=territory, item_type=part.item_type, item_pk=action.pk, step=step, user=user)
    if moved:
        _adapt(action.commitment_id)
    return moved

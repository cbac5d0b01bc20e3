"""The pact editor (step 3): the team writes the pact's texts in the workspace, every save kept in its history.

Each editable kind of item is a `Part` (the pact's own texts, key figures, governance principles, themes). A save is
refused when the item changed since the form was loaded (optimistic concurrency: the form carries the fingerprint of
the texts it was loaded from); nothing is written then. Every change writes one EditRecord per field changed.

The items live in other apps (publications.Pact, territories.KeyFigure, governance.GovernancePrinciple): this module
is the one place the editor writes them.
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pacte.commitments.models import Commitment, EditRecord, Theme
from pacte.core.models import JournalEntry, JournalVerb, ncount
from pacte.governance.models import GovernancePrinciple
from pacte.publications.models import Pact
from pacte.territories.models import KeyFigure

# The title is the PowerPoint's core property "title" (at most 255 characters, a 500 beyond) and the cover's heading:
# 200 leaves room for the territory's name added to it.
TITLE_MAX_LENGTH = 200


@dataclass(frozen=True)
class Part:
    item_type: str
    model: type
    fields: tuple[str, ...]
    # Whether the team adds, removes and reorders items of this kind (a list), or only edits them.
    is_list: bool = False
    addable: bool = False


PARTS = {
    "pact": Part("pact", Pact, ("title", "editorial_title", "editorial", "ambitions", "acknowledgements")),
    "key_figure": Part("key_figure", KeyFigure, ("value", "label", "source"), is_list=True, addable=True),
    "principle": Part("principle", GovernancePrinciple, ("title", "text"), is_list=True, addable=True),
    # The 6 themes of the method: renamed and reordered, never added or removed here (their commitments hang on them).
    "theme": Part("theme", Theme, ("name", "short_name"), is_list=True),
}


class StaleEdit(Exception):
    """The item changed since the form was loaded: `current` is the item as it reads now, `last` its latest record."""

    def __init__(self, current, last: EditRecord | None):
        super().__init__("stale edit")
        self.current = current
        self.last = last


def _text(value) -> str:
    return "" if value is None else str(value)


def _plain(text: str) -> str:
    """Line ends as a browser's text area sends them (CRLF) made plain."""
    return text.replace("\r\n", "\n")


def fingerprint(item, fields) -> str:
    """What the form was loaded from: a digest of the item's texts (no counter is needed on the item)."""
    texts = [_plain(_text(getattr(item, name))) for name in fields]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()[:32]


def items_for(*, territory, item_type: str):
    model = PARTS[item_type].model
    if model is Pact:  # one per territory, no order
        return Pact.objects.filter(territory=territory)
    return model.objects.for_territory(territory).order_by("order", "pk")


def history(*, territory, item_type: str, item_id: int):
    """The records of one item, newest first, with who made them (1 query)."""
    return (
        EditRecord.objects.for_territory(territory)
        .filter(item_type=item_type, item_id=item_id)
        .select_related("edited_by")
        .order_by("-edited_at", "-pk")
    )


def _last(territory, item_type, item_id) -> EditRecord | None:
    return history(territory=territory, item_type=item_type, item_id=item_id).first()


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


def name_key(name: str) -> str:
    """A theme's name as compared for duplicates: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def theme_name_taken(*, territory, name: str, exclude_pk=None) -> bool:
    key = name_key(name)
    return any(
        name_key(other) == key
        for other in Theme.objects.for_territory(territory).exclude(pk=exclude_pk).values_list("name", flat=True)
    )


def _check(territory, item_type, item_pk, values) -> None:
    """Rules that hold across items, checked again under the lock (the form checked them first)."""
    if item_type == "theme" and "name" in values:
        if theme_name_taken(territory=territory, name=values["name"], exclude_pk=item_pk):
            raise ValidationError({"name": _("Une autre thématique porte déjà ce nom.")})


@transaction.atomic
def item_update(*, territory, item_type: str, item_pk: int, values: dict, loaded: str, user) -> list[EditRecord]:
    """Save the texts of one item if nobody changed them since `loaded` (its fingerprint then); raises StaleEdit
    (nothing saved) otherwise. Returns the records written (none when nothing changed)."""
    part = PARTS[item_type]
    fields = tuple(name for name in part.fields if name in values)
    item = part.model.objects.select_for_update().get(territory=territory, pk=item_pk)
    if fingerprint(item, fields) != loaded:
        raise StaleEdit(item, _last(territory, item_type, item.pk))
    _check(territory, item_type, item.pk, values)
    records = []
    for name in fields:
        old, new = _text(getattr(item, name)), _plain(values[name])
        if _plain(old) != new:
            records.append(_record(territory, item_type, item.pk, name, old, new, user))
            setattr(item, name, new)
    if records:
        item.save(update_fields=[r.field for r in records])
        EditRecord.objects.bulk_create(records)
    return records


@transaction.atomic
def item_create(*, territory, item_type: str, values: dict, user):
    """A new item at the end of its list; its texts recorded as written from nothing."""
    part = PARTS[item_type]
    if not part.addable:
        raise ValueError(f"{item_type} items are not added in the editor")
    _check(territory, item_type, None, values)
    last = part.model.objects.for_territory(territory).aggregate(m=Max("order"))["m"]
    item = part.model.objects.create(
        territory=territory, order=0 if last is None else last + 1, **{k: _plain(v) for k, v in values.items()}
    )
    EditRecord.objects.bulk_create(
        _record(territory, item_type, item.pk, name, "", getattr(item, name), user)
        for name in part.fields
        if _text(getattr(item, name))
    )
    return item


@transaction.atomic
def item_delete(*, territory, item_type: str, item_pk: int, user) -> None:
    """Remove an item of a list; its last texts stay in the history."""
    part = PARTS[item_type]
    if not part.addable:
        raise ValueError(f"{item_type} items are not removed in the editor")
    item = part.model.objects.select_for_update().get(territory=territory, pk=item_pk)
    EditRecord.objects.bulk_create(
        _record(territory, item_type, item.pk, name, getattr(item, name), "", user)
        for name in part.fields
        if _text(getattr(item, name))
    )
    item.delete()


@transaction.atomic
def item_move(*, territory, item_type: str, item_pk: int, step: int, user) -> bool:
    """Move an item one place up (step=-1) or down (step=1) in its list; the list is renumbered 0, 1, 2…
    Returns False when it is already first (or last)."""
    part = PARTS[item_type]
    items = list(part.model.objects.for_territory(territory).select_for_update().order_by("order", "pk"))
    index = next(i for i, item in enumerate(items) if item.pk == item_pk)
    target = index + step
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for order, item in enumerate(items):
        item.order = order
    part.model.objects.bulk_update(items, ["order"])
    _record(territory, item_type, item_pk, "order", index + 1, target + 1, user).save()
    return True


# --- the state of each part: still the template's text? ---------------------------------------------------------


def _from_template(territory) -> bool:
    return JournalEntry.objects.filter(territory=territory, verb=JournalVerb.TEMPLATE_LOADED).exists()


def template_texts(territory) -> dict:
    """The template's texts a territory created from it started with, squashed as the roadmap compares them (the
    rule of pacte.roadmap.services: template wording never counts as written); empty for other territories."""
    from pacte.replication.services import TEMPLATE, content_read
    from pacte.roadmap.services import template_texts, text_squash

    from_template = _from_template(territory)
    base = template_texts(from_template)
    pact = content_read(TEMPLATE)["pact"] if from_template else {}
    return base | {"title": text_squash(pact.get("title")) if from_template else None}


def is_template_text(text, template_text) -> bool:
    """Text equal to the template's (white space aside): shown as "texte du modèle, à adapter"."""
    from pacte.roadmap.services import is_own_text, text_squash

    return bool(text_squash(text)) and template_text is not None and not is_own_text(text, template_text)


def principle_is_template(principle, template) -> bool:
    return (principle.title, _plain(principle.text)) in template["principles"]


def themes_to_adapt(*, territory) -> set[int]:
    """The themes whose commitments are all still the template's (the roadmap's rule: a theme counts as written
    once one of its commitments was adapted). 1 query."""
    rows = Commitment.objects.for_territory(territory).values_list("theme_id", "from_template")
    template, adapted = set(), set()
    for theme_id, from_template in rows:
        (template if from_template else adapted).add(theme_id)
    return template - adapted


def parts_state(*, territory, pact) -> list[dict]:
    """The parts of the pact, each with its state in words and whether it is still template wording."""
    template = template_texts(territory)
    principles = list(items_for(territory=territory, item_type="principle"))
    figures = KeyFigure.objects.for_territory(territory).count()
    themes = list(items_for(territory=territory, item_type="theme"))
    to_adapt = [t for t in themes if t.pk in themes_to_adapt(territory=territory)]

    def text_state(text, template_text):
        if not (text or "").strip():
            return _("à rédiger"), True
        if is_template_text(text, template_text):
            return _("texte du modèle, à adapter"), True
        return _("rédigé"), False

    title = text_state(pact.title, template["title"])
    editorial = text_state(pact.editorial, template["editorial"])
    acknowledgements = text_state(pact.acknowledgements, template["acknowledgements"])
    template_principles = [p for p in principles if principle_is_template(p, template)]
    return [
        {"key": "title", "label": _("Titre et couverture"), "state": title[0], "todo": title[1]},
        {"key": "editorial", "label": _("Édito et ambitions"), "state": editorial[0], "todo": editorial[1]},
        {
            "key": "key_figures",
            "label": _("Chiffres clés"),
            "state": ncount(_("%(n)s chiffre clé"), _("%(n)s chiffres clés"), figures) if figures else _("à rédiger"),
            "todo": not figures,
        },
        {
            "key": "acknowledgements",
            "label": _("Remerciements"),
            "state": acknowledgements[0],
            "todo": acknowledgements[1],
        },
        {
            "key": "principles",
            "label": _("Principes de gouvernance"),
            "state": (
                _("à rédiger")
                if not principles
                else (_("texte du modèle, à adapter") if template_principles else _("rédigé"))
            ),
            "todo": not principles or bool(template_principles),
        },
        {
            "key": "themes",
            "label": _("Les 6 thématiques"),
            "state": (
                _("engagements au texte du modèle, à adapter : %(t)s") % {"t": ", ".join(t.name for t in to_adapt)}
                if to_adapt
                else _("rédigé")
            ),
            "todo": bool(to_adapt),
        },
    ]

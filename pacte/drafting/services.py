"""The pact editor (step 3): the team writes the pact's texts in the workspace, every save kept in its history.

Each editable kind of item is a `Part` (the pact's own texts, key figures, governance principles, themes, indicators
and thematic groups of a theme, economic events). A save is refused when the item changed since the form was loaded
(optimistic concurrency: the form carries the fingerprint of the texts it was loaded from); nothing is written then.
Every change writes one EditRecord per field changed.

The items live in other apps (publications.Pact, territories.KeyFigure and SizeClassShare, governance.*,
indicators.Indicator): this module is the one place the editor writes them.
"""

import datetime
import hashlib
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pacte.commitments.models import Commitment, EditRecord, Theme
from pacte.core.models import JournalEntry, JournalVerb, ncount
from pacte.governance.models import EconomicEvent, GovernancePrinciple, ThematicGroup
from pacte.indicators.models import Indicator, IndicatorValue
from pacte.publications.models import Pact
from pacte.territories.models import KeyFigure, SizeClass, SizeClassShare

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
    # The foreign key a list hangs on (e.g. "theme": the indicators of one theme); None: the territory's list.
    scope: str | None = None
    # False: the list keeps the model's own order (economic events by date), no "move" buttons.
    ordered: bool = True


PARTS = {
    "pact": Part("pact", Pact, ("title", "subtitle", "editorial_title", "editorial", "ambitions", "acknowledgements")),
    "key_figure": Part("key_figure", KeyFigure, ("value", "label", "source", "date"), is_list=True, addable=True),
    "principle": Part("principle", GovernancePrinciple, ("title", "text"), is_list=True, addable=True),
    # The 6 themes of the method: renamed and reordered, never added or removed here (their commitments hang on them).
    "theme": Part("theme", Theme, ("name", "short_name"), is_list=True),
    "indicator": Part(
        "indicator",
        Indicator,
        (
            "name",
            "code",
            "definition",
            "unit",
            "value_type",
            "aggregation",
            "level",
            "source",
            "baseline",
            "baseline_year",
            "target_1y",
            "target_3y",
        ),
        is_list=True,
        addable=True,
        scope="theme",
    ),
    "thematic_group": Part(
        "thematic_group",
        ThematicGroup,
        ("name", "objectives", "participants", "animation", "example_indicators", "partners", "cadence"),
        is_list=True,
        addable=True,
        scope="theme",
    ),
    "event": Part(
        "event",
        EconomicEvent,
        ("name", "date", "end_date", "organiser", "description"),
        is_list=True,
        addable=True,
        ordered=False,
    ),
}


class StaleEdit(Exception):
    """The item changed since the form was loaded: `current` is the item as it reads now, `last` its latest record."""

    def __init__(self, current, last: EditRecord | None):
        super().__init__("stale edit")
        self.current = current
        self.last = last


class ItemInUse(Exception):
    """The item cannot be removed: `reason` says why, in French, for the person who asked."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _text(value) -> str:
    """A field's value as the history and the fingerprint read it (12.5000 and 12.5 are the same number)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "storage"):  # a stored file: its name
        return value.name or ""
    return str(value)


def _plain(text: str) -> str:
    """Line ends as a browser's text area sends them (CRLF) made plain."""
    return text.replace("\r\n", "\n")


def _value(value):
    return _plain(value) if isinstance(value, str) else value


def fingerprint(item, fields) -> str:
    """What the form was loaded from: a digest of the item's texts (no counter is needed on the item)."""
    texts = [_plain(_text(getattr(item, name))) for name in fields]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()[:32]


def items_for(*, territory, item_type: str, scope=None):
    """The items of one part (of one scope, e.g. one theme, for a scoped part), in their order."""
    part = PARTS[item_type]
    if part.model is Pact:  # one per territory, no order
        return Pact.objects.filter(territory=territory)
    items = part.model.objects.for_territory(territory)
    if part.scope and scope is not None:
        items = items.filter(**{part.scope: scope})
    return items.order_by("order", "pk") if part.ordered else items


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


def indicator_code_taken(*, territory, code: str, exclude_pk=None) -> bool:
    """Whether another indicator of the territory (any theme) has this code: the code stays unique per territory."""
    return bool(code) and Indicator.objects.for_territory(territory).filter(code=code).exclude(pk=exclude_pk).exists()


def _check(territory, item_type, item_pk, values) -> None:
    """Rules that hold across items, checked again under the lock (the form checked them first)."""
    if item_type == "theme" and "name" in values:
        if theme_name_taken(territory=territory, name=values["name"], exclude_pk=item_pk):
            raise ValidationError({"name": _("Une autre thématique porte déjà ce nom.")})
    if item_type == "indicator" and values.get("code"):
        if indicator_code_taken(territory=territory, code=values["code"], exclude_pk=item_pk):
            raise ValidationError(
                {
                    "code": _("Le code « %(c)s » est déjà celui d'un autre indicateur du territoire.")
                    % {"c": values["code"]}
                }
            )
    if item_type == "event" and values.get("end_date") and values.get("date"):
        if values["end_date"] < values["date"]:
            raise ValidationError({"end_date": _("La date de fin ne peut précéder la date de début.")})


def removal_refusal(*, item_type: str, item) -> str | None:
    """Why an item cannot be removed (French, for the person who asked), or None when it can."""
    if item_type == "indicator":
        count = IndicatorValue.objects.filter(indicator=item).count()
        if count:
            return ncount(
                _("Cet indicateur ne peut pas être retiré : %(n)s valeur a déjà été saisie pour lui."),
                _("Cet indicateur ne peut pas être retiré : %(n)s valeurs ont déjà été saisies pour lui."),
                count,
            )
    return None


@transaction.atomic
def item_update(*, territory, item_type: str, item_pk: int, values: dict, loaded: str, user) -> list[EditRecord]:
    """Save the texts of one item if nobody changed them since `loaded` (its fingerprint then); raises StaleEdit
    (nothing saved) otherwise. Returns the records written (none when nothing changed)."""
    part = PARTS[item_type]
    fields = tuple(name for name in part.fields if name in values)
    item = part.model.objects.select_for_update().get(territory=territory, pk=item_pk)
    if fingerprint(item, fields) != loaded:
        raise StaleEdit(item, _last(territory, item_type, item.pk))
    _check(territory, item_type, item.pk, {name: getattr(item, name) for name in part.fields} | values)
    records = []
    for name in fields:
        old, new = getattr(item, name), _value(values[name])
        if _plain(_text(old)) != _text(new):
            records.append(_record(territory, item_type, item.pk, name, old, new, user))
            setattr(item, name, new)
    if records:
        item.save(update_fields=[r.field for r in records])
        EditRecord.objects.bulk_create(records)
    return records


@transaction.atomic
def item_create(*, territory, item_type: str, values: dict, user, scope=None):
    """A new item at the end of its list (of its scope: the theme of an indicator); its texts recorded as written
    from nothing."""
    part = PARTS[item_type]
    if not part.addable:
        raise ValueError(f"{item_type} items are not added in the editor")
    if part.scope and (scope is None or scope.territory_id != territory.pk):
        raise ValueError(f"{item_type} items need a {part.scope} of their territory")
    _check(territory, item_type, None, values)
    last = items_for(territory=territory, item_type=item_type, scope=scope).aggregate(m=Max("order"))["m"]
    extra = {part.scope: scope} if part.scope else {}
    item = part.model.objects.create(
        territory=territory,
        order=0 if last is None else last + 1,
        **extra,
        **{k: _value(v) for k, v in values.items()},
    )
    EditRecord.objects.bulk_create(
        _record(territory, item_type, item.pk, name, "", getattr(item, name), user)
        for name in part.fields
        if _text(getattr(item, name))
    )
    return item


@transaction.atomic
def item_delete(*, territory, item_type: str, item_pk: int, user) -> None:
    """Remove an item of a list; its last texts stay in the history. Raises ItemInUse (nothing removed) when
    something depends on it (an indicator with recorded values)."""
    part = PARTS[item_type]
    if not part.addable:
        raise ValueError(f"{item_type} items are not removed in the editor")
    item = part.model.objects.select_for_update().get(territory=territory, pk=item_pk)
    reason = removal_refusal(item_type=item_type, item=item)
    if reason:
        raise ItemInUse(reason)
    EditRecord.objects.bulk_create(
        _record(territory, item_type, item.pk, name, getattr(item, name), "", user)
        for name in part.fields
        if _text(getattr(item, name))
    )
    item.delete()


@transaction.atomic
def item_move(*, territory, item_type: str, item_pk: int, step: int, user) -> bool:
    """Move an item one place up (step=-1) or down (step=1) in its list (its scope's list); the list is renumbered
    0, 1, 2… Returns False when it is already first (or last)."""
    part = PARTS[item_type]
    if not part.ordered:
        raise ValueError(f"{item_type} items keep their own order")
    scope = None
    if part.scope:
        scope_id = (
            part.model.objects.for_territory(territory).values_list(f"{part.scope}_id", flat=True).get(pk=item_pk)
        )
        scope = {f"{part.scope}_id": scope_id}
    items = part.model.objects.for_territory(territory).select_for_update().order_by("order", "pk")
    items = list(items.filter(**scope) if scope else items)
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


# --- key figures: their date -------------------------------------------------------------------------------------

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_MONTH_KEYS = {name_key(month): month for month in MONTHS}


def figure_date_clean(text: str) -> str:
    """A key figure's date as people write it, made regular: "2021", "novembre 2024" (also read: "11/2024",
    "2024-11", "Novembre  2024", "novembre 2024" without accents). Empty stays empty; anything else is refused."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    match = re.fullmatch(r"(?:(?P<month>[^\W\d_]+)\.? )?(?P<year>\d{4})", text) or re.fullmatch(
        r"(?P<m>\d{1,2})/(?P<year>\d{4})|(?P<year2>\d{4})-(?P<m2>\d{1,2})", text
    )
    if match is None:
        raise ValidationError(_("Indiquez une année (« 2021 ») ou un mois et une année (« novembre 2024 »)."))
    groups = match.groupdict()
    year = int(groups.get("year") or groups.get("year2"))
    if not 1900 <= year <= 2100:
        raise ValidationError(_("L'année %(y)s n'est pas plausible.") % {"y": year})
    if groups.get("month"):
        month = _MONTH_KEYS.get(name_key(groups["month"]))
        if month is None:
            raise ValidationError(_("« %(m)s » n'est pas un mois.") % {"m": groups["month"]})
        return f"{month} {year}"
    number = groups.get("m") or groups.get("m2")
    if number:
        if not 1 <= int(number) <= 12:
            raise ValidationError(_("Le mois doit être compris entre 1 et 12."))
        return f"{MONTHS[int(number) - 1]} {year}"
    return str(year)


# --- size classes: the 4 company sizes, edited as one table ------------------------------------------------------

SIZE_CLASSES_ITEM = "size_classes"  # EditRecord.item_type; item_id: the territory's id (the table is one item)
SIZE_CLASS_SUM_TOLERANCE = Decimal("0.5")


def size_class_rows(*, territory) -> dict[str, SizeClassShare]:
    """{size class code: its row} for the rows the territory has (1 query)."""
    return {row.size_class: row for row in SizeClassShare.objects.for_territory(territory)}


def size_classes_fingerprint(rows: dict) -> str:
    texts = [
        [code, _text(rows[code].territory_share), _text(rows[code].national_share)] if code in rows else [code]
        for code in SizeClass.values
    ]
    return hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:32]


def percentage_parse(raw) -> Decimal | None:
    """A percentage as typed: "12,5", "12.5", "12,5 %", " 7 " → Decimal; empty → None; ValueError otherwise."""
    text = str(raw or "").replace("\u00a0", " ").replace("%", "").strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not number.is_finite():
        raise ValueError(text)
    return number


def size_classes_check(shares: dict[str, tuple]) -> None:
    """The rule of the table: when the territory's four shares are given, they make 100 % (± 0.5, rounding)."""
    given = [territory for territory, _national in shares.values() if territory is not None]
    if len(given) == len(SizeClass.values):
        total = sum(given, Decimal(0))
        if abs(total - 100) > SIZE_CLASS_SUM_TOLERANCE:
            raise ValidationError(
                _("Les parts du territoire font %(total)s %% au total : elles doivent faire 100 %% (à 0,5 point près).")
                % {"total": format(total.normalize(), "f").replace(".", ",")}
            )


@transaction.atomic
def size_classes_save(*, territory, shares: dict[str, tuple], loaded: str, user) -> list[EditRecord]:
    """Save the whole table at once: {code: (territory share, national share)} with None for an empty cell; a size
    class with both cells empty has no row. Raises StaleEdit if the table changed since `loaded`, ValidationError
    if the territory's shares do not make 100 %. All or nothing."""
    list(SizeClassShare.objects.for_territory(territory).select_for_update())  # lock the table
    rows = size_class_rows(territory=territory)
    if size_classes_fingerprint(rows) != loaded:
        raise StaleEdit(rows, _last(territory, SIZE_CLASSES_ITEM, territory.pk))
    size_classes_check(shares)
    records = []
    for order, code in enumerate(SizeClass.values):
        territory_share, national_share = shares.get(code, (None, None))
        row = rows.get(code)
        old = (row.territory_share, row.national_share) if row else (None, None)
        new = (territory_share, national_share)
        for side, before, after in zip(("territory", "national"), old, new, strict=True):
            if _text(before) != _text(after):
                records.append(
                    _record(territory, SIZE_CLASSES_ITEM, territory.pk, f"{code}.{side}", before, after, user)
                )
        if territory_share is None and national_share is None:
            if row is not None:
                row.delete()
            continue
        if row is None:
            SizeClassShare.objects.create(
                territory=territory,
                order=order,
                size_class=code,
                territory_share=territory_share,
                national_share=national_share,
            )
        elif old != new:
            row.territory_share, row.national_share = territory_share, national_share
            row.save(update_fields=["territory_share", "national_share"])
    EditRecord.objects.bulk_create(records)
    return records


# --- the cover's image -------------------------------------------------------------------------------------------

COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_MAX_SIDE = 6000
COVER_SIGNATURES = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"))


def cover_image_check(upload) -> str:
    """Check an uploaded cover image and return the extension of its real format; raises ValidationError (French)
    for anything but a real JPEG or PNG image of at most 5 Mo and 6000 × 6000 pixels. The size is read from the
    header before any pixel is decoded, so a decompression bomb is refused without being expanded."""
    from PIL import Image, UnidentifiedImageError

    from pacte.core.uploads import document_extension

    if upload.size > COVER_MAX_BYTES:
        raise ValidationError(_("L'image dépasse 5 Mo : réduisez-la avant de la déposer."))
    extension = document_extension(upload, COVER_SIGNATURES)
    if extension is None:
        raise ValidationError(_("Ce fichier n'est pas une image JPEG ou PNG."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width > COVER_MAX_SIDE or height > COVER_MAX_SIDE:
                    raise ValidationError(
                        _("L'image mesure %(w)s × %(h)s pixels : 6000 × 6000 au plus.") % {"w": width, "h": height}
                    )
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()  # decode the pixels: a truncated or corrupt image fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(_("L'image est bien trop grande : 6000 × 6000 pixels au plus.")) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("Cette image est illisible ou endommagée.")) from error
    finally:
        upload.seek(0)
    return extension


@transaction.atomic
def pact_cover_set(*, territory, upload, user) -> Pact:
    """Replace (or, with upload=None, remove) the cover image; recorded in the pact's history. The previous file is
    kept: a published version may show it."""
    from pacte.core.uploads import random_name

    pact = Pact.objects.select_for_update().get(territory=territory)
    old = pact.cover_image.name or ""
    if upload is None:
        if not old:
            return pact
        pact.cover_image = ""
    else:
        random_name(upload, cover_image_check(upload))
        pact.cover_image = upload
    pact.save(update_fields=["cover_image"])
    _record(territory, "pact", pact.pk, "cover_image", old, pact.cover_image.name or "", user).save()
    return pact


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


def _count_state(count, singular, plural):
    return (ncount(singular, plural, count) if count else _("à rédiger")), not count


def parts_state(*, territory, pact) -> list[dict]:
    """The parts of the pact, each with its state in words, whether it is still to do (empty or template wording)
    and the URL segment of its page (`page`)."""
    template = template_texts(territory)
    principles = list(items_for(territory=territory, item_type="principle"))
    figures = KeyFigure.objects.for_territory(territory).count()
    size_classes = SizeClassShare.objects.for_territory(territory).count()
    events = EconomicEvent.objects.for_territory(territory).count()
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
    figures_state = _count_state(figures, _("%(n)s chiffre clé"), _("%(n)s chiffres clés"))
    events_state = _count_state(events, _("%(n)s rencontre"), _("%(n)s rencontres"))
    title_state = title[0]
    if not title[1] and pact.cover_image:
        title_state = _("rédigé, avec une image de couverture")
    return [
        {"key": "title", "page": "titre", "label": _("Titre et couverture"), "state": title_state, "todo": title[1]},
        {
            "key": "editorial",
            "page": "edito",
            "label": _("Édito et ambitions"),
            "state": editorial[0],
            "todo": editorial[1],
        },
        {
            "key": "key_figures",
            "page": "chiffres-cles",
            "label": _("Chiffres clés"),
            "state": figures_state[0],
            "todo": figures_state[1],
        },
        {
            "key": "size_classes",
            "page": "tailles-entreprises",
            "label": _("Tailles d'entreprise"),
            "state": (
                _("à compléter : %(n)s taille sur 4") % {"n": size_classes}
                if 0 < size_classes < 4
                else (_("complet") if size_classes else _("à rédiger"))
            ),
            "todo": size_classes < 4,
        },
        {
            "key": "acknowledgements",
            "page": "remerciements",
            "label": _("Remerciements"),
            "state": acknowledgements[0],
            "todo": acknowledgements[1],
        },
        {
            "key": "principles",
            "page": "principes",
            "label": _("Principes de gouvernance"),
            "state": (
                _("à rédiger")
                if not principles
                else (_("texte du modèle, à adapter") if template_principles else _("rédigé"))
            ),
            "todo": not principles or bool(template_principles),
        },
        {
            "key": "events",
            "page": "rencontres",
            "label": _("Rencontres économiques"),
            "state": events_state[0],
            "todo": events_state[1],
        },
        {
            "key": "themes",
            "page": "thematiques",
            "label": _("Les 6 thématiques"),
            "state": (
                _("engagements au texte du modèle, à adapter : %(t)s") % {"t": ", ".join(t.name for t in to_adapt)}
                if to_adapt
                else _("rédigé")
            ),
            "todo": bool(to_adapt),
        },
    ]


def themes_state(*, territory) -> list[dict]:
    """Each theme with what is written for it: commitments still in template wording, indicators, thematic groups
    (4 queries whatever the number of themes)."""
    from django.db.models import Count

    to_adapt = themes_to_adapt(territory=territory)
    indicators = dict(
        Indicator.objects.for_territory(territory).values_list("theme_id").annotate(n=Count("pk")).order_by()
    )
    groups = dict(
        ThematicGroup.objects.for_territory(territory).values_list("theme_id").annotate(n=Count("pk")).order_by()
    )
    return [
        {
            "theme": theme,
            "to_adapt": theme.pk in to_adapt,
            "indicators": indicators.get(theme.pk, 0),
            "groups": groups.get(theme.pk, 0),
        }
        for theme in items_for(territory=territory, item_type="theme")
    ]

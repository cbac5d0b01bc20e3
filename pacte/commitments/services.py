"""Rules of the reciprocal commitments: revising one, freezing numbered versions, and comparing two versions."""

import difflib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _

from pacte.core.models import JournalVerb, journal_write

from .models import Commitment, CommitmentsVersion, CompanyAction, TerritoryAction, Theme

SIDES = (("company", CompanyAction), ("territory", TerritoryAction))


def commitments_snapshot(*, territory) -> list[dict]:
    """Every theme, commitment and action as they read now (4 queries), in the form kept by a version."""
    themes = Theme.objects.for_territory(territory).prefetch_related(
        Prefetch(
            "commitments",
            queryset=Commitment.objects.order_by("order", "pk").prefetch_related(
                Prefetch("company_actions", queryset=CompanyAction.objects.order_by("order", "pk")),
                Prefetch("territory_actions", queryset=TerritoryAction.objects.order_by("order", "pk")),
            ),
        )
    )
    return [
        {
            "code": theme.code,
            "name": theme.name,
            "commitments": [
                {
                    "id": c.pk,
                    "short_title": c.short_title,
                    "title": c.title,
                    "company_intro": c.company_intro,
                    "company_actions": [a.text for a in c.company_actions.all()],
                    "territory_intro": c.territory_intro,
                    "territory_actions": [a.text for a in c.territory_actions.all()],
                }
                for c in theme.commitments.all()
            ],
        }
        for theme in themes
    ]


@transaction.atomic
def commitment_revise(
    *,
    commitment: Commitment,
    title: str,
    company_intro: str,
    company_actions: list[str],
    territory_intro: str,
    territory_actions: list[str],
) -> list[str]:
    """Give a commitment a new wording; returns the changes, one readable line each ([] if nothing changed).

    Actions are matched by position: an action whose text is unchanged keeps its details.
    """
    changes = []
    labels = {
        "title": _("intitulé"),
        "company_intro": _("engagement des entreprises"),
        "territory_intro": _("engagement du territoire"),
    }
    for name, value in (("title", title), ("company_intro", company_intro), ("territory_intro", territory_intro)):
        value = (
            " ".join(value.split())
            if name == "title"
            else "\n".join(" ".join(li.split()) for li in value.strip().splitlines())
        )
        if name != "title" and " ".join(value.split()) == " ".join(getattr(commitment, name).split()):
            continue  # only spacing differs: not a new wording
        if getattr(commitment, name) != value:
            changes.append(
                _("%(field)s : « %(old)s » devient « %(new)s »")
                % {"field": labels[name], "old": getattr(commitment, name), "new": value}
            )
            setattr(commitment, name, value)
    for side, texts in (("company", company_actions), ("territory", territory_actions)):
        model = dict(SIDES)[side]
        side_label = _("action des entreprises") if side == "company" else _("action du territoire")
        texts = [t.strip() for t in texts if t.strip()]
        existing = list(model.objects.filter(commitment=commitment).order_by("order", "pk"))
        for position, text in enumerate(texts):
            if position < len(existing):
                action = existing[position]
                if action.text != text:
                    changes.append(
                        _("%(side)s : « %(old)s » devient « %(new)s »")
                        % {"side": side_label, "old": action.text, "new": text}
                    )
                    action.text, action.order = text, position
                    action.save(update_fields=["text", "order"])
            else:
                model.objects.create(commitment=commitment, territory=commitment.territory, text=text, order=position)
                changes.append(_("%(side)s ajoutée : « %(new)s »") % {"side": side_label, "new": text})
        for action in existing[len(texts) :]:
            changes.append(_("%(side)s retirée : « %(old)s »") % {"side": side_label, "old": action.text})
            action.delete()
    if changes:
        commitment.from_template = False
        commitment.save()
    return changes


def _changelog(previous: list[dict], current: list[dict]) -> str:
    """What changed between two snapshots, in words (one line per change)."""
    old = {c["id"]: (theme["name"], c) for theme in previous for c in theme["commitments"]}
    new = {c["id"]: (theme["name"], c) for theme in current for c in theme["commitments"]}
    lines = []
    for pk, (theme, c) in new.items():
        old_theme, before = old.get(pk, (None, None))
        if before is None:
            lines.append(_("%(theme)s — engagement ajouté : « %(t)s »") % {"theme": theme, "t": c["title"]})
            continue
        if old_theme != theme:
            lines.append(
                _("« %(t)s » passe de la thématique %(old)s à %(new)s")
                % {"t": c["title"], "old": old_theme, "new": theme}
            )
        if before["short_title"] != c["short_title"]:
            lines.append(
                _("%(theme)s — intitulé court : « %(old)s » devient « %(new)s »")
                % {"theme": theme, "old": before["short_title"], "new": c["short_title"]}
            )
        if before["title"] != c["title"]:
            lines.append(
                _("%(theme)s — « %(old)s » s'intitule désormais « %(new)s »")
                % {"theme": theme, "old": before["title"], "new": c["title"]}
            )
        for key, label in (
            ("company_intro", _("engagement des entreprises reformulé")),
            ("territory_intro", _("engagement du territoire reformulé")),
        ):
            if before[key] != c[key]:
                lines.append(f"{theme} — « {c['title']} » : {label}")
        for key, label in (("company_actions", _("entreprises")), ("territory_actions", _("territoire"))):
            added, removed = [], []
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before[key], b=c[key], autojunk=False).get_opcodes():
                removed.extend(before[key][i1:i2] if op != "equal" else [])
                added.extend(c[key][j1:j2] if op != "equal" else [])
            for a in added:
                lines.append(
                    _("%(theme)s — « %(t)s » (%(side)s) : + « %(a)s »")
                    % {"theme": theme, "t": c["title"], "side": label, "a": a}
                )
            for a in removed:
                lines.append(
                    _("%(theme)s — « %(t)s » (%(side)s) : − « %(a)s »")
                    % {"theme": theme, "t": c["title"], "side": label, "a": a}
                )
    for pk, (_theme, c) in old.items():
        if pk not in new:
            lines.append(_("engagement retiré : « %(t)s »") % {"t": c["title"]})
    return "\n".join(lines)


@transaction.atomic
def commitments_version_freeze(*, territory, label: str, actor=None) -> CommitmentsVersion:
    """Freeze the commitments as they read now as the next version, with what changed since the previous one."""
    # Lock the territory's versions so that two clicks cannot take the same number.
    previous = CommitmentsVersion.objects.for_territory(territory).select_for_update().order_by("-number").first()
    content = commitments_snapshot(territory=territory)
    number = (previous.number + 1) if previous else 1
    changelog = _changelog(previous.content, content) if previous else ""
    if previous and not changelog:
        changelog = _("Aucun changement depuis la version %(n)s.") % {"n": previous.number}
    version = CommitmentsVersion.objects.create(
        territory=territory, number=number, label=label, content=content, changelog=changelog, created_by=actor
    )
    journal_write(
        territory=territory,
        verb=JournalVerb.COMMITMENTS_VERSION_FROZEN,
        actor=actor,
        message=_("Version %(n)s des engagements : %(label)s.") % {"n": number, "label": label},
    )
    return version


def commitments_version_first(*, territory, actor=None) -> CommitmentsVersion:
    """The first version (the draft from the interviews), frozen the first time it is needed."""
    version = CommitmentsVersion.objects.for_territory(territory).order_by("number").first()
    if version is None:
        version = commitments_version_freeze(
            territory=territory, label=_("Première version, issue des entretiens"), actor=actor
        )
    return version


def commitments_version_next_number(*, territory) -> int:
    last = CommitmentsVersion.objects.for_territory(territory).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


# --- comparing two versions -------------------------------------------------------------------------------------


@dataclass
class TextDiff:
    """A word-level difference: a list of (op, text) with op in "same", "added", "removed"."""

    parts: list[tuple[str, str]]

    @property
    def changed(self) -> bool:
        return any(op != "same" for op, _text in self.parts)


def text_diff(old: str, new: str) -> TextDiff:
    a, b = old.split(), new.split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", " ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            parts.append(("removed", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(("added", " ".join(b[j1:j2])))
    return TextDiff(parts)


@dataclass
class CommitmentDiff:
    theme: str
    title: TextDiff
    company_intro: TextDiff
    territory_intro: TextDiff
    company_actions: list[TextDiff] = field(default_factory=list)
    territory_actions: list[TextDiff] = field(default_factory=list)
    status: str = "changed"  # "changed", "added", "removed", "same"

    @property
    def title_text(self) -> str:
        """The commitment's title as it reads in the newer version (the older one for a removed commitment)."""
        keep = "removed" if self.status == "removed" else "added"
        return " ".join(text for op, text in self.title.parts if op in ("same", keep))


def _actions_diff(old: list[str], new: list[str]) -> list[TextDiff]:
    diffs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            diffs.extend(TextDiff([("same", t)]) for t in old[i1:i2])
        elif op == "replace" and (i2 - i1) == (j2 - j1):
            diffs.extend(text_diff(o, n) for o, n in zip(old[i1:i2], new[j1:j2], strict=True))
        else:
            diffs.extend(TextDiff([("removed", t)]) for t in old[i1:i2])
            diffs.extend(TextDiff([("added", t)]) for t in new[j1:j2])
    return diffs


def commitments_diff(old: list[dict], new: list[dict]) -> list[CommitmentDiff]:
    """Commitment by commitment, what changed from one version's content to another's."""
    before = {c["id"]: c for theme in old for c in theme["commitments"]}
    after_ids = set()
    diffs = []
    empty = {"title": "", "company_intro": "", "territory_intro": "", "company_actions": [], "territory_actions": []}
    for theme in new:
        for c in theme["commitments"]:
            after_ids.add(c["id"])
            b = before.get(c["id"], empty)
            diff = CommitmentDiff(
                theme=theme["name"],
                title=text_diff(b["title"], c["title"]),
                company_intro=text_diff(b["company_intro"], c["company_intro"]),
                territory_intro=text_diff(b["territory_intro"], c["territory_intro"]),
                company_actions=_actions_diff(b["company_actions"], c["company_actions"]),
                territory_actions=_actions_diff(b["territory_actions"], c["territory_actions"]),
            )
            if c["id"] not in before:
                diff.status = "added"
            elif not any(
                d.changed
                for d in (
                    diff.title,
                    diff.company_intro,
                    diff.territory_intro,
                    *diff.company_actions,
                    *diff.territory_actions,
                )
            ):
                diff.status = "same"
            diffs.append(diff)
    for theme in old:
        for c in theme["commitments"]:
            if c["id"] not in after_ids:
                diffs.append(
                    CommitmentDiff(
                        theme=theme["name"],
                        title=text_diff(c["title"], ""),
                        company_intro=text_diff(c["company_intro"], ""),
                        territory_intro=text_diff(c["territory_intro"], ""),
                        company_actions=_actions_diff(c["company_actions"], []),
                        territory_actions=_actions_diff(c["territory_actions"], []),
                        status="removed",
                    )
                )
    return diffs


# --- what is not frozen yet ------------------------------------------------------------------------------------


@dataclass
class Unfrozen:
    """The commitments as they read now, against the last frozen version."""

    last: CommitmentsVersion | None
    content: list[dict]
    changelog: str  # what changed since the last version, in words ('' if nothing, or no version yet)

    @property
    def changed(self) -> bool:
        """True when the live text differs from the last version (or when no version was frozen yet)."""
        return self.last is None or self.content != self.last.content


def commitments_unfrozen(*, territory) -> Unfrozen:
    """The live commitments and what changed since the last frozen version (5 queries)."""
    last = CommitmentsVersion.objects.for_territory(territory).order_by("-number").first()
    content = commitments_snapshot(territory=territory)
    return Unfrozen(last, content, _changelog(last.content, content) if last else "")

"""From evidence to text: the sources behind each commitment (interview ideas, findings, post-its).

A source is an interview's commitment idea (`interviews.CommitmentIdea`), a finding of the diagnostic
(`interviews.Finding`) or a workshop post-it (`workshops.Idea`). The team uses a source to write a commitment: it
creates an action from it, amends an action with it, or links it to the commitment without changing any text. Each
use is an `EvidenceLink` (one per commitment and source): it names the action the source created or amended, keeps
pointing at it when its text is edited, stays on the commitment when the action is removed, and is untouched by the
freezing of a commitments version (versions copy the texts; links live on the commitments themselves).

Reads are bounded in queries whatever the data size; writes are service functions under one transaction each.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction
from pacte.core.models import ncount
from pacte.indicators.models import Indicator
from pacte.interviews.models import CommitmentIdea, Finding, IdeaSide, Interview
from pacte.land.models import Criterion
from pacte.workshops.models import Idea as PostIt
from pacte.workshops.models import Reaction, ReactionKind, Resolution

from . import services_commitments as editor
from .models import EvidenceKind, EvidenceLink

SIDES = {IdeaSide.COMPANY: CompanyAction, IdeaSide.TERRITORY: TerritoryAction}
# The side of an action as the commitments editor names it (its history's item type: "company_action"…).
EDITOR_SIDES = {IdeaSide.COMPANY: "entreprises", IdeaSide.TERRITORY: "territoire"}
# What "utiliser" edits of an action: its fingerprint is over these fields (the stale check).
ACTION_FIELDS = ("text",)

SOURCE_MODELS = {EvidenceKind.IDEA: CommitmentIdea, EvidenceKind.FINDING: Finding, EvidenceKind.POSTIT: PostIt}
# The URL segment of each kind of source, and back.
KIND_SEGMENTS = {EvidenceKind.IDEA: "idee", EvidenceKind.FINDING: "constat", EvidenceKind.POSTIT: "post-it"}
SEGMENT_KINDS = {segment: kind for kind, segment in KIND_SEGMENTS.items()}


class EvidenceError(ValueError):
    """A use of a source the rules refuse (the message is shown to the user)."""


def _plain(text: str) -> str:
    return (text or "").replace("\r\n", "\n").strip()


# --- sources and actions, looked up within a territory ----------------------------------------------------------


def source_get(*, territory, kind: str, pk: int):
    """A source of this territory (raises the model's DoesNotExist otherwise)."""
    model = SOURCE_MODELS[kind]
    related = {
        EvidenceKind.IDEA: ("interview__stakeholder", "theme"),
        EvidenceKind.FINDING: ("axis", "theme"),
        EvidenceKind.POSTIT: ("workshop", "participant__contact", "commitment"),
    }[kind]
    return model.objects.for_territory(territory).select_related(*related).get(pk=pk)


def action_key(action) -> str:
    """How a form names an action: "company-12" or "territory-7"."""
    side = IdeaSide.COMPANY if isinstance(action, CompanyAction) else IdeaSide.TERRITORY
    return f"{side}-{action.pk}"


def action_from_key(*, commitments, key: str):
    """The action a form named, among the actions of these commitments; None when it is not one of them."""
    side, _sep, pk = (key or "").partition("-")
    if side not in SIDES or not pk.isdigit():
        return None
    return SIDES[side].objects.filter(commitment__in=commitments, pk=int(pk)).select_related("commitment").first()


def action_side(action) -> str:
    return IdeaSide.COMPANY if isinstance(action, CompanyAction) else IdeaSide.TERRITORY


# --- writes -----------------------------------------------------------------------------------------------------


def _adapted(commitment: Commitment) -> None:
    """The commitment's text now comes from the territory's own material: no longer the template's wording."""
    if commitment.from_template:
        Commitment.objects.filter(pk=commitment.pk).update(from_template=False)
        commitment.from_template = False


def _link(*, commitment, kind: str, source, user, action=None) -> tuple[EvidenceLink, bool]:
    """The link of this source to this commitment, created once (a second use adds no duplicate). A link that names
    no action (linked without text, or its action since removed) takes the action used now; a link that names a
    live action keeps it (the first action written from the source)."""
    sides = {}
    if action is not None:
        sides = {f"{action_side(action)}_action": action}
    link, created = EvidenceLink.objects.get_or_create(
        commitment=commitment,
        **{kind: source},
        defaults={"territory": commitment.territory, "kind": kind, "created_by": _user(user), **sides},
    )
    if not created and sides and link.company_action_id is None and link.territory_action_id is None:
        for name, value in sides.items():
            setattr(link, name, value)
        link.save(update_fields=list(sides))
    return link, created


def _user(user):
    return user if user is not None and user.is_authenticated else None


def _check_same_territory(commitment, source) -> None:
    if commitment.territory_id != source.territory_id:
        raise EvidenceError(_("La source et l'engagement n'appartiennent pas au même territoire."))


@transaction.atomic
def evidence_action_create(*, commitment: Commitment, side: str, text: str, kind: str, source, user):
    """A new action at the end of one side of the commitment, written from a source: the action and its history
    (through the commitments editor's service), the link to the source, and the commitment no longer in template
    wording. `side` is "company" or "territory"."""
    _check_same_territory(commitment, source)
    text = _plain(text)
    if not text:
        raise EvidenceError(_("Écrivez le texte de l'action."))
    action = editor.action_create(
        territory=commitment.territory,
        commitment_pk=commitment.pk,
        side=EDITOR_SIDES[side],
        values={"text": text},
        user=user,
    )
    link, _created = _link(commitment=commitment, kind=kind, source=source, user=user, action=action)
    _adapted(commitment)
    return action, link


@transaction.atomic
def evidence_action_amend(*, action, text: str, loaded: str, kind: str, source, user):
    """Replace an action's text by a text written with a source, if nobody changed it since `loaded` (the
    fingerprint of its text then): raises StaleEdit otherwise, nothing saved. Returns the action, the record
    written (None when the text did not change) and the link."""
    commitment = action.commitment
    _check_same_territory(commitment, source)
    text = _plain(text)
    if not text:
        raise EvidenceError(_("Écrivez le texte de l'action."))
    records = editor.action_update(
        territory=commitment.territory,
        side=EDITOR_SIDES[action_side(action)],
        action_pk=action.pk,
        values={"text": text},
        loaded=loaded,
        user=user,
    )
    action.refresh_from_db(fields=["text"])
    link, _created = _link(commitment=commitment, kind=kind, source=source, user=user, action=action)
    _adapted(commitment)
    return action, (records[0] if records else None), link


@transaction.atomic
def evidence_link(*, commitment: Commitment, kind: str, source, user) -> tuple[EvidenceLink, bool]:
    """Link a source to a commitment without changing any text; returns (link, created)."""
    _check_same_territory(commitment, source)
    return _link(commitment=commitment, kind=kind, source=source, user=user)


def evidence_unlink(*, link: EvidenceLink) -> None:
    """The source no longer stands behind the commitment (its texts are unchanged)."""
    link.delete()


# --- what stands behind each commitment ---------------------------------------------------------------------------


@dataclass
class Behind:
    interviews: set = field(default_factory=set)
    findings: set = field(default_factory=set)
    postits: set = field(default_factory=set)
    vetoes_lifted: int = 0
    adjustments_decided: int = 0
    pending: int = 0

    def text(self) -> str:
        parts = []
        if self.interviews:
            parts.append(ncount(_("%(n)s entretien"), _("%(n)s entretiens"), len(self.interviews)))
        if self.findings:
            parts.append(ncount(_("%(n)s constat"), _("%(n)s constats"), len(self.findings)))
        if self.postits:
            parts.append(ncount(_("%(n)s post-it"), _("%(n)s post-its"), len(self.postits)))
        if self.vetoes_lifted:
            parts.append(ncount(_("%(n)s veto levé"), _("%(n)s vetos levés"), self.vetoes_lifted))
        if self.adjustments_decided:
            parts.append(
                ncount(_("%(n)s ajustement tranché"), _("%(n)s ajustements tranchés"), self.adjustments_decided)
            )
        if self.pending:
            parts.append(
                ncount(
                    _("%(n)s veto ou ajustement à trancher"), _("%(n)s vetos ou ajustements à trancher"), self.pending
                )
            )
        return ", ".join(parts)


def _behind(*, territory, commitment_ids=None) -> dict[int, Behind]:
    """3 queries: the links (with the interviews behind linked ideas and linked findings), the post-its placed on
    commitments, the vetoes and adjustments."""
    scope = {} if commitment_ids is None else {"commitment_id__in": commitment_ids}
    behind: dict[int, Behind] = defaultdict(Behind)
    # 1. Links, joined to the idea's interview and to the finding's interviews (one row per finding's interview).
    rows = (
        EvidenceLink.objects.for_territory(territory)
        .filter(**scope)
        .values_list("commitment_id", "kind", "idea__interview_id", "finding_id", "finding__interviews", "postit_id")
    )
    for commitment_id, kind, idea_interview, finding_id, finding_interview, postit_id in rows:
        item = behind[commitment_id]
        if kind == EvidenceKind.IDEA:
            item.interviews.add(idea_interview)
        elif kind == EvidenceKind.FINDING:
            item.findings.add(finding_id)
            if finding_interview is not None:
                item.interviews.add(finding_interview)
        else:
            item.postits.add(postit_id)
    # 2. Post-its placed on a commitment in a workshop (linked or not: counted once).
    placed = PostIt.objects.for_territory(territory).filter(commitment__isnull=False, **scope)
    for commitment_id, postit_id in placed.values_list("commitment_id", "pk"):
        behind[commitment_id].postits.add(postit_id)
    # 3. Vetoes and adjustments, decided or not.
    reactions = Reaction.objects.for_territory(territory).filter(
        kind__in=[ReactionKind.VETO, ReactionKind.ADJUST], **scope
    )
    for commitment_id, kind, resolution_id in reactions.values_list("commitment_id", "kind", "resolution_id"):
        item = behind[commitment_id]
        if resolution_id is None:
            item.pending += 1
        elif kind == ReactionKind.VETO:
            item.vetoes_lifted += 1
        else:
            item.adjustments_decided += 1
    return behind


def evidence_summaries(*, territory) -> dict[int, str]:
    """{commitment id: what stands behind it, in words ("3 entretiens, 5 post-its, 1 veto levé")}.

    What counts, for each commitment of the territory:
    - "entretiens": the distinct interviews behind its sources: the interview of each linked commitment idea and
      the interviews supporting each linked finding (an interview counted once however many of its ideas and
      findings are linked);
    - "constats": the findings of the diagnostic linked to it;
    - "post-its": the distinct workshop post-its linked to it or placed on it in a workshop;
    - "vetos levés": the veto reactions on it that a resolution decided (text changed or kept with a reason);
    - "ajustements tranchés": the adjustment (or question) reactions on it that a resolution decided;
    - "vetos ou ajustements à trancher": those still waiting for a decision.
    Parts that count nothing are left out; a commitment with nothing behind it is not in the dict. French plurals
    (0 and 1 singular). Always 3 queries, whatever the number of commitments, links, post-its and reactions.
    """
    return {pk: text for pk, item in _behind(territory=territory).items() if (text := item.text())}


def commitment_summary(*, territory, commitment) -> str:
    """What stands behind one commitment, counted as in evidence_summaries (3 queries)."""
    behind = _behind(territory=territory, commitment_ids=[commitment.pk])
    return behind[commitment.pk].text() if commitment.pk in behind else ""


# --- the material of a theme --------------------------------------------------------------------------------------


@dataclass
class Source:
    kind: str
    item: object
    links: list = field(default_factory=list)

    @property
    def segment(self) -> str:
        return KIND_SEGMENTS[self.kind]

    @property
    def anchor(self) -> str:
        return f"source-{self.segment}-{self.item.pk}"

    @property
    def text(self) -> str:
        return self.item.text

    @property
    def interview_count(self) -> str:
        """A finding's support, in words (its interviews are prefetched)."""
        return ncount(_("%(n)s entretien"), _("%(n)s entretiens"), len(self.item.interviews.all()))


@dataclass
class CommitmentReactions:
    commitment: Commitment
    agree: int = 0
    adjust: int = 0
    veto: int = 0
    pending: int = 0
    comments: list = field(default_factory=list)  # (kind label, comment, decided)
    resolutions: list = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.agree or self.adjust or self.veto or self.resolutions)

    @property
    def counts_text(self) -> str:
        return ", ".join(
            [
                ncount(_("%(n)s soutien"), _("%(n)s soutiens"), self.agree),
                ncount(_("%(n)s ajustement"), _("%(n)s ajustements"), self.adjust),
                ncount(_("%(n)s veto"), _("%(n)s vetos"), self.veto),
            ]
        )


def _actions_prefetch():
    return (
        Prefetch("company_actions", queryset=CompanyAction.objects.order_by("order", "pk")),
        Prefetch("territory_actions", queryset=TerritoryAction.objects.order_by("order", "pk")),
    )


def theme_commitments(*, territory, theme) -> list[Commitment]:
    """The theme's commitments with their actions (3 queries)."""
    return list(
        Commitment.objects.for_territory(territory)
        .filter(theme=theme)
        .order_by("order", "pk")
        .prefetch_related(*_actions_prefetch())
    )


def theme_sources(*, territory, theme) -> dict:
    """Everything gathered for a theme, each source with the commitments it is already used for (anywhere in the
    territory). 13 queries whatever the data size: the commitments and their two sides of actions (3), the ideas (1),
    the findings and their interviews (2), the post-its (1), the links (1), what stands behind each commitment (3),
    the reactions and the resolutions (2)."""
    commitments = theme_commitments(territory=territory, theme=theme)
    ids = [c.pk for c in commitments]
    linked_here = EvidenceLink.objects.filter(territory=territory, commitment__theme=theme)
    # Ideas of the theme, those without theme, and those used for its commitments.
    ideas = list(
        CommitmentIdea.objects.for_territory(territory)
        .filter(
            Q(theme=theme) | Q(theme__isnull=True) | Q(pk__in=linked_here.filter(idea__isnull=False).values("idea"))
        )
        .select_related("interview__stakeholder")
        .order_by("interview__held_on", "interview__pk", "pk")
    )
    findings = list(
        Finding.objects.for_territory(territory)
        .filter(
            Q(theme=theme)
            | Q(theme__isnull=True)
            | Q(pk__in=linked_here.filter(finding__isnull=False).values("finding"))
        )
        .select_related("axis")
        .prefetch_related("interviews")  # counted in Python: no annotation joined to the filter's subquery
        .order_by("axis__order", "axis__pk", "order", "pk")
    )
    postits = list(
        PostIt.objects.for_territory(territory)
        .filter(Q(commitment_id__in=ids) | Q(pk__in=linked_here.filter(postit__isnull=False).values("postit")))
        .select_related("workshop", "participant__contact", "commitment")
        .order_by("commitment__order", "commitment__pk", "created_at", "pk")
    )
    sources = {
        EvidenceKind.IDEA: {i.pk: Source(EvidenceKind.IDEA, i) for i in ideas},
        EvidenceKind.FINDING: {f.pk: Source(EvidenceKind.FINDING, f) for f in findings},
        EvidenceKind.POSTIT: {p.pk: Source(EvidenceKind.POSTIT, p) for p in postits},
    }
    links = (
        EvidenceLink.objects.for_territory(territory)
        .filter(
            Q(idea_id__in=list(sources[EvidenceKind.IDEA]))
            | Q(finding_id__in=list(sources[EvidenceKind.FINDING]))
            | Q(postit_id__in=list(sources[EvidenceKind.POSTIT]))
        )
        .select_related("commitment__theme", "company_action", "territory_action")
        .order_by("commitment__theme__order", "commitment__order", "commitment__pk")
    )
    for link in links:
        source_id = {"idea": link.idea_id, "finding": link.finding_id, "postit": link.postit_id}[link.kind]
        sources[link.kind][source_id].links.append(link)
    behind = _behind(territory=territory, commitment_ids=ids)
    for commitment in commitments:
        commitment.evidence_summary = behind[commitment.pk].text() if commitment.pk in behind else ""

    def here(source) -> bool:
        """Of this theme, or used for one of its commitments; the others are the sources without a theme."""
        return source.item.theme_id == theme.pk or any(link.commitment.theme_id == theme.pk for link in source.links)

    themed_ideas = [s for s in sources[EvidenceKind.IDEA].values() if here(s)]
    themed_findings = [s for s in sources[EvidenceKind.FINDING].values() if here(s)]
    return {
        "commitments": commitments,
        "ideas": {
            side: [s for s in themed_ideas if s.item.side == side] for side in (IdeaSide.COMPANY, IdeaSide.TERRITORY)
        },
        "findings": themed_findings,
        "postits": list(sources[EvidenceKind.POSTIT].values()),
        "unthemed_ideas": [s for s in sources[EvidenceKind.IDEA].values() if not here(s)],
        "unthemed_findings": [s for s in sources[EvidenceKind.FINDING].values() if not here(s)],
        "reactions": _reactions(territory=territory, commitments=commitments),
    }


def _reactions(*, territory, commitments) -> list[CommitmentReactions]:
    """The workshop reactions per commitment and their resolutions (2 queries)."""
    rows = {c.pk: CommitmentReactions(c) for c in commitments}
    labels = dict(ReactionKind.choices)
    reactions = Reaction.objects.for_territory(territory).filter(commitment_id__in=list(rows)).order_by("pk")
    for commitment_id, kind, comment, resolution_id in reactions.values_list(
        "commitment_id", "kind", "comment", "resolution_id"
    ):
        row = rows[commitment_id]
        setattr(row, kind, getattr(row, kind) + 1)
        if kind != ReactionKind.AGREE and resolution_id is None:
            row.pending += 1
        if comment.strip():
            row.comments.append((labels[kind], comment, resolution_id is not None))
    resolutions = Resolution.objects.for_territory(territory).filter(commitment_id__in=list(rows))
    for resolution in resolutions.select_related("decided_by").order_by("decided_at", "pk"):
        rows[resolution.commitment_id].resolutions.append(resolution)
    return [row for row in rows.values() if row.any]


# --- the evidence trail of a commitment ---------------------------------------------------------------------------


def commitment_trail(*, territory, commitment: Commitment) -> dict:
    """Interview → finding/idea/post-it → commitment (its actions, each with the sources it came from) → the
    indicators of its theme → the land criteria derived from it. 9 queries whatever the data size: the links with
    their sources (1) and the findings' interviews (1), the two sides of actions (2), the post-its placed on it (1),
    the reactions and resolutions (2), the indicators (1), the criteria with their calls (1)."""
    links = list(
        EvidenceLink.objects.for_territory(territory)
        .filter(commitment=commitment)
        .select_related(
            "idea__interview__stakeholder",
            "finding__axis",
            "postit__workshop",
            "postit__participant__contact",
            "company_action",
            "territory_action",
        )
        .prefetch_related(Prefetch("finding__interviews", queryset=_interviews()))
    )
    interviews = {}
    for link in links:
        if link.idea_id:
            interviews[link.idea.interview.pk] = link.idea.interview
        if link.finding_id:
            for interview in link.finding.interviews.all():
                interviews[interview.pk] = interview
    by_action = defaultdict(list)
    for link in links:
        if link.company_action_id:
            by_action[(IdeaSide.COMPANY, link.company_action_id)].append(link)
        if link.territory_action_id:
            by_action[(IdeaSide.TERRITORY, link.territory_action_id)].append(link)
    actions = {}
    for side, model in SIDES.items():
        actions[side] = [
            (action, by_action[(side, action.pk)])
            for action in model.objects.filter(commitment=commitment).order_by("order", "pk")
        ]
    linked_postits = {link.postit_id for link in links if link.postit_id}
    placed = [
        p
        for p in PostIt.objects.for_territory(territory)
        .filter(commitment=commitment)
        .select_related("workshop", "participant__contact")
        .order_by("created_at", "pk")
        if p.pk not in linked_postits
    ]
    reactions = _reactions(territory=territory, commitments=[commitment])
    return {
        "links": links,
        "interviews": sorted(interviews.values(), key=lambda i: (i.held_on is None, i.held_on, i.pk)),
        "actions": actions,
        "placed_postits": placed,
        "reactions": reactions[0] if reactions else None,
        "indicators": list(Indicator.objects.for_territory(territory).filter(theme_id=commitment.theme_id)),
        "criteria": list(
            Criterion.objects.for_territory(territory)
            .filter(commitment=commitment)
            .select_related("call")
            .order_by("-call__opens_on", "call__pk", "order", "pk")
        ),
    }


def _interviews():
    return Interview.objects.select_related("stakeholder").order_by("held_on", "pk")

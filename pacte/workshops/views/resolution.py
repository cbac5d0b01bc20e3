"""Resolution of the workshops' vetoes and adjustments: the list to decide on, and the decision on one commitment."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction
from pacte.core.access import get_territory_for_user, user_can_write
from pacte.core.models import ncount

from ..forms_resolution import ResolutionForm
from ..models import Idea, Reaction, ReactionKind, Resolution
from ..services import WorkshopError, resolution_record

PARTICIPANT_RELATED = ("participant__contact__stakeholder", "participant__workshop")


def pending_summary(vetoes: int, adjustments: int) -> str:
    return _("%(vetoes)s et %(adjustments)s en attente de décision") % {
        "vetoes": ncount(_("%(n)s veto"), _("%(n)s vetos"), vetoes),
        "adjustments": ncount(_("%(n)s ajustement"), _("%(n)s ajustements"), adjustments),
    }


@dataclass
class CommitmentRow:
    commitment: Commitment
    pending: list = field(default_factory=list)
    resolutions: list = field(default_factory=list)

    @property
    def vetoes(self) -> int:
        return sum(r.kind == ReactionKind.VETO for r in self.pending)

    @property
    def adjustments(self) -> int:
        return sum(r.kind == ReactionKind.ADJUST for r in self.pending)


def _sort_key(commitment: Commitment):
    return (commitment.theme.order, commitment.theme_id, commitment.order, commitment.pk)


@login_required
def resolution_list(request, slug):
    territory = get_territory_for_user(request, slug)
    rows: dict[int, CommitmentRow] = {}
    pending = (
        Reaction.objects.for_territory(territory)
        .filter(kind__in=[ReactionKind.VETO, ReactionKind.ADJUST], resolution__isnull=True)
        .select_related("commitment__theme", *PARTICIPANT_RELATED)
        .order_by("-kind", "created_at", "pk")  # vetoes first
    )  # 1 query
    for reaction in pending:
        rows.setdefault(reaction.commitment_id, CommitmentRow(reaction.commitment)).pending.append(reaction)
    resolutions = (
        Resolution.objects.for_territory(territory)
        .select_related("commitment__theme", "decided_by")
        .prefetch_related(
            Prefetch("reactions", queryset=Reaction.objects.select_related(*PARTICIPANT_RELATED).order_by("pk"))
        )
        .order_by("-decided_at", "-pk")
    )  # 2 queries
    for resolution in resolutions:
        rows.setdefault(resolution.commitment_id, CommitmentRow(resolution.commitment)).resolutions.append(resolution)
    ordered = sorted(rows.values(), key=lambda row: _sort_key(row.commitment))
    vetoes = sum(row.vetoes for row in ordered)
    adjustments = sum(row.adjustments for row in ordered)
    return render(
        request,
        "workshops/resolutions.html",
        {
            "territory": territory,
            "pending_rows": [row for row in ordered if row.pending],
            "decided_rows": [row for row in ordered if row.resolutions],
            "vetoes": vetoes,
            "summary": pending_summary(vetoes, adjustments),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resolve(request, slug, commitment_pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    commitment = get_object_or_404(
        Commitment.objects.for_territory(territory).select_related("theme"), pk=commitment_pk
    )
    company_actions = list(
        CompanyAction.objects.filter(commitment=commitment).order_by("order", "pk").values_list("text", flat=True)
    )
    territory_actions = list(
        TerritoryAction.objects.filter(commitment=commitment).order_by("order", "pk").values_list("text", flat=True)
    )
    form = ResolutionForm(
        request.POST or None,
        commitment=commitment,
        company_actions=company_actions,
        territory_actions=territory_actions,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        accepted = data["outcome"] == Resolution.Outcome.ACCEPTED
        try:
            resolution = resolution_record(
                commitment=commitment,
                reactions=data["reactions"],
                outcome=data["outcome"],
                reason=data["reason"],
                wording=form.wording() if accepted else None,
                actor=request.user,
            )
        except WorkshopError as error:
            form.add_error(None, str(error))
        else:
            n = resolution.reactions.count()
            done = ncount(_("%(n)s réaction tranchée"), _("%(n)s réactions tranchées"), n)
            if accepted:
                messages.success(
                    request,
                    _(
                        "« %(c)s » : modification acceptée (%(done)s). La nouvelle rédaction entrera dans la "
                        "prochaine version figée des engagements."
                    )
                    % {"c": commitment.title, "done": done},
                )
            else:
                messages.success(
                    request, _("« %(c)s » : texte maintenu (%(done)s).") % {"c": commitment.title, "done": done}
                )
            return redirect("workshops:resolutions", territory.slug)
    ideas = (
        Idea.objects.for_territory(territory)
        .filter(commitment=commitment)
        .select_related("workshop", *PARTICIPANT_RELATED)
        .order_by("created_at", "pk")
    )
    past = (
        Resolution.objects.filter(commitment=commitment)
        .select_related("decided_by")
        .prefetch_related(
            Prefetch("reactions", queryset=Reaction.objects.select_related(*PARTICIPANT_RELATED).order_by("pk"))
        )
        .order_by("-decided_at", "-pk")
    )
    return render(
        request,
        "workshops/resolution_form.html",
        {
            "territory": territory,
            "commitment": commitment,
            "company_actions": company_actions,
            "territory_actions": territory_actions,
            "form": form,
            "pending": form.pending,
            "selected": form.selected(),
            "summary": pending_summary(
                sum(r.kind == ReactionKind.VETO for r in form.pending),
                sum(r.kind == ReactionKind.ADJUST for r in form.pending),
            ),
            "ideas": ideas,
            "past": past,
            "can_write": user_can_write(request, territory),
        },
    )

"""The territory team's workshop tools for the room: the live board (projector) and the paper entry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from pacte.commitments.models import Commitment
from pacte.core.access import get_territory_for_user, territories_for_user, user_can_write

from ..forms_participant import PaperForm, new_client_key
from ..models import Workshop
from ..services import WorkshopError, paper_type_in, workshop_board, workshops_with_board_totals


def _workshop_for_user(request, slug, pk, *, write=False) -> Workshop:
    territory = get_territory_for_user(request, slug, write=write)
    return get_object_or_404(Workshop.objects.for_territory(territory).select_related("territory"), pk=pk)


def _board_workshop(request, slug, pk) -> Workshop:
    """The workshop of a board, its territory, the board's totals and whether the user may read it: 1 query
    (404 if unknown under this slug, 403 if not the user's territory). The board is polled every 3 seconds."""
    readable = territories_for_user(request.user).filter(pk=OuterRef("territory_id"))
    workshop = get_object_or_404(
        workshops_with_board_totals(Workshop.objects.select_related("territory")).annotate(readable=Exists(readable)),
        pk=pk,
        territory__slug=slug,
    )
    if not workshop.readable:
        raise PermissionDenied
    return workshop


def _board_context(workshop: Workshop) -> dict:
    board = workshop_board(workshop=workshop)
    for number, row in enumerate(board["rows"], 1):
        row.number = number
    # Bars are drawn relative to the largest count of the board, so that they compare across commitments.
    board["bar_max"] = max([max(r.agree, r.adjust, r.veto) for r in board["rows"]] + [1])
    return {"workshop": workshop, "territory": workshop.territory, "board": board}


@login_required
@require_GET
def board(request, slug, pk):
    workshop = _board_workshop(request, slug, pk)
    context = _board_context(workshop)
    context["join_url"] = request.build_absolute_uri(reverse("workshops:join", args=[workshop.token]))
    return render(request, "workshops/board.html", context)


@login_required
@require_GET
def board_live(request, slug, pk):
    """The board's body alone, fetched every 3 seconds by the board page: session, user, workshop (with its totals
    and the access check), commitments with their counts, post-its and vetoes: 5 queries."""
    workshop = _board_workshop(request, slug, pk)
    return render(request, "workshops/_board_live.html", _board_context(workshop))


def _targets(workshop: Workshop) -> list[Commitment]:
    return list(
        Commitment.objects.for_territory(workshop.territory)
        .select_related("theme")
        .order_by("theme__order", "theme__pk", "order", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper(request, slug, pk):
    """The facilitator types in the post-its of a paper workshop, one per line, also after it is closed."""
    workshop = _workshop_for_user(request, slug, pk, write=request.method == "POST")
    commitments = _targets(workshop)
    initial = {"target": request.GET.get("cible", ""), "client_key": new_client_key()}
    form = PaperForm(request.POST or None, initial=initial, workshop=workshop, commitments=commitments)
    if request.method == "POST" and form.is_valid():
        try:
            counts = paper_type_in(
                workshop=workshop,
                lines=form.cleaned_data["lines"],
                typed_by=request.user,
                client_key=form.cleaned_data["client_key"],
                **form.target_kwargs(),
            )
        except WorkshopError as refusal:
            form.add_error("lines", str(refusal))
        else:
            ideas = ngettext("%(n)s post-it ajouté", "%(n)s post-its ajoutés", counts["ideas"]) % {"n": counts["ideas"]}
            reactions = ngettext("%(n)s réaction", "%(n)s réactions", counts["reactions"]) % {"n": counts["reactions"]}
            if counts["duplicate"]:
                messages.warning(request, _("Ces post-its étaient déjà enregistrés : rien n'a été ajouté."))
            else:
                messages.success(request, _("%(ideas)s, %(reactions)s.") % {"ideas": ideas, "reactions": reactions})
            url = reverse("workshops:paper", args=[workshop.territory.slug, workshop.pk])
            return redirect(f"{url}?cible={form.cleaned_data['target']}")
    can_write = user_can_write(request, workshop.territory)
    return render(
        request,
        "workshops/paper.html",
        {"workshop": workshop, "territory": workshop.territory, "form": form, "can_write": can_write},
    )

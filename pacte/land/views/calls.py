"""Land calls, the territory team's side: creation, the call's page, its criteria grid, opening and closing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pacte.core.access import get_territory_for_user, territory_ids_for_request

from ..forms import CallForm, CriterionForm, ScreeningRuleForm
from ..models import LandCall
from ..services_calls import (
    GridFrozen,
    call_close,
    call_open,
    criterion_delete,
    criterion_save,
    grid_propose_default,
    screening_rule_add,
    screening_rule_delete,
)
from ..services_calls import (
    call_create as create_call,
)


def _call_of(territory, pk) -> LandCall:
    """A call of this territory only: another territory's pk is a 404, even through one's own slug."""
    return get_object_or_404(LandCall.objects.for_territory(territory), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    form = CallForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = create_call(
                territory=territory,
                actor=request.user,
                title=data["title"],
                description=data["description"],
                parcels=list(data["parcels"]),
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("L'appel « %(t)s » est créé. Préparez maintenant sa grille.") % {"t": call})
            return redirect("land:grid", slug=territory.slug, pk=call.pk)
    return render(request, "land/call_form.html", {"territory": territory, "form": form})


@login_required
def call_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug)
    call = _call_of(territory, pk)
    return render(
        request,
        "land/call_detail.html",
        {
            "territory": territory,
            "call": call,
            "parcels": call.parcels.select_related("commune").order_by("name"),
            "applications": call.applications.all(),
            "criteria_count": call.criteria.count(),
            "events": call.events.select_related("actor")[:30],
            "can_write": territory.pk in territory_ids_for_request(request, write=True),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def grid(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    call = _call_of(territory, pk)
    new_form = CriterionForm(territory=territory, prefix="new")
    rule_form = ScreeningRuleForm(prefix="rule")
    edited_pk, edited_form = None, None
    if request.method == "POST":
        if call.grid_frozen:
            messages.error(
                request, _("La grille de cet appel est figée depuis son ouverture : elle ne peut plus être modifiée.")
            )
            return render(request, "land/grid.html", _grid_context(request, territory, call), status=403)
        action = request.POST.get("action", "")
        try:
            if action == "default":
                created = grid_propose_default(call=call, actor=request.user)
                messages.success(request, _("%(n)s critères par défaut ont été ajoutés.") % {"n": len(created)})
                return redirect("land:grid", slug=territory.slug, pk=call.pk)
            if action == "add":
                new_form = CriterionForm(request.POST, territory=territory, prefix="new")
                if new_form.is_valid():
                    criterion_save(call=call, actor=request.user, **new_form.values())
                    messages.success(request, _("Le critère est ajouté."))
                    return redirect("land:grid", slug=territory.slug, pk=call.pk)
            elif action == "update":
                criterion = get_object_or_404(call.criteria.all(), pk=request.POST.get("criterion"))
                edited_pk = criterion.pk
                edited_form = CriterionForm(request.POST, territory=territory, prefix=f"c{criterion.pk}")
                if edited_form.is_valid():
                    criterion_save(call=call, actor=request.user, criterion=criterion, **edited_form.values())
                    messages.success(request, _("Le critère « %(c)s » est modifié.") % {"c": criterion.name})
                    return redirect("land:grid", slug=territory.slug, pk=call.pk)
            elif action == "delete":
                criterion = get_object_or_404(call.criteria.all(), pk=request.POST.get("criterion"))
                criterion_delete(call=call, actor=request.user, criterion=criterion)
                messages.success(request, _("Le critère est retiré."))
                return redirect("land:grid", slug=territory.slug, pk=call.pk)
            elif action == "rule_add":
                rule_form = ScreeningRuleForm(request.POST, prefix="rule")
                if rule_form.is_valid():
                    screening_rule_add(call=call, actor=request.user, text=rule_form.cleaned_data["text"])
                    messages.success(request, _("L'exigence légale est ajoutée."))
                    return redirect("land:grid", slug=territory.slug, pk=call.pk)
            elif action == "rule_delete":
                rule = get_object_or_404(call.screening_rules.all(), pk=request.POST.get("rule"))
                screening_rule_delete(call=call, actor=request.user, rule=rule)
                messages.success(request, _("L'exigence légale est retirée."))
                return redirect("land:grid", slug=territory.slug, pk=call.pk)
            else:
                raise PermissionDenied
        except GridFrozen as error:
            messages.error(request, _error_text(error))
            return render(request, "land/grid.html", _grid_context(request, territory, call), status=403)
        except ValidationError as error:
            messages.error(request, _error_text(error))
    context = _grid_context(request, territory, call, edited_pk=edited_pk, edited_form=edited_form)
    if request.method == "POST":
        context |= {"new_form": new_form, "rule_form": rule_form}
        return render(request, "land/grid.html", context, status=400)
    return render(request, "land/grid.html", context)


def _grid_context(request, territory, call, *, edited_pk=None, edited_form=None) -> dict:
    can_edit = not call.grid_frozen and territory.pk in territory_ids_for_request(request, write=True)
    criteria = list(call.criteria.select_related("commitment__theme"))
    rows = []
    for criterion in criteria:
        form = None
        if can_edit:
            form = (
                edited_form
                if criterion.pk == edited_pk
                else CriterionForm(territory=territory, criterion=criterion, prefix=f"c{criterion.pk}")
            )
        rows.append({"criterion": criterion, "form": form, "open": criterion.pk == edited_pk})
    return {
        "territory": territory,
        "call": call,
        "rows": rows,
        "rules": list(call.screening_rules.all()),
        "total_weight": sum(c.weight for c in criteria),
        "can_edit": can_edit,
        "new_form": CriterionForm(territory=territory, prefix="new") if can_edit else None,
        "rule_form": ScreeningRuleForm(prefix="rule") if can_edit else None,
    }


@login_required
@require_POST
def call_status(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    call = _call_of(territory, pk)
    action = request.POST.get("action")
    try:
        if action == "open":
            call_open(call=call, actor=request.user)
            messages.success(request, _("L'appel est ouvert aux candidatures ; sa grille est désormais figée."))
        elif action == "close":
            call_close(call=call, actor=request.user)
            messages.success(request, _("L'appel est clos : les candidatures passent en instruction."))
        else:
            raise PermissionDenied
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("land:call_detail", slug=territory.slug, pk=call.pk)

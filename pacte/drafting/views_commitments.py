"""The commitments and actions of one theme, written in the workspace (step 3).

Every page works without JavaScript (plain links and forms answered by a redirect); with HTMX, an action's
"Modifier" swaps its form in place of its text and saving swaps the text back (`request.htmx`: the same views
answer with a fragment). Read-only members read everything; every write is refused to them (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pacte.commitments.models import Commitment, Theme
from pacte.core.access import get_territory_for_user, user_can_write

from . import services_commitments as services
from .evidence import evidence_summaries
from .forms_commitments import ActionForm, CommitmentForm
from .services import StaleEdit, fingerprint, history

# History pages: URL segment → item type.
HISTORY_KINDS = {
    "engagement": services.COMMITMENT,
    "action-entreprises": "company_action",
    "action-territoire": "territory_action",
}
KIND_OF_ITEM_TYPE = {item_type: kind for kind, item_type in HISTORY_KINDS.items()}
FIELD_LABELS = {
    name: field.label
    for form in (CommitmentForm, ActionForm)
    for name, field in form.base_fields.items()
    if name != "loaded"
} | {"order": gettext_lazy("Position")}
DIRECTIONS = {"monter": -1, "descendre": 1}


# --- look-ups, all scoped by the territory the access helper returned ------------------------------------------


def _theme(territory, theme_pk) -> Theme:
    return get_object_or_404(Theme.objects.for_territory(territory), pk=theme_pk)


def _commitment(territory, theme, pk) -> Commitment:
    return get_object_or_404(Commitment.objects.for_territory(territory).filter(theme=theme), pk=pk)


def _side(side) -> services.Side:
    if side not in services.SIDES:
        raise Http404
    return services.SIDES[side]


def _action(territory, commitment, side, pk):
    model = _side(side).model
    return get_object_or_404(model.objects.for_territory(territory).filter(commitment=commitment), pk=pk)


def _theme_url(territory, theme, anchor="") -> str:
    url = reverse("drafting_commitments:theme", args=[territory.slug, theme.pk])
    return f"{url}#{anchor}" if anchor else url


def _direction(request) -> int:
    step = DIRECTIONS.get(request.POST.get("direction"))
    if step is None:
        raise Http404
    return step


def _fragment(request, template, context, *, status=200):
    """A fragment for HTMX; the response varies on the HX-Request header (the same URL gives a page otherwise)."""
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _stale_context(stale: StaleEdit, fields) -> dict:
    return {
        "current": [(FIELD_LABELS.get(name, name), getattr(stale.current, name)) for name in fields],
        "last": stale.last,
    }


def _action_context(territory, theme, commitment, side, action, *, can_write) -> dict:
    """What the fragment of one action needs, its place in its side included (1 query)."""
    ids = list(side.model.objects.filter(commitment=commitment).order_by("order", "pk").values_list("pk", flat=True))
    return {
        "territory": territory,
        "theme": theme,
        "commitment": commitment,
        "side": side,
        "action": action,
        "is_first": bool(ids) and ids[0] == action.pk,
        "is_last": bool(ids) and ids[-1] == action.pk,
        "can_write": can_write,
    }


# --- the theme page ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def theme(request, slug, theme_pk):
    """The commitments of a theme, both sides, in order (a bounded number of queries whatever their number)."""
    territory = get_territory_for_user(request, slug)
    theme = _theme(territory, theme_pk)
    commitments = services.theme_commitments(territory=territory, theme=theme)
    summaries = evidence_summaries(territory=territory)
    for commitment in commitments:
        commitment.evidence = summaries.get(commitment.pk, "")
        commitment.sides = [
            {
                "side": side,
                "intro": getattr(commitment, side.intro_field),
                "actions": getattr(commitment, side.related_name).all(),
            }
            for side in services.SIDES.values()
        ]
    return render(
        request,
        "drafting/commitments/theme.html",
        {
            "territory": territory,
            "theme": theme,
            "commitments": commitments,
            "can_write": user_can_write(request, territory),
        },
    )


# --- commitments -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def commitment_create(request, slug, theme_pk):
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    form = CommitmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        commitment = services.commitment_create(
            territory=territory, theme=theme, values=form.values(), user=request.user
        )
        messages.success(request, _("Engagement ajouté à la fin de la thématique. Rédigez maintenant ses actions."))
        return redirect(_theme_url(territory, theme, f"engagement-{commitment.pk}"))
    return render(
        request,
        "drafting/commitments/commitment_form.html",
        {"territory": territory, "theme": theme, "form": form, "commitment": None, "stale": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_edit(request, slug, theme_pk, pk):
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    fields = CommitmentForm.item_fields
    stale = None
    if request.method == "POST":
        form = CommitmentForm(request.POST)
        if form.is_valid():
            try:
                records = services.commitment_update(
                    territory=territory,
                    commitment_pk=commitment.pk,
                    values=form.values(),
                    loaded=form.cleaned_data["loaded"],
                    user=request.user,
                )
            except StaleEdit as error:
                stale = _stale_context(error, fields)
                data = request.POST.copy()
                data["loaded"] = fingerprint(error.current, fields)  # saving again, knowingly, replaces it
                form = CommitmentForm(data)
                form.is_valid()
            else:
                messages.success(
                    request, _("Modifications enregistrées.") if records else _("Aucune modification à enregistrer.")
                )
                return redirect(_theme_url(territory, theme, f"engagement-{commitment.pk}"))
    else:
        initial = {name: getattr(commitment, name) for name in fields} | {"loaded": fingerprint(commitment, fields)}
        form = CommitmentForm(initial=initial)
    return render(
        request,
        "drafting/commitments/commitment_form.html",
        {"territory": territory, "theme": theme, "form": form, "commitment": commitment, "stale": stale},
        status=409 if stale else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_delete(request, slug, theme_pk, pk):
    """A confirmation page; the removal is refused, with its reasons, while something depends on the commitment."""
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    status = 200
    if request.method == "POST":
        try:
            services.commitment_delete(territory=territory, commitment_pk=commitment.pk, user=request.user)
        except services.RemovalRefused:
            status = 409
        else:
            messages.success(request, _("Engagement retiré du pacte (son texte reste dans l'historique)."))
            return redirect(_theme_url(territory, theme))
    return render(
        request,
        "drafting/commitments/delete.html",
        {
            "territory": territory,
            "theme": theme,
            "commitment": commitment,
            "action": None,
            "blockers": services.removal_blockers(commitment=commitment),
            "warnings": services.removal_warnings(commitment=commitment),
        },
        status=status,
    )


@login_required
@require_POST
def commitment_move(request, slug, theme_pk, pk):
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    step = _direction(request)
    if not services.commitment_move(territory=territory, commitment_pk=commitment.pk, step=step, user=request.user):
        messages.info(
            request,
            _("Cet engagement est déjà le premier de la thématique.")
            if step < 0
            else _("Cet engagement est déjà le dernier de la thématique."),
        )
    return redirect(_theme_url(territory, theme, f"engagement-{commitment.pk}"))


# --- actions -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request, slug, theme_pk, pk, side):
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    part = _side(side)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = services.action_create(
            territory=territory, commitment_pk=commitment.pk, side=side, values=form.values(), user=request.user
        )
        messages.success(request, _("Action ajoutée."))
        return redirect(_theme_url(territory, theme, f"action-{side}-{action.pk}"))
    return render(
        request,
        "drafting/commitments/action_form.html",
        {
            "territory": territory,
            "theme": theme,
            "commitment": commitment,
            "side": part,
            "action": None,
            "form": form,
            "stale": None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, slug, theme_pk, pk, side, action_pk):
    """The action's form: a page, or with HTMX a fragment swapped in place of the action's text."""
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    part = _side(side)
    action = _action(territory, commitment, side, action_pk)
    fields = ActionForm.item_fields
    # ids of its own: several actions' forms may be open on the theme page at once
    options = {"autofocus": bool(request.htmx), "auto_id": f"id_{side}_{action.pk}_%s"}
    stale = None
    if request.method == "POST":
        form = ActionForm(request.POST, **options)
        if form.is_valid():
            try:
                records = services.action_update(
                    territory=territory,
                    side=side,
                    action_pk=action.pk,
                    values=form.values(),
                    loaded=form.cleaned_data["loaded"],
                    user=request.user,
                )
            except StaleEdit as error:
                stale = _stale_context(error, fields)
                data = request.POST.copy()
                data["loaded"] = fingerprint(error.current, fields)
                form = ActionForm(data, **options)
                form.is_valid()
            else:
                message = _("Action enregistrée.") if records else _("Aucune modification à enregistrer.")
                if request.htmx:
                    action.refresh_from_db()
                    commitment.refresh_from_db(fields=["from_template"])
                    context = _action_context(territory, theme, commitment, part, action, can_write=True)
                    return _fragment(
                        request, "drafting/commitments/_action.html", context | {"oob": True, "live": message}
                    )
                messages.success(request, message)
                return redirect(_theme_url(territory, theme, f"action-{side}-{action.pk}"))
    else:
        initial = {name: getattr(action, name) for name in fields} | {"loaded": fingerprint(action, fields)}
        form = ActionForm(initial=initial, **options)
    context = {
        "territory": territory,
        "theme": theme,
        "commitment": commitment,
        "side": part,
        "action": action,
        "form": form,
        "stale": stale,
    }
    status = 409 if stale else 200
    if request.htmx:
        return _fragment(request, "drafting/commitments/_action_form.html", context, status=status)
    return render(request, "drafting/commitments/action_form.html", context, status=status)


@login_required
@require_GET
def action_show(request, slug, theme_pk, pk, side, action_pk):
    """The action's text (HTMX: "Annuler" swaps it back in place of the form); the theme page otherwise."""
    territory = get_territory_for_user(request, slug)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    part = _side(side)
    action = _action(territory, commitment, side, action_pk)
    if not request.htmx:
        return redirect(_theme_url(territory, theme, f"action-{side}-{action.pk}"))
    context = _action_context(territory, theme, commitment, part, action, can_write=user_can_write(request, territory))
    return _fragment(request, "drafting/commitments/_action.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def action_delete(request, slug, theme_pk, pk, side, action_pk):
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    part = _side(side)
    action = _action(territory, commitment, side, action_pk)
    if request.method == "POST":
        services.action_delete(territory=territory, side=side, action_pk=action.pk, user=request.user)
        messages.success(request, _("Action retirée (son texte reste dans l'historique)."))
        return redirect(_theme_url(territory, theme, f"engagement-{commitment.pk}"))
    return render(
        request,
        "drafting/commitments/delete.html",
        {
            "territory": territory,
            "theme": theme,
            "commitment": commitment,
            "side": part,
            "action": action,
            "blockers": [],
            "warnings": [],
        },
    )


@login_required
@require_POST
def action_move(request, slug, theme_pk, pk, side, action_pk):
    territory = get_territory_for_user(request, slug, write=True)
    theme = _theme(territory, theme_pk)
    commitment = _commitment(territory, theme, pk)
    action = _action(territory, commitment, side, action_pk)
    step = _direction(request)
    if not services.action_move(territory=territory, side=side, action_pk=action.pk, step=step, user=request.user):
        messages.info(
            request,
            _("Cette action est déjà la première de son côté.")
            if step < 0
            else _("Cette action est déjà la dernière de son côté."),
        )
    return redirect(_theme_url(territory, theme, f"action-{side}-{action.pk}"))


# --- history -----------------------------------------------------------------------------------------------------


def _removed_label(records) -> str:
    """A removed item's name, from its last texts kept in the history."""
    for record in records:
        if record.field in ("title", "text") and (record.old_text or record.new_text):
            return record.old_text or record.new_text
    return ""


def _exists_elsewhere(territory, item_type, item_pk) -> bool:
    model = Commitment if item_type == services.COMMITMENT else services.SIDE_OF_ITEM_TYPE[item_type].model
    return model.objects.for_territory(territory).filter(pk=item_pk).exists()


@login_required
@require_GET
def item_history(request, slug, theme_pk, kind, item_pk):
    """The saves of one commitment or action, newest first; still readable once the item was removed."""
    if kind not in HISTORY_KINDS:
        raise Http404
    territory = get_territory_for_user(request, slug)
    theme = _theme(territory, theme_pk)
    item_type = HISTORY_KINDS[kind]
    records = list(history(territory=territory, item_type=item_type, item_id=item_pk))
    if item_type == services.COMMITMENT:
        item = Commitment.objects.for_territory(territory).filter(theme=theme, pk=item_pk).first()
        one = _("engagement")
    else:
        side = services.SIDE_OF_ITEM_TYPE[item_type]
        item = side.model.objects.for_territory(territory).filter(commitment__theme=theme, pk=item_pk).first()
        one = side.one
    if item is None and (not records or _exists_elsewhere(territory, item_type, item_pk)):
        raise Http404  # never saved here, or an item of another theme (its history is under its own theme)
    for record in records:
        record.field_label = FIELD_LABELS.get(record.field, record.field)
    return render(
        request,
        "drafting/commitments/history.html",
        {
            "territory": territory,
            "theme": theme,
            "item": item,
            "one": one,
            "label": str(item) if item is not None else _removed_label(records),
            "records": records,
        },
    )

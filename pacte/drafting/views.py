"""The pact editor (step 3): workspace pages where the team writes the pact's texts; read-only members read them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pacte.core.access import get_territory_for_user, user_can_write
from pacte.publications.models import Pact

from . import services as editor
from .forms import AcknowledgementsForm, EditorialForm, KeyFigureForm, PrincipleForm, ThemeForm, TitleForm

# The pact's own texts, one page each: URL segment → (form, page title).
PACT_PAGES = {
    "titre": (TitleForm, gettext_lazy("Titre et couverture")),
    "edito": (EditorialForm, gettext_lazy("Édito et ambitions")),
    "remerciements": (AcknowledgementsForm, gettext_lazy("Remerciements")),
}

# The lists: URL segment → (item type, form, page title, one item's name).
LIST_PAGES = {
    "chiffres-cles": ("key_figure", KeyFigureForm, gettext_lazy("Chiffres clés"), gettext_lazy("chiffre clé")),
    "principes": ("principle", PrincipleForm, gettext_lazy("Principes de gouvernance"), gettext_lazy("principe")),
    "thematiques": ("theme", ThemeForm, gettext_lazy("Les 6 thématiques"), gettext_lazy("thématique")),
}
SEGMENT_OF = {item_type: segment for segment, (item_type, *_rest) in LIST_PAGES.items()} | {"pact": "titre"}

FIELD_LABELS = {
    name: field.label
    for form in (TitleForm, EditorialForm, AcknowledgementsForm, KeyFigureForm, PrincipleForm, ThemeForm)
    for name, field in form.base_fields.items()
} | {"order": gettext_lazy("Position"), "text": gettext_lazy("Texte")}


def _pact(territory) -> Pact:
    pact = Pact.objects.filter(territory=territory).first()
    if pact is None:
        raise Http404
    return pact


def _list_page(segment):
    if segment not in LIST_PAGES:
        raise Http404
    return LIST_PAGES[segment]


def _form(form_class, item_type, territory, item, data=None):
    kwargs = {"territory": territory, "theme": item} if form_class is ThemeForm else {}
    initial = {name: getattr(item, name) for name in form_class.item_fields} if item is not None else {}
    if item is not None:
        initial["loaded"] = editor.fingerprint(item, form_class.item_fields)
    return form_class(data, initial=initial, **kwargs)


def _read_only(form):
    for field in form.fields.values():
        field.disabled = True
    return form


def _stale(request, form_class, stale, territory):
    """The form again with what this person wrote, the other person's text shown, and the fingerprint of that text
    (saving again, knowingly, replaces it)."""
    data = request.POST.copy()
    data["loaded"] = editor.fingerprint(stale.current, form_class.item_fields)
    form = _form(form_class, None, territory, stale.current, data)
    form.is_valid()
    current = [(FIELD_LABELS.get(name, name), getattr(stale.current, name)) for name in form_class.item_fields]
    return form, {"current": current, "last": stale.last}


def _save(request, *, territory, form_class, item_type, item, template, context):
    """GET: the form (read-only for a read-only member); POST: validate, save if not stale, or show why not."""
    can_write = user_can_write(request, territory)
    stale = None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        form = _form(form_class, item_type, territory, item, request.POST)
        if form.is_valid():
            try:
                records = editor.item_update(
                    territory=territory,
                    item_type=item_type,
                    item_pk=item.pk,
                    values=form.values(),
                    loaded=form.cleaned_data["loaded"],
                    user=request.user,
                )
            except editor.StaleEdit as error:
                form, stale = _stale(request, form_class, error, territory)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Modifications enregistrées.") if records else _("Aucune modification à enregistrer.")
                )
                return redirect(request.path)
    else:
        form = _form(form_class, item_type, territory, item)
        if not can_write:
            _read_only(form)
    return render(
        request,
        template,
        {
            "territory": territory,
            "form": form,
            "item": item,
            "item_type": item_type,
            "can_write": can_write,
            "stale": stale,
            **context,
        },
        status=409 if stale else 200,
    )


@login_required
def index(request, slug):
    territory = get_territory_for_user(request, slug)
    pact = _pact(territory)
    return render(
        request,
        "drafting/index.html",
        {
            "territory": territory,
            "pact": pact,
            "parts": editor.parts_state(territory=territory, pact=pact),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def part_page(request, slug, page):
    """/redaction/<page>/: one of the pact's own texts, or a list."""
    if page in PACT_PAGES:
        return _pact_text(request, slug, page)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _item_list(request, slug, page)


def _pact_text(request, slug, page):
    territory = get_territory_for_user(request, slug)
    form_class, title = PACT_PAGES[page]
    return _save(
        request,
        territory=territory,
        form_class=form_class,
        item_type="pact",
        item=_pact(territory),
        template="drafting/text.html",
        context={"page_title": title, "page": page},
    )


def _item_list(request, slug, part):
    item_type, _form_class, title, one = _list_page(part)
    territory = get_territory_for_user(request, slug)
    items = list(editor.items_for(territory=territory, item_type=item_type))
    context = {
        "territory": territory,
        "items": items,
        "part": part,
        "item_type": item_type,
        "page_title": title,
        "one": one,
        "addable": editor.PARTS[item_type].addable,
        "can_write": user_can_write(request, territory),
        "to_adapt": set(),
        "template_pks": set(),
    }
    if item_type == "theme":
        context["to_adapt"] = editor.themes_to_adapt(territory=territory)
    if item_type == "principle":
        template = editor.template_texts(territory)
        context["template_pks"] = {p.pk for p in items if editor.principle_is_template(p, template)}
    return render(request, "drafting/list.html", context)


def _item(territory, item_type, pk):
    return get_object_or_404(editor.items_for(territory=territory, item_type=item_type), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, slug, part, pk):
    item_type, form_class, title, one = _list_page(part)
    territory = get_territory_for_user(request, slug)
    return _save(
        request,
        territory=territory,
        form_class=form_class,
        item_type=item_type,
        item=_item(territory, item_type, pk),
        template="drafting/item_form.html",
        context={"page_title": title, "part": part, "one": one},
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request, slug, part):
    item_type, form_class, title, one = _list_page(part)
    if not editor.PARTS[item_type].addable:
        raise Http404
    territory = get_territory_for_user(request, slug, write=True)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        editor.item_create(territory=territory, item_type=item_type, values=form.values(), user=request.user)
        messages.success(request, _("Ajouté à la fin de la liste."))
        return redirect("drafting:part", territory.slug, part)
    return render(
        request,
        "drafting/item_form.html",
        {
            "territory": territory,
            "form": form,
            "item": None,
            "can_write": True,
            "page_title": title,
            "part": part,
            "one": one,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_delete(request, slug, part, pk):
    item_type, _form_class, title, one = _list_page(part)
    if not editor.PARTS[item_type].addable:
        raise Http404
    territory = get_territory_for_user(request, slug, write=True)
    item = _item(territory, item_type, pk)
    if request.method == "POST":
        editor.item_delete(territory=territory, item_type=item_type, item_pk=item.pk, user=request.user)
        messages.success(request, _("Retiré du pacte (son texte reste dans l'historique)."))
        return redirect("drafting:part", territory.slug, part)
    return render(
        request,
        "drafting/item_delete.html",
        {"territory": territory, "item": item, "page_title": title, "part": part, "one": one},
    )


@login_required
@require_POST
def item_move(request, slug, part, pk):
    item_type, *_rest = _list_page(part)
    territory = get_territory_for_user(request, slug, write=True)
    item = _item(territory, item_type, pk)
    step = {"monter": -1, "descendre": 1}.get(request.POST.get("direction"))
    if step is None:
        raise Http404
    if not editor.item_move(territory=territory, item_type=item_type, item_pk=item.pk, step=step, user=request.user):
        messages.info(
            request,
            _("Cet élément est déjà en tête de liste.") if step < 0 else _("Cet élément est déjà en fin de liste."),
        )
    return redirect(reverse("drafting:part", args=[territory.slug, part]) + f"#item-{item.pk}")


@login_required
def item_history(request, slug, item_type, pk):
    if item_type not in editor.PARTS:
        raise Http404
    territory = get_territory_for_user(request, slug)
    records = list(editor.history(territory=territory, item_type=item_type, item_id=pk))
    item = editor.items_for(territory=territory, item_type=item_type).filter(pk=pk).first()
    if item is None and not records:
        raise Http404
    for record in records:
        record.field_label = FIELD_LABELS.get(record.field, record.field)
    return render(
        request,
        "drafting/history.html",
        {
            "territory": territory,
            "item": item,
            "item_type": item_type,
            "records": records,
            "back": SEGMENT_OF[item_type],
            "back_is_list": item_type in SEGMENT_OF and item_type != "pact",
        },
    )

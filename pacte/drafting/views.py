"""The pact editor (step 3): workspace pages where the team writes the pact's texts; read-only members read them.

One generic path serves every list of the pact (key figures, principles, themes, economic events, and the indicators
and thematic groups of each theme): list, add, edit (in place with HTMX for key figures), move, remove, history.
A list is a `ListPage`; a list hanging on a theme is reached under /thematiques/<theme>/.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pacte.commitments.models import Theme
from pacte.core.access import get_public_territory, get_territory_for_user, user_can_write
from pacte.core.files import file_response
from pacte.publications.models import Pact, PactVersion
from pacte.territories.models import SizeClass

from . import services as editor
from .forms import (
    AcknowledgementsForm,
    CoverImageForm,
    EditorialForm,
    EventForm,
    IndicatorForm,
    KeyFigureForm,
    PrincipleForm,
    SizeClassesForm,
    ThematicGroupForm,
    ThemeForm,
    TitleForm,
)

# The pact's own texts, one page each: URL segment → (form, page title).
PACT_PAGES = {
    "titre": (TitleForm, gettext_lazy("Titre et couverture")),
    "edito": (EditorialForm, gettext_lazy("Édito et ambitions")),
    "remerciements": (AcknowledgementsForm, gettext_lazy("Remerciements")),
}
SIZE_CLASSES_PAGE = "tailles-entreprises"


@dataclass(frozen=True)
class ListPage:
    item_type: str
    form: type
    title: Promise
    one: Promise  # one item's name ("Ajouter : chiffre clé")
    this: Promise  # the same with its determiner ("Retirer ce chiffre clé du pacte ?")
    inline: bool = False  # edited in place (HTMX) from the list, the full page without JavaScript

    @property
    def part(self):
        return editor.PARTS[self.item_type]


# The territory's lists: URL segment → page.
LIST_PAGES = {
    "chiffres-cles": ListPage(
        "key_figure",
        KeyFigureForm,
        gettext_lazy("Chiffres clés"),
        gettext_lazy("chiffre clé"),
        gettext_lazy("ce chiffre clé"),
        inline=True,
    ),
    "principes": ListPage(
        "principle",
        PrincipleForm,
        gettext_lazy("Principes de gouvernance"),
        gettext_lazy("principe"),
        gettext_lazy("ce principe"),
    ),
    "thematiques": ListPage(
        "theme",
        ThemeForm,
        gettext_lazy("Les 6 thématiques"),
        gettext_lazy("thématique"),
        gettext_lazy("cette thématique"),
    ),
    "rencontres": ListPage(
        "event",
        EventForm,
        gettext_lazy("Rencontres économiques"),
        gettext_lazy("rencontre économique"),
        gettext_lazy("cette rencontre économique"),
    ),
}
# The lists of one theme: URL segment → page.
THEME_PAGES = {
    "indicateurs": ListPage(
        "indicator",
        IndicatorForm,
        gettext_lazy("Indicateurs"),
        gettext_lazy("indicateur"),
        gettext_lazy("cet indicateur"),
    ),
    "groupes": ListPage(
        "thematic_group",
        ThematicGroupForm,
        gettext_lazy("Groupes thématiques"),
        gettext_lazy("groupe thématique"),
        gettext_lazy("ce groupe thématique"),
    ),
}
SEGMENT_OF = {page.item_type: segment for segment, page in (LIST_PAGES | THEME_PAGES).items()} | {"pact": "titre"}

FIELD_LABELS = (
    {
        name: field.label
        for form in (TitleForm, EditorialForm, AcknowledgementsForm)
        + tuple(page.form for page in (LIST_PAGES | THEME_PAGES).values())
        for name, field in form.base_fields.items()
    }
    | {"order": gettext_lazy("Position"), "cover_image": gettext_lazy("Image de couverture")}
    | {
        f"{code}.{side}": format_lazy("{} — {}", label, side_label)
        for code, label in SizeClass.choices
        for side, side_label in (("territory", gettext_lazy("territoire")), ("national", gettext_lazy("TI de France")))
    }
)
# Labels shared by several forms, said once for the history.
FIELD_LABELS["text"] = gettext_lazy("Texte")
FIELD_LABELS["name"] = gettext_lazy("Nom")
FIELD_LABELS["source"] = gettext_lazy("Source")


def _pact(territory) -> Pact:
    pact = Pact.objects.filter(territory=territory).first()
    if pact is None:
        raise Http404
    return pact


def _page(part, theme_pk):
    pages = LIST_PAGES if theme_pk is None else THEME_PAGES
    if part not in pages:
        raise Http404
    return pages[part]


def _scope(territory, theme_pk):
    """The theme a scoped list hangs on (404 if it is not one of the territory's)."""
    if theme_pk is None:
        return None
    return get_object_or_404(Theme.objects.for_territory(territory), pk=theme_pk)


def _url(name, territory, part, scope, *args):
    if scope is None:
        return reverse(f"drafting:{name}", args=[territory.slug, part, *args])
    return reverse(f"drafting:theme_{name}", args=[territory.slug, scope.pk, part, *args])


def _page_context(territory, part, page, scope):
    title = page.title if scope is None else f"{page.title} — {scope.name}"
    return {
        "page_title": title,
        "part": part,
        "one": page.one,
        "this": page.this,
        "scope": scope,
        "list_url": _url("part", territory, part, scope),
    }


def _form(form_class, territory, item, data=None, files=None):
    initial = {name: getattr(item, name) for name in form_class.item_fields} if item is not None else {}
    if item is not None:
        initial["loaded"] = editor.fingerprint(item, form_class.item_fields)
    return form_class(data, initial=initial, territory=territory, item=item)


def _read_only(form):
    for field in form.fields.values():
        field.disabled = True
    return form


def _stale(request, form_class, stale, territory):
    """The form again with what this person wrote, the other person's text shown, and the fingerprint of that text
    (saving again, knowingly, replaces it)."""
    data = request.POST.copy()
    data["loaded"] = editor.fingerprint(stale.current, form_class.item_fields)
    form = _form(form_class, territory, stale.current, data)
    form.is_valid()
    current = [
        (FIELD_LABELS.get(name, name), editor._text(getattr(stale.current, name))) for name in form_class.item_fields
    ]
    return form, {"current": current, "last": stale.last}


def _save(request, *, territory, form_class, item_type, item, template, context, inline_row=None):
    """GET: the form (read-only for a read-only member); POST: validate, save if not stale, or show why not.
    `inline_row`: for an HTMX request, what answers a successful save (the item's row, edited in place)."""
    can_write = user_can_write(request, territory)
    stale = None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        form = _form(form_class, territory, item, request.POST)
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
                if inline_row is not None and request.htmx:
                    return inline_row()
                messages.success(
                    request, _("Modifications enregistrées.") if records else _("Aucune modification à enregistrer.")
                )
                return redirect(request.path)
    else:
        form = _form(form_class, territory, item)
        if not can_write:
            _read_only(form)
    inline = inline_row is not None and request.htmx
    return render(
        request,
        "drafting/_item_inline_form.html" if inline else template,
        {
            "territory": territory,
            "form": form,
            "item": item,
            "item_type": item_type,
            "can_write": can_write,
            "stale": stale,
            "history_url": reverse("drafting:history", args=[territory.slug, item_type, item.pk]),
            **context,
        },
        # HTMX swaps only successful answers: the stale form is the answer there.
        status=409 if stale and not inline else 200,
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
            "themes": editor.themes_state(territory=territory),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def part_page(request, slug, page):
    """/redaction/<page>/: one of the pact's own texts, the size-class table, or a list."""
    if page in PACT_PAGES:
        return _pact_text(request, slug, page)
    if page == SIZE_CLASSES_PAGE:
        return size_classes(request, slug)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _item_list(request, slug, page, None)


@login_required
@require_http_methods(["GET"])
def theme_part_page(request, slug, theme_pk, part):
    return _item_list(request, slug, part, theme_pk)


def _pact_text(request, slug, page):
    territory = get_territory_for_user(request, slug)
    form_class, title = PACT_PAGES[page]
    pact = _pact(territory)
    context = {"page_title": title, "page": page}
    if page == "titre":
        context["cover_form"] = CoverImageForm()
    return _save(
        request,
        territory=territory,
        form_class=form_class,
        item_type="pact",
        item=pact,
        template="drafting/text.html",
        context=context,
    )


def _decorate(territory, part, page, scope, items, can_write):
    """Each item with its links, its place (first/last) and whether it is still template wording (dumb templates)."""
    template_pks = set()
    if page.item_type == "theme":
        template_pks = editor.themes_to_adapt(territory=territory)
    elif page.item_type == "principle":
        template = editor.template_texts(territory)
        template_pks = {p.pk for p in items if editor.principle_is_template(p, template)}
    for index, item in enumerate(items):
        item.first, item.last = index == 0, index == len(items) - 1
        item.position = index + 1
        item.is_template = item.pk in template_pks
        item.edit_url = _url("edit", territory, part, scope, item.pk)
        item.move_url = _url("move", territory, part, scope, item.pk)
        item.delete_url = _url("delete", territory, part, scope, item.pk)
        item.history_url = reverse("drafting:history", args=[territory.slug, page.item_type, item.pk])
        if page.item_type == "theme":
            item.commitments_url = reverse("drafting_commitments:theme", args=[territory.slug, item.pk])
            item.indicators_url = _url("part", territory, "indicateurs", item)
            item.groups_url = _url("part", territory, "groupes", item)
    return items


def _row_context(territory, part, page, scope, can_write):
    return {
        "territory": territory,
        "part": part,
        "item_type": page.item_type,
        "addable": page.part.addable,
        "ordered": page.part.ordered,
        "inline": page.inline,
        "can_write": can_write,
    }


def _item_list(request, slug, part, theme_pk):
    page = _page(part, theme_pk)
    territory = get_territory_for_user(request, slug)
    scope = _scope(territory, theme_pk)
    can_write = user_can_write(request, territory)
    items = list(editor.items_for(territory=territory, item_type=page.item_type, scope=scope))
    context = {
        **_row_context(territory, part, page, scope, can_write),
        **_page_context(territory, part, page, scope),
        "items": _decorate(territory, part, page, scope, items, can_write),
        "create_url": _url("create", territory, part, scope) if page.part.addable else "",
    }
    if scope is not None:
        context["evidence_url"] = reverse("drafting_evidence:theme", args=[territory.slug, scope.pk])
        context["commitments_url"] = reverse("drafting_commitments:theme", args=[territory.slug, scope.pk])
    return render(request, "drafting/list.html", context)


def _item(territory, item_type, pk, scope):
    return get_object_or_404(editor.items_for(territory=territory, item_type=item_type, scope=scope), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, slug, part, pk, theme_pk=None):
    page = _page(part, theme_pk)
    territory = get_territory_for_user(request, slug)
    scope = _scope(territory, theme_pk)
    item = _item(territory, page.item_type, pk, scope)

    def row():
        items = list(editor.items_for(territory=territory, item_type=page.item_type, scope=scope))
        decorated = _decorate(territory, part, page, scope, items, True)
        saved = next(i for i in decorated if i.pk == item.pk)
        context = _row_context(territory, part, page, scope, True) | {"item": saved, "saved": True}
        return render(request, "drafting/_item.html", context)

    return _save(
        request,
        territory=territory,
        form_class=page.form,
        item_type=page.item_type,
        item=item,
        template="drafting/item_form.html",
        context=_page_context(territory, part, page, scope) | {"edit_url": _url("edit", territory, part, scope, pk)},
        inline_row=row if page.inline else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request, slug, part, theme_pk=None):
    page = _page(part, theme_pk)
    if not page.part.addable:
        raise Http404
    territory = get_territory_for_user(request, slug, write=True)
    scope = _scope(territory, theme_pk)
    form = page.form(request.POST or None, territory=territory, item=None)
    if request.method == "POST" and form.is_valid():
        try:
            editor.item_create(
                territory=territory, item_type=page.item_type, values=form.values(), user=request.user, scope=scope
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Ajouté à la liste."))
            return redirect(_url("part", territory, part, scope))
    return render(
        request,
        "drafting/item_form.html",
        {
            "territory": territory,
            "form": form,
            "item": None,
            "can_write": True,
            **_page_context(territory, part, page, scope),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_delete(request, slug, part, pk, theme_pk=None):
    page = _page(part, theme_pk)
    if not page.part.addable:
        raise Http404
    territory = get_territory_for_user(request, slug, write=True)
    scope = _scope(territory, theme_pk)
    item = _item(territory, page.item_type, pk, scope)
    refusal = editor.removal_refusal(item_type=page.item_type, item=item)
    if request.method == "POST" and refusal is None:
        try:
            editor.item_delete(territory=territory, item_type=page.item_type, item_pk=item.pk, user=request.user)
        except editor.ItemInUse as error:
            refusal = error.reason
        else:
            messages.success(request, _("Retiré du pacte (son texte reste dans l'historique)."))
            return redirect(_url("part", territory, part, scope))
    return render(
        request,
        "drafting/item_delete.html",
        {"territory": territory, "item": item, "refusal": refusal, **_page_context(territory, part, page, scope)},
        status=409 if refusal and request.method == "POST" else 200,
    )


@login_required
@require_POST
def item_move(request, slug, part, pk, theme_pk=None):
    page = _page(part, theme_pk)
    if not page.part.ordered:
        raise Http404
    territory = get_territory_for_user(request, slug, write=True)
    scope = _scope(territory, theme_pk)
    item = _item(territory, page.item_type, pk, scope)
    step = {"monter": -1, "descendre": 1}.get(request.POST.get("direction"))
    if step is None:
        raise Http404
    if not editor.item_move(
        territory=territory, item_type=page.item_type, item_pk=item.pk, step=step, user=request.user
    ):
        messages.info(
            request,
            _("Cet élément est déjà en tête de liste.") if step < 0 else _("Cet élément est déjà en fin de liste."),
        )
    return redirect(_url("part", territory, part, scope) + f"#item-{item.pk}")


def _history_item(territory, item_type, pk):
    """The item a history is about (None once removed), and the page to go back to."""
    if item_type == editor.SIZE_CLASSES_ITEM:
        if pk != territory.pk:
            raise Http404
        return territory, reverse("drafting:part", args=[territory.slug, SIZE_CLASSES_PAGE])
    item = editor.items_for(territory=territory, item_type=item_type).filter(pk=pk).first()
    part = editor.PARTS[item_type]
    segment = SEGMENT_OF[item_type]
    if part.scope:
        back = (
            reverse("drafting:theme_part", args=[territory.slug, getattr(item, f"{part.scope}_id"), segment])
            if item is not None
            else reverse("drafting:index", args=[territory.slug])
        )
    else:
        back = reverse("drafting:part", args=[territory.slug, segment])
    return item, back


@login_required
def item_history(request, slug, item_type, pk):
    if item_type not in editor.PARTS and item_type != editor.SIZE_CLASSES_ITEM:
        raise Http404
    territory = get_territory_for_user(request, slug)
    records = list(editor.history(territory=territory, item_type=item_type, item_id=pk))
    item, back = _history_item(territory, item_type, pk)
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
            "item_label": _("Tailles d'entreprise") if item_type == editor.SIZE_CLASSES_ITEM else item,
            "item_type": item_type,
            "records": records,
            "back": back,
        },
    )


# --- the size-class table ----------------------------------------------------------------------------------------


def _size_classes_initial(rows):
    initial = {"loaded": editor.size_classes_fingerprint(rows)}
    for code, row in rows.items():
        initial[f"territory_{code}"] = row.territory_share
        initial[f"national_{code}"] = row.national_share
    return initial


def size_classes(request, slug):
    """The 4 company sizes in one table: saved all at once, or not at all."""
    territory = get_territory_for_user(request, slug)
    can_write = user_can_write(request, territory)
    rows = editor.size_class_rows(territory=territory)
    stale = None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        form = SizeClassesForm(request.POST, initial=_size_classes_initial(rows))
        if form.is_valid():
            try:
                records = editor.size_classes_save(
                    territory=territory,
                    shares=form.cleaned_data["shares"],
                    loaded=form.cleaned_data["loaded"],
                    user=request.user,
                )
            except editor.StaleEdit as error:
                data = request.POST.copy()
                data["loaded"] = editor.size_classes_fingerprint(error.current)
                form = SizeClassesForm(data)
                form.is_valid()
                stale = {
                    "current": [
                        (
                            label,
                            _("territoire : %(t)s %% ; TI de France : %(n)s %%")
                            % {
                                "t": editor._text(error.current[code].territory_share),
                                "n": editor._text(error.current[code].national_share),
                            }
                            if code in error.current
                            else "",
                        )
                        for code, label in SizeClass.choices
                    ],
                    "last": error.last,
                }
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Modifications enregistrées.") if records else _("Aucune modification à enregistrer.")
                )
                return redirect(request.path)
    else:
        form = SizeClassesForm(initial=_size_classes_initial(rows))
        if not can_write:
            _read_only(form)
    return render(
        request,
        "drafting/size_classes.html",
        {
            "territory": territory,
            "form": form,
            "can_write": can_write,
            "stale": stale,
            "page_title": _("Tailles d'entreprise"),
            "history_url": reverse("drafting:history", args=[territory.slug, editor.SIZE_CLASSES_ITEM, territory.pk]),
        },
        status=409 if stale else 200,
    )


# --- the cover's image -------------------------------------------------------------------------------------------


@login_required
@require_POST
def cover_upload(request, slug):
    """Replace the cover image (or remove it, with "retirer")."""
    territory = get_territory_for_user(request, slug, write=True)
    pact = _pact(territory)
    if "retirer" in request.POST:
        editor.pact_cover_set(territory=territory, upload=None, user=request.user)
        messages.success(request, _("Image de couverture retirée."))
        return redirect("drafting:part", territory.slug, "titre")
    cover_form = CoverImageForm(request.POST, request.FILES)
    if cover_form.is_valid():
        editor.pact_cover_set(territory=territory, upload=cover_form.cleaned_data["image"], user=request.user)
        messages.success(request, _("Image de couverture enregistrée."))
        return redirect("drafting:part", territory.slug, "titre")
    return render(
        request,
        "drafting/text.html",
        {
            "territory": territory,
            "form": _form(TitleForm, territory, pact),
            "cover_form": cover_form,
            "item": pact,
            "item_type": "pact",
            "can_write": True,
            "page_title": PACT_PAGES["titre"][1],
            "page": "titre",
            "history_url": reverse("drafting:history", args=[territory.slug, "pact", pact.pk]),
        },
        status=400,
    )


@login_required
def cover_image(request, slug):
    """The live cover image, for the territory's readers (the editor and the team's preview)."""
    territory = get_territory_for_user(request, slug)
    return file_response(request, _pact(territory).cover_image.name, private=True)


def cover_version_image(request, slug, number):
    """The cover image frozen in published version `number`: public while the pact is published, for the
    territory's readers otherwise (as the prides' pictures)."""
    territory = get_public_territory(request, slug)  # 404 unless published, or for the territory's readers
    found = (
        PactVersion.objects.for_territory(territory)
        .filter(number=number)
        .values_list(KT("content__pact__cover_image"), flat=True)
        .first()
    )
    if not found or not isinstance(found, str):
        raise Http404
    return file_response(request, found, private=not territory.pact.is_public)

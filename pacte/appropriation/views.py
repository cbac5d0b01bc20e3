"""The restitution plan (step 4): the circles in their widening order, each restitution and its record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.core.access import get_territory_for_user, territory_ids_for_request

from .forms import PresentationForm, question_formset
from .models import Circle, Presentation
from .services import presentation_create as create_presentation
from .services import presentation_plan_create, presentations_for
from .services import presentation_update as update_presentation

FIELDS = ("title", "contents", "date", "audience", "version", "held")


def _presentation_of(territory, pk) -> Presentation:
    """A restitution of this territory only: another territory's pk is a 404, even through one's own slug."""
    return get_object_or_404(Presentation.objects.for_territory(territory), pk=pk)


@login_required
def plan(request, slug):
    territory = get_territory_for_user(request, slug)
    presentations = presentations_for(territory)  # 1 query: the restitutions and their versions
    if {p.circle for p in presentations} != set(Circle.values):  # a territory made before step 4 existed
        presentation_plan_create(territory=territory)
        presentations = presentations_for(territory)
    circles = [
        {
            "value": value,
            "label": label,
            "presentations": [p for p in presentations if p.circle == value],
        }
        for value, label in Circle.choices
    ]
    return render(
        request,
        "appropriation/plan.html",
        {
            "territory": territory,
            "circles": circles,
            "held_count": sum(any(p.held for p in c["presentations"]) for c in circles),
            "can_write": territory.pk in territory_ids_for_request(request, write=True),  # 1 query
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def presentation_update(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    presentation = _presentation_of(territory, pk)
    form = PresentationForm(request.POST or None, instance=presentation, territory=territory)
    questions = question_formset(request.POST or None, presentation=presentation)
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        update_presentation(
            presentation=presentation,
            questions=questions.pairs(),
            **{name: form.cleaned_data[name] for name in FIELDS},
        )
        messages.success(request, _("La restitution « %(p)s » est enregistrée.") % {"p": presentation.heading})
        return redirect("appropriation:plan", slug=territory.slug)
    return _form_page(request, territory, form, questions, presentation)


@login_required
@require_http_methods(["GET", "POST"])
def presentation_create(request, slug):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    circle = request.GET.get("cercle", "")
    form = PresentationForm(
        request.POST or None,
        territory=territory,
        with_circle=True,
        initial={"circle": circle if circle in Circle.values else Circle.ACTEURS},
    )
    questions = question_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        presentation = create_presentation(
            territory=territory,
            circle=form.cleaned_data["circle"],
            questions=questions.pairs(),
            **{name: form.cleaned_data[name] for name in FIELDS},
        )
        messages.success(request, _("La restitution « %(p)s » est ajoutée.") % {"p": presentation.heading})
        return redirect("appropriation:plan", slug=territory.slug)
    return _form_page(request, territory, form, questions, None)


def _form_page(request, territory, form, questions, presentation):
    can_write = territory.pk in territory_ids_for_request(request, write=True)
    if not can_write:
        for f in [form, *questions.forms]:
            for field in f.fields.values():
                field.disabled = True
    return render(
        request,
        "appropriation/presentation_form.html",
        {
            "territory": territory,
            "form": form,
            "questions": questions,
            "presentation": presentation,
            "can_write": can_write,
        },
    )

"""Local prides (step 1): the territory's innovative and emblematic products, and the panel check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.core.access import get_territory_for_user, territory_ids_for_request
from pacte.interviews.forms_prides import PrideForm
from pacte.interviews.models import Pride, PrideKind
from pacte.interviews.services_prides import pride_create as create_pride
from pacte.interviews.services_prides import pride_delete as delete_pride
from pacte.interviews.services_prides import pride_panel
from pacte.interviews.services_prides import pride_update as update_pride


def _pride_of(territory, pk) -> Pride:
    """A pride of this territory only: another territory's pk is a 404, even through one's own slug."""
    return get_object_or_404(Pride.objects.for_territory(territory), pk=pk)


def _fields(form) -> dict:
    data = form.cleaned_data
    return {name: data[name] for name in ("kind", "product", "company", "place", "size_class")} | {
        "image": data["image"] or None
    }


@login_required
def prides(request, slug):
    territory = get_territory_for_user(request, slug)
    pride_list = list(Pride.objects.for_territory(territory))  # 1 query
    return render(
        request,
        "interviews/prides.html",
        {
            "territory": territory,
            "innovative_prides": [p for p in pride_list if p.kind == PrideKind.INNOVATIVE],
            "emblematic_prides": [p for p in pride_list if p.kind == PrideKind.EMBLEMATIC],
            "panel": pride_panel(pride_list),
            "can_write": territory.pk in territory_ids_for_request(request, write=True),  # 1 query
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pride_create(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    form = PrideForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("nature", "")})
    if request.method == "POST" and form.is_valid():
        pride = create_pride(territory=territory, **_fields(form))
        messages.success(request, _("La fierté « %(p)s » a été ajoutée.") % {"p": pride})
        return redirect("interviews:prides", slug=territory.slug)
    return render(request, "interviews/pride_form.html", {"territory": territory, "form": form, "pride": None})


@login_required
@require_http_methods(["GET", "POST"])
def pride_update(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    pride = _pride_of(territory, pk)
    form = PrideForm(request.POST or None, request.FILES or None, pride=pride)
    if request.method == "POST" and form.is_valid():
        update_pride(pride=pride, remove_image=form.cleaned_data.get("remove_image", False), **_fields(form))
        messages.success(request, _("La fierté « %(p)s » a été modifiée.") % {"p": pride})
        return redirect("interviews:prides", slug=territory.slug)
    return render(request, "interviews/pride_form.html", {"territory": territory, "form": form, "pride": pride})


@login_required
@require_http_methods(["GET", "POST"])
def pride_delete(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    pride = _pride_of(territory, pk)
    if request.method == "POST":
        label = str(pride)
        delete_pride(pride=pride)
        messages.success(request, _("La fierté « %(p)s » a été supprimée.") % {"p": label})
        return redirect("interviews:prides", slug=territory.slug)
    return render(request, "interviews/pride_delete.html", {"territory": territory, "pride": pride})

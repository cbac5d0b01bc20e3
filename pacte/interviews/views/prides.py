"""Local prides (step 1): the territory's innovative and emblematic products, and the panel check."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.fields.json import KT
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.core.access import get_territory_for_user, territory_ids_for_request
from pacte.core.files import file_response
from pacte.interviews.forms_prides import PrideForm
from pacte.interviews.models import Pride, PrideKind
from pacte.interviews.services_prides import pride_create as create_pride
from pacte.interviews.services_prides import pride_delete as delete_pride
from pacte.interviews.services_prides import pride_panel
from pacte.interviews.services_prides import pride_update as update_pride
from pacte.territories.models import Territory


def _pride_of(territory, pk) -> Pride:
    """A pride of this territory only: another territory's pk is a 404, even through one's own slug."""
    return get_object_or_404(Pride.objects.for_territory(territory), pk=pk)


def _published_picture(territory, name: str) -> bool:
    """Whether a published version of the territory's pact shows this very file (matched by its stored name)."""
    from pacte.publications.models import PactVersion  # publications reads prides: imported here, not at the top

    pact = getattr(territory, "pact", None)
    if pact is None or not pact.is_public:
        return False
    lists = PactVersion.objects.for_territory(territory).values_list(KT("content__prides"), flat=True)  # 1 query
    return any(name == pride.get("image") for prides in lists for pride in json.loads(prides or "[]"))


def pride_image(request, slug, pk):
    """A pride's picture: for the territory's readers (team, viewers, ANCT), or for anyone once a published
    version shows it. Anything else is a 404, whoever asks: the file's existence is not told."""
    territory = get_object_or_404(Territory.objects.select_related("pact"), slug=slug)
    pride = get_object_or_404(Pride.objects.for_territory(territory).exclude(image=""), pk=pk)
    name = pride.image.name
    if territory.pk in territory_ids_for_request(request):
        return file_response(request, name, private=True)
    if _published_picture(territory, name):
        return file_response(request, name, private=False)
    raise Http404


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

"""Industrial land, the territory team's side: parcels, calls at a glance, and land sobriety against the envelope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.core.access import get_territory_for_user, territory_ids_for_request

from ..forms import EnvelopeForm, ParcelForm
from ..models import LandCall, LandEnvelope, Parcel
from ..services_calls import envelope_save, land_sobriety, parcel_save


def _can_write(request, territory) -> bool:
    return territory.pk in territory_ids_for_request(request, write=True)


@login_required
def overview(request, slug):
    territory = get_territory_for_user(request, slug)
    parcels = Parcel.objects.for_territory(territory).select_related("commune").order_by("name")
    calls = (
        LandCall.objects.for_territory(territory)
        .annotate(application_count=Count("applications"))
        .prefetch_related("parcels")
    )
    return render(
        request,
        "land/overview.html",
        {
            "territory": territory,
            "parcels": parcels,
            "calls": calls,
            "sobriety": land_sobriety(territory=territory),
            "can_write": _can_write(request, territory),
        },
    )


def _parcel_form(request, territory, parcel):
    form = ParcelForm(request.POST or None, instance=parcel, territory=territory)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        saved = parcel_save(territory=territory, parcel=parcel, actor=request.user, **fields)
        messages.success(request, _("La parcelle « %(p)s » est enregistrée.") % {"p": saved.name})
        return redirect("land:overview", slug=territory.slug)
    return render(request, "land/parcel_form.html", {"territory": territory, "form": form, "parcel": parcel})


@login_required
@require_http_methods(["GET", "POST"])
def parcel_create(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    return _parcel_form(request, territory, None)


@login_required
@require_http_methods(["GET", "POST"])
def parcel_update(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    parcel = get_object_or_404(Parcel.objects.for_territory(territory), pk=pk)
    return _parcel_form(request, territory, parcel)


@login_required
@require_http_methods(["GET", "POST"])
def envelope(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    current = LandEnvelope.objects.for_territory(territory).order_by("-starts_on", "-pk").first()
    form = EnvelopeForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        envelope_save(territory=territory, actor=request.user, **form.cleaned_data)
        messages.success(request, _("L'enveloppe foncière est enregistrée."))
        return redirect("land:overview", slug=territory.slug)
    return render(request, "land/envelope.html", {"territory": territory, "form": form})

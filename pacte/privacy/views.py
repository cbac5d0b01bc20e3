"""The team's page for personal-data requests: find one person's data in the territory, export it, erase it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from pacte.core.access import get_territory_for_user

from .forms import PersonEraseForm, PersonSearchForm
from .services import (
    KINDS,
    kind_label,
    person_erase,
    person_export_journal,
    person_export_json,
    person_export_xlsx,
    person_find,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _search(request, territory, data):
    form = PersonSearchForm(data)
    records = person_find(territory=territory, query=form.cleaned_data["q"]) if form.is_valid() else None
    return form, records


@login_required
@require_GET
def person_data(request, slug):
    # The team of the territory only (403 for a read-only member): the page shows and erases personal data.
    territory = get_territory_for_user(request, slug, write=True)
    form, records = _search(request, territory, request.GET if "q" in request.GET else None)
    erase_form = PersonEraseForm(records=records) if records else None
    return render(
        request,
        "privacy/person_data.html",
        {"territory": territory, "form": form, "records": records, "erase_form": erase_form},
    )


@login_required
@require_GET
def person_export(request, slug, fmt):
    if fmt not in ("json", "xlsx"):
        raise Http404
    territory = get_territory_for_user(request, slug, write=True)
    form, records = _search(request, territory, request.GET)
    if records is None:
        return HttpResponseBadRequest(_("Recherche invalide."))
    query = form.cleaned_data["q"]
    person_export_journal(territory=territory, count=len(records), actor=request.user)
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        content, content_type = (
            person_export_json(territory=territory, query=query, records=records),
            "application/json",
        )
    else:
        content, content_type = person_export_xlsx(territory=territory, query=query, records=records), XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def person_erase_view(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    form, records = _search(request, territory, request.POST)
    if not records:
        return redirect(reverse("privacy:person_data", args=[territory.slug]))
    erase_form = PersonEraseForm(request.POST, records=records)
    if not erase_form.is_valid():
        return render(
            request,
            "privacy/person_data.html",
            {"territory": territory, "form": form, "records": records, "erase_form": erase_form},
            status=400,
        )
    counts = person_erase(territory=territory, keys=erase_form.cleaned_data["keys"], actor=request.user)
    total = sum(counts.values())
    details = ", ".join(f"{kind_label(kind)} : {n}" for kind, n in counts.items() if kind in KINDS)
    messages.success(
        request,
        ngettext("%(n)s élément effacé", "%(n)s éléments effacés", total) % {"n": total}
        + (f" ({details})." if details else "."),
    )
    query = urlencode({"q": form.cleaned_data["q"]})
    return redirect(f"{reverse('privacy:person_data', args=[territory.slug])}?{query}")

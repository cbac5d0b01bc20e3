"""The industrial diagnostic built from the interviews: findings with their evidence, merging, editing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pacte.core.access import get_territory_for_user, user_can_write

from ..forms import FindingForm, FindingsMergeForm
from ..models import CommitmentIdea, DiagnosticAxis, Finding, Interview
from ..services import findings_merge


def _evidence():
    return Prefetch("interviews", queryset=Interview.objects.select_related("stakeholder").order_by("held_on", "pk"))


@login_required
def diagnostic(request, slug):
    territory = get_territory_for_user(request, slug)
    axes = DiagnosticAxis.objects.for_territory(territory).prefetch_related(
        Prefetch(
            "findings",
            queryset=Finding.objects.select_related("theme").prefetch_related(_evidence()).order_by("order", "pk"),
        )
    )  # 4 queries: axes, findings with their theme, evidence, stakeholders of the evidence (joined)
    ideas = (
        CommitmentIdea.objects.for_territory(territory)
        .select_related("theme", "interview__stakeholder")
        .order_by("theme__order", "theme__pk", "side", "pk")
    )
    return render(
        request,
        "interviews/diagnostic.html",
        {
            "territory": territory,
            "axes": axes,
            "ideas": ideas,
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_update(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    finding = get_object_or_404(
        Finding.objects.for_territory(territory).select_related("axis").prefetch_related(_evidence()), pk=pk
    )
    quick = request.POST.get("retained")
    if request.method == "POST" and quick in ("0", "1") and "text" not in request.POST:
        finding.retained = quick == "1"
        finding.save(update_fields=["retained"])
        messages.success(
            request,
            _("Constat retenu dans le diagnostic.") if finding.retained else _("Constat retiré du diagnostic."),
        )
        return redirect(f"{_diagnostic_url(territory)}#constat-{finding.pk}")
    form = FindingForm(request.POST or None, instance=finding, territory=territory)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Constat modifié ; les entretiens qui l'étayent lui restent rattachés."))
        return redirect(f"{_diagnostic_url(territory)}#constat-{finding.pk}")
    return render(request, "interviews/finding_form.html", {"territory": territory, "finding": finding, "form": form})


@login_required
@require_POST
def finding_merge(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    form = FindingsMergeForm(request.POST, territory=territory)
    if form.is_valid():
        data = form.cleaned_data
        kept = findings_merge(
            target=data["target"], others=list(data["findings"]), text=data["text"], actor=request.user
        )
        messages.success(
            request,
            _("%(n)s constats fusionnés en « %(text)s ».") % {"n": len(data["findings"]), "text": kept.text},
        )
        return redirect(f"{_diagnostic_url(territory)}#constat-{kept.pk}")
    for error in form.non_field_errors() or [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    return redirect(_diagnostic_url(territory))


def _diagnostic_url(territory) -> str:
    return reverse("interviews:diagnostic", args=[territory.slug])

"""Applications: the team's page of one application (with its attachments, served only through it), and the
public side — a territory's calls, one call with its grid, and the form to apply without an account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.core.access import get_public_territory, get_territory_for_user, territory_ids_for_request
from pacte.core.models import lines

from ..forms import ApplyForm, ScreeningForm
from ..models import Application, CallStatus, LandCall
from ..services_calls import application_check, application_submit, call_accepts_applications, reference_number


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    application = get_object_or_404(Application.objects.for_territory(territory).select_related("call"), pk=pk)
    piece = request.GET.get("piece")
    if piece:  # an attachment, only through this access-checked view (never a public media URL)
        attachment = get_object_or_404(application.attachments.all(), pk=piece if piece.isdigit() else 0)
        if not attachment.file:
            raise Http404
        return FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1]
        )
    call = application.call
    rules = list(call.screening_rules.all())
    checks = {check.rule_id: check for check in application.screening.all()}
    form = ScreeningForm(request.POST if request.method == "POST" else None, rules=rules, checks=checks)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_check(application=application, actor=request.user, screening=form.screening())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Candidature vérifiée : %(s)s.") % {"s": application.get_status_display()})
            return redirect("land:application", slug=territory.slug, pk=application.pk)
    answers = [
        (Application._meta.get_field(name).verbose_name, getattr(application, name))
        for name in (
            "density",
            "brownfield",
            "vegetated_share",
            "rainwater",
            "materials",
            "renewable_share",
            "local_sourcing",
            "pooling",
            "training_hiring",
            "residents_information",
        )
    ]
    return render(
        request,
        "land/application_detail.html",
        {
            "territory": territory,
            "call": call,
            "application": application,
            "reference": reference_number(application),
            "answers": answers,
            "missing": lines(application.missing),
            "attachments": application.attachments.all(),
            "checks": [(rule, checks.get(rule.pk)) for rule in rules],
            "form": form,
            "can_write": territory.pk in territory_ids_for_request(request, write=True),
        },
    )


def _public_call(request, slug, pk) -> LandCall:
    territory = get_public_territory(request, slug)
    return get_object_or_404(
        LandCall.objects.for_territory(territory).exclude(status=CallStatus.DRAFT).select_related("territory"), pk=pk
    )


def public_calls(request, slug):
    territory = get_public_territory(request, slug)
    calls = list(
        LandCall.objects.for_territory(territory).exclude(status=CallStatus.DRAFT).prefetch_related("parcels__commune")
    )
    return render(
        request,
        "land/public_calls.html",
        {
            "territory": territory,
            "open_calls": [c for c in calls if call_accepts_applications(c)],
            "other_calls": [c for c in calls if not call_accepts_applications(c)],
        },
    )


def public_call(request, slug, pk):
    call = _public_call(request, slug, pk)
    return render(
        request,
        "land/public_call.html",
        {
            "territory": call.territory,
            "call": call,
            "parcels": call.parcels.select_related("commune").order_by("name"),
            "criteria": call.criteria.select_related("commitment"),
            "rules": call.screening_rules.all(),
            "accepts": call_accepts_applications(call),
        },
    )


@require_http_methods(["GET", "POST"])
def apply(request, slug, pk):
    call = _public_call(request, slug, pk)
    context = {"territory": call.territory, "call": call}
    if not call_accepts_applications(call):
        return render(request, "land/apply_closed.html", context, status=403)
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit(
                call=call, fields=form.application_fields(), attachments=form.attachments()
            )
        except ValidationError:
            return render(request, "land/apply_closed.html", context, status=403)
        return render(
            request,
            "land/apply_done.html",
            context | {"application": application, "reference": reference_number(application)},
        )
    return render(request, "land/apply.html", context | {"form": form})

"""Applications: the team's page of one application (with its attachments, served only through it), and the
public side — a territory's calls, one call with its grid, and the form to apply without an account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.companies.services import register_card
from pacte.core.access import get_public_territory, get_territory_for_user, territory_ids_for_request
from pacte.core.files import file_response
from pacte.core.models import lines
from pacte.core.throttle import client_address, throttle
from pacte.territories.models import Territory

from ..forms import ApplyForm, ScreeningForm
from ..models import Application, CallStatus, LandCall
from ..services_calls import application_check, application_submit, call_accepts_applications, reference_number


@login_required
def application_attachment(request, slug, pk, piece):
    """An application's attachment, for the territory's team and viewers only (never a public media URL):
    looked up by application and piece, 404 for anyone else, so that nobody learns it exists."""
    territory = get_object_or_404(Territory, slug=slug)
    if territory.pk not in territory_ids_for_request(request):
        raise Http404
    application = get_object_or_404(Application.objects.for_territory(territory), pk=pk)
    attachment = get_object_or_404(application.attachments.exclude(file=""), pk=piece)
    return file_response(request, attachment.file.name, private=True, attachment=True)


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request, slug, pk):
    piece = request.GET.get("piece")
    if piece:  # the attachment's former address: the same access-checked download
        return application_attachment(request, slug, pk, int(piece) if piece.isdigit() else 0)
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    application = get_object_or_404(Application.objects.for_territory(territory).select_related("call"), pk=pk)
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
            "register": register_card(territory=territory, siren=application.siren),
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


APPLY_PER_ADDRESS_PER_HOUR = 10  # submissions (valid or not) from one address: a real applicant corrects a few times
APPLY_PER_CALL_PER_HOUR = 120  # all addresses together, on one call


@require_http_methods(["GET", "POST"])
def apply(request, slug, pk):
    call = _public_call(request, slug, pk)
    context = {"territory": call.territory, "call": call}
    if not call_accepts_applications(call):
        return render(request, "land/apply_closed.html", context, status=403)
    if request.method == "POST":
        # Applications come without an account: a flood from one address, or on one call, is refused (429) before
        # the form and its attachments are examined.
        address = client_address(request)
        throttle(scope="land-apply-address", key=address, limit=APPLY_PER_ADDRESS_PER_HOUR, period=3600)
        throttle(scope="land-apply-call", key=str(call.pk), limit=APPLY_PER_CALL_PER_HOUR, period=3600)
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

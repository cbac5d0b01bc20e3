from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.core.access import get_territory_for_user, user_can_write

from .models import PactStatus
from .services import (
    WITHDRAWAL_REASON_MAX_LENGTH,
    PactTransitionError,
    pact_publish,
    pact_readiness,
    pact_validate,
    pact_withdraw,
    publication_preview,
)


@login_required
def readiness(request, slug):
    """The readiness check: what blocks the validation or the publication, and the warnings (members read it)."""
    territory = get_territory_for_user(request, slug)
    return render(
        request,
        "publications/readiness.html",
        {
            "territory": territory,
            "pact": territory.pact,
            "readiness": pact_readiness(territory),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def transition(request, slug, action):
    """`valider` (POST); `publier`: GET shows what becomes public, POST publishes."""
    territory = get_territory_for_user(request, slug, write=True)
    if action == "publier" and request.method == "GET":
        if territory.pact.status == PactStatus.DRAFT:
            messages.error(request, _("Le pacte doit être validé avant d'être publié."))
            return redirect("roadmap:roadmap", slug=territory.slug)
        context = {"territory": territory, "readiness": pact_readiness(territory), **publication_preview(territory)}
        return render(request, "publications/publish_confirm.html", context)
    if request.method != "POST":
        return redirect("publications:readiness", slug=territory.slug)
    service = {"valider": pact_validate, "publier": pact_publish}[action]
    try:
        pact = service(pact=territory.pact, actor=request.user)
    except PactTransitionError as error:
        messages.error(request, str(error))
        if action == "publier":
            return redirect("publications:readiness", slug=territory.slug)
    else:
        if action == "publier":
            messages.success(request, _("Pacte publié : version publiée v%(v)s.") % {"v": pact.version})
        else:
            messages.success(request, _("Pacte : %(status)s.") % {"status": pact.get_status_display()})
    return redirect("roadmap:roadmap", slug=territory.slug)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, slug):
    """Withdraw the published pact, with a reason shown on its public page (the team, or ANCT)."""
    territory = get_territory_for_user(request, slug, write=True)
    error = ""
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            pact_withdraw(pact=territory.pact, reason=reason, actor=request.user)
        except PactTransitionError as refusal:
            error = str(refusal)
        else:
            messages.success(request, _("Le pacte est retiré de la publication."))
            return redirect("roadmap:roadmap", slug=territory.slug)
    elif territory.pact.status != PactStatus.PUBLISHED:
        messages.error(request, _("Seul un pacte publié peut être retiré."))
        return redirect("roadmap:roadmap", slug=territory.slug)
    return render(
        request,
        "publications/withdraw.html",
        {
            "territory": territory,
            "pact": territory.pact,
            "reason": reason,
            "error": error,
            "max_length": WITHDRAWAL_REASON_MAX_LENGTH,
        },
        status=400 if error else 200,
    )

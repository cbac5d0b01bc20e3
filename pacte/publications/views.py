from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pacte.core.access import get_territory_for_user

from .services import PactTransitionError, pact_publish, pact_validate


@login_required
@require_POST
def transition(request, slug, action):
    territory = get_territory_for_user(request, slug, write=True)
    service = {"valider": pact_validate, "publier": pact_publish}[action]
    try:
        pact = service(pact=territory.pact, actor=request.user)
    except PactTransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Pacte : %(status)s.") % {"status": pact.get_status_display()})
    return redirect("roadmap:roadmap", slug=territory.slug)

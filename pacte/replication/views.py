from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pacte.territories.services import TerritoryCreationError

from .forms import TerritoryFromTemplateForm
from .services import territory_create_from_template


@login_required
def create(request):
    """ANCT (national) creates a new territory on real EPCI, from the generic template."""
    if not request.user.is_superuser:
        raise PermissionDenied
    form = TerritoryFromTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            territory = territory_create_from_template(
                name=form.cleaned_data["name"],
                sirens=form.cleaned_data["sirens"],
                region=form.cleaned_data["region"],
                actor=request.user,
            )
        except TerritoryCreationError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Le territoire « %(t)s » a été créé à partir du modèle.") % {"t": territory})
            return redirect("roadmap:roadmap", slug=territory.slug)
    return render(request, "replication/create.html", {"form": form})

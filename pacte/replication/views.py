from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pacte.territories.models import Territory
from pacte.territories.services import (
    TerritoryCreationError,
    TerritoryLifeCycleError,
    territory_archive,
    territory_delete,
    territory_has_published,
    territory_restore,
)

from .forms import TerritoryDeleteForm, TerritoryFromTemplateForm
from .services import territory_create_with_team


def _national(request):
    """ANCT (national, superuser) only."""
    if not request.user.is_superuser:
        raise PermissionDenied


@login_required
def create(request):
    """ANCT (national) creates a new territory on real EPCI, from the generic template, and invites its team."""
    _national(request)
    form = TerritoryFromTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            territory, invitations = territory_create_with_team(
                name=form.cleaned_data["name"],
                sirens=form.cleaned_data["sirens"],
                region=form.cleaned_data["region"],
                department=form.cleaned_data["department"],
                team_emails=form.cleaned_data["team_emails"],
                actor=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except TerritoryCreationError as error:
            form.add_error("name", str(error))
        except ValidationError as error:
            form.add_error("team_emails", error)
        else:
            messages.success(request, _("Le territoire « %(t)s » a été créé à partir du modèle.") % {"t": territory})
            messages.info(
                request,
                _("Invitation envoyée à : %(emails)s.") % {"emails": ", ".join(i.email for i in invitations)},
            )
            return redirect("roadmap:roadmap", slug=territory.slug)
    return render(request, "replication/create.html", {"form": form})


@login_required
def territories(request):
    """ANCT's list of every territory, with archive / restore / delete."""
    _national(request)
    rows = (
        Territory.objects.select_related("pact")
        .annotate(
            epci_count=Count("intercommunalities", distinct=True), member_count=Count("memberships", distinct=True)
        )
        .order_by("archived_at", "name")
    )
    return render(request, "replication/territories.html", {"territories": rows})


def _territory(slug):
    return get_object_or_404(Territory, slug=slug)


@login_required
@require_POST
def archive(request, slug):
    _national(request)
    try:
        territory = territory_archive(territory=_territory(slug), actor=request.user)
    except TerritoryLifeCycleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Le territoire « %(t)s » est archivé : masqué du public, en lecture seule.") % {"t": territory}
        )
    return redirect("replication:territories")


@login_required
@require_POST
def restore(request, slug):
    _national(request)
    try:
        territory = territory_restore(territory=_territory(slug), actor=request.user)
    except TerritoryLifeCycleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Le territoire « %(t)s » est restauré.") % {"t": territory})
    return redirect("replication:territories")


@login_required
def delete(request, slug):
    """Deleting a territory that has never published anything, after typing its name."""
    _national(request)
    territory = _territory(slug)
    published = territory_has_published(territory)
    form = TerritoryDeleteForm(request.POST or None)
    if request.method == "POST" and not published and form.is_valid():
        try:
            name = territory_delete(
                territory=territory, confirmation=form.cleaned_data["confirmation"], actor=request.user
            )
        except TerritoryLifeCycleError as error:
            form.add_error("confirmation", str(error))
        else:
            messages.success(request, _("Le territoire « %(t)s » et toutes ses données sont supprimés.") % {"t": name})
            return redirect("replication:territories")
    status = 409 if request.method == "POST" and published else 200
    return render(
        request,
        "replication/delete.html",
        {"territory": territory, "form": form, "published": published},
        status=status,
    )

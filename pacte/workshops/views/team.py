"""The territory team's workshop pages: the list, creation, one workshop (data, status, links, invitations)."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from pacte.core.access import get_territory_for_user, user_can_write

from .. import services
from ..forms import InviteForm, StatusForm, WorkshopForm
from ..models import (
    COMMITMENT_QUESTIONS,
    GovernanceQuestion,
    Idea,
    Participant,
    Reaction,
    ReactionKind,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)
from ..services import WorkshopError, participants_invite, workshop_set_status


def _count(queryset, key: str):
    """A correlated COUNT(*) subquery on `key` = the workshop: one query for the list, whatever its length."""
    counted = queryset.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _method():
    """The two workshops of the method (source: "ÉTAPE 2"), for the explanation on the list page."""
    return [
        {
            "kind": WorkshopKind.COMMITMENTS,
            "label": WorkshopKind.COMMITMENTS.label,
            "minutes": 30,
            "questions": COMMITMENT_QUESTIONS,
        },
        {
            "kind": WorkshopKind.GOVERNANCE,
            "label": WorkshopKind.GOVERNANCE.label,
            "minutes": 15,
            "questions": GovernanceQuestion.labels,
        },
    ]


@login_required
def workshop_list(request, slug):
    territory = get_territory_for_user(request, slug)
    workshops = Workshop.objects.for_territory(territory).annotate(
        participant_count=_count(Participant.objects.all(), "workshop"),
        reaction_count=_count(Reaction.objects.all(), "participant__workshop"),
        idea_count=_count(Idea.objects.all(), "workshop"),
    )  # 1 query, with three counting subqueries
    return render(
        request,
        "workshops/workshop_list.html",
        {
            "territory": territory,
            "workshops": workshops,
            "method": _method(),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request, slug):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    kind = request.GET.get("atelier")
    kind = kind if kind in WorkshopKind.values else WorkshopKind.COMMITMENTS
    form = WorkshopForm(request.POST or None, creating=True, kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        workshop = services.workshop_create(  # the view has the service's name
            territory=territory,
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            place=data["place"],
            duration_minutes=data["duration_minutes"],
            actor=request.user,
        )
        messages.success(
            request,
            _("L'atelier est créé. Ouvrez-le aux réactions le jour venu, et imprimez son support et son lien."),
        )
        return redirect("workshops:detail", territory.slug, workshop.pk)
    return render(request, "workshops/workshop_form.html", {"territory": territory, "form": form})


def _workshop(territory, pk) -> Workshop:
    return get_object_or_404(Workshop.objects.for_territory(territory), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def workshop_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    workshop = _workshop(territory, pk)
    # The form edits a copy: an invalid submission does not change the title shown on the page.
    form = WorkshopForm(request.POST or None, instance=copy.copy(workshop))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Les informations de l'atelier sont enregistrées."))
        return redirect("workshops:detail", territory.slug, workshop.pk)
    invited = list(
        workshop.participants.filter(contact__isnull=False)
        .select_related("contact__stakeholder")
        .annotate(reaction_count=Count("reactions", distinct=True), idea_count=Count("ideas", distinct=True))
        .order_by("contact__stakeholder__name", "contact__last_name", "contact__first_name", "pk")
    )
    can_write = user_can_write(request, territory)
    for participant in invited:
        # A personal link lets its holder react in the contact's name: only the team sees it.
        participant.link = (
            request.build_absolute_uri(reverse("workshops:personal", args=[participant.token])) if can_write else ""
        )
    return render(
        request,
        "workshops/workshop_detail.html",
        {
            "territory": territory,
            "workshop": workshop,
            "form": form,
            "editing": request.method == "POST" or request.GET.get("modifier") == "1",
            "open_link": request.build_absolute_uri(reverse("workshops:join", args=[workshop.token])),
            "invited": invited,
            "invite_form": InviteForm(territory=territory, invited_ids={p.contact_id for p in invited})
            if can_write
            else None,
            "counts": _counts(workshop),
            "can_write": can_write,
            "statuses": WorkshopStatus,
        },
    )


def _counts(workshop: Workshop) -> dict:
    """Participants, reactions by kind and post-its of the workshop (3 queries)."""
    reactions = Reaction.objects.filter(participant__workshop=workshop).aggregate(
        total=Count("pk"), **{kind: Count("pk", filter=Q(kind=kind)) for kind in ReactionKind.values}
    )
    return {
        "participants": workshop.participants.filter(on_paper=False).count(),
        "open_link_participants": workshop.participants.filter(contact__isnull=True, on_paper=False).count(),
        "reactions": reactions,
        "ideas": workshop.ideas.count(),
    }


@login_required
@require_POST
def invite(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    workshop = _workshop(territory, pk)
    invited_ids = set(workshop.participants.filter(contact__isnull=False).values_list("contact_id", flat=True))
    form = InviteForm(request.POST, territory=territory, invited_ids=invited_ids)
    if form.is_valid():
        contacts = list(form.cleaned_data["contacts"])
        participants_invite(workshop=workshop, contacts=contacts)
        new = sum(1 for c in contacts if c.pk not in invited_ids)
        if new:
            messages.success(
                request,
                ngettext(
                    "%(n)s contact invité : il a son lien personnel ci-dessous.",
                    "%(n)s contacts invités : chacun a son lien personnel ci-dessous.",
                    new,
                )
                % {"n": new},
            )
        else:
            messages.info(request, _("Ces contacts étaient déjà invités : ils gardent leur lien personnel."))
    else:
        for error in form.errors.get("contacts", []):
            messages.error(request, error)
    return redirect(reverse("workshops:detail", args=[territory.slug, workshop.pk]) + "#participants")


@login_required
@require_POST
def status(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    workshop = _workshop(territory, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Statut inconnu."))
        return redirect("workshops:detail", territory.slug, workshop.pk)
    previous = workshop.status
    try:
        workshop_set_status(workshop=workshop, status=form.cleaned_data["status"])
    except WorkshopError:
        messages.error(request, _("Statut inconnu."))
        return redirect("workshops:detail", territory.slug, workshop.pk)
    if workshop.status == WorkshopStatus.OPEN:
        messages.success(
            request,
            _("L'atelier est rouvert : les participants peuvent de nouveau réagir.")
            if previous == WorkshopStatus.CLOSED
            else _("L'atelier est ouvert : les participants peuvent réagir avec le lien ou le QR code."),
        )
    else:
        messages.success(request, _("L'atelier est clos : il n'accepte plus de réaction ni de post-it."))
    return redirect("workshops:detail", territory.slug, workshop.pk)

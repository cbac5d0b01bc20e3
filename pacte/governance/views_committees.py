"""Thematic groups (committees), their meetings and follow-up actions, the year's calendar and its ICS feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pacte.core.access import get_public_territory, get_territory_for_user, territory_ids_for_request
from pacte.territories.models import Territory

from .calendar_feed import calendar_ics
from .forms_committees import CadenceForm, FollowUpForm, MeetingForm
from .models import FollowUpAction, Meeting, ThematicGroup
from .services_committees import (
    calendar_year,
    calendar_years,
    follow_up_add,
    follow_up_toggle,
    group_cadence_set,
    group_meetings,
    groups_overview,
    meeting_save,
    participant_roles,
    year_from,
)

ELECTED_OFFICIALS_NOTE = (
    "Ces instances sont animées par les EPCI du Territoire d'industrie. Les élus ne siègent pas dans les comités ; "
    "ils sont consultés de manière ad hoc ou lors des commissions de développement économique pour les prises de "
    "décision."
)


def _can_write(request, territory) -> bool:
    return territory.pk in territory_ids_for_request(request, write=True)


def _group_or_404(territory, pk):
    return get_object_or_404(ThematicGroup.objects.for_territory(territory).select_related("theme"), pk=pk)


def _meeting_or_404(territory, pk):
    return get_object_or_404(Meeting.objects.for_territory(territory).select_related("group"), pk=pk)


def _feed_urls(request, territory):
    path = reverse("committees:ics", args=[territory.slug])
    https = request.build_absolute_uri(path)
    return {"ics_url": https, "webcal_url": "webcal://" + https.split("://", 1)[1]}


# --- the groups ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def groups(request, slug):
    territory = get_territory_for_user(request, slug)
    rows = [
        {
            "group": group,
            "roles": participant_roles(group.participants),
            # One form per group on the page: ids of their own.
            "cadence_form": CadenceForm(instance=group, auto_id=f"groupe-{group.pk}-%s"),
        }
        for group in groups_overview(territory=territory)
    ]
    return render(
        request,
        "governance/groups.html",
        {
            "territory": territory,
            "rows": rows,
            "can_write": _can_write(request, territory),
            "elected_officials_note": ELECTED_OFFICIALS_NOTE,
        },
    )


@login_required
@require_POST
def group_cadence(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    group = _group_or_404(territory, pk)
    form = CadenceForm(request.POST, instance=group)
    if form.is_valid():
        group_cadence_set(group=group, cadence=form.cleaned_data["cadence"])
        messages.success(request, _("La cadence du groupe « %(name)s » est enregistrée.") % {"name": group.name})
    else:
        messages.error(request, _("Cadence inconnue : choisissez-en une dans la liste."))
    if request.POST.get("retour") == "groupe":
        return redirect("committees:group", territory.slug, group.pk)
    return redirect(reverse("committees:groups", args=[territory.slug]) + f"#groupe-{group.pk}")


@login_required
@require_GET
def group_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug)
    group = _group_or_404(territory, pk)
    now = timezone.now()
    meetings = list(group_meetings(group=group))
    return render(
        request,
        "governance/group_detail.html",
        {
            "territory": territory,
            "group": group,
            "roles": participant_roles(group.participants),
            "indicators": group.theme.indicators.order_by("order", "pk"),
            "upcoming": [m for m in meetings if m.starts_at >= now],
            "past": [m for m in reversed(meetings) if m.starts_at < now],
            "cadence_form": CadenceForm(instance=group),
            "follow_up_form": FollowUpForm(),
            "today": timezone.localdate(now),
            "can_write": _can_write(request, territory),
            "elected_officials_note": ELECTED_OFFICIALS_NOTE,
        },
    )


# --- meetings and their follow-up actions -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    group = _group_or_404(territory, pk)
    form = MeetingForm(request.POST or None, instance=Meeting(territory=territory, group=group))
    if request.method == "POST" and form.is_valid():
        meeting = meeting_save(meeting=form.save(commit=False))
        messages.success(request, _("La réunion est enregistrée."))
        return redirect("committees:meeting", territory.slug, meeting.pk)
    return render(
        request,
        "governance/meeting_form.html",
        {"territory": territory, "group": group, "form": form, "can_write": _can_write(request, territory)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request, slug, pk):
    """A meeting: its record (editable by the team) and its follow-up actions."""
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    meeting = _meeting_or_404(territory, pk)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        meeting_save(meeting=form.save(commit=False))
        messages.success(request, _("La réunion est enregistrée."))
        return redirect("committees:meeting", territory.slug, meeting.pk)
    return _render_meeting(request, territory, meeting, form=form, follow_up_form=FollowUpForm())


def _render_meeting(request, territory, meeting, *, form, follow_up_form, status=200):
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "territory": territory,
            "group": meeting.group,
            "meeting": meeting,
            "follow_ups": meeting.follow_ups.order_by("done", "due_on", "pk"),
            "form": form,
            "follow_up_form": follow_up_form,
            "today": timezone.localdate(),
            "can_write": _can_write(request, territory),
            "editing": request.method == "POST" or request.GET.get("modifier") == "1",
        },
        status=status,
    )


def _back(territory, meeting, where):
    if where == "groupe":
        return reverse("committees:group", args=[territory.slug, meeting.group_id]) + f"#reunion-{meeting.pk}"
    return reverse("committees:meeting", args=[territory.slug, meeting.pk]) + "#actions"


@login_required
@require_POST
def follow_up_create(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    meeting = _meeting_or_404(territory, pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("L'action de suivi n'est pas enregistrée : corrigez le formulaire."))
        return _render_meeting(
            request, territory, meeting, form=MeetingForm(instance=meeting), follow_up_form=form, status=400
        )
    follow_up_add(meeting=meeting, **form.cleaned_data)
    messages.success(request, _("Action de suivi ajoutée."))
    return redirect(_back(territory, meeting, request.POST.get("retour")))


@login_required
@require_POST
def follow_up_toggle_done(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=True)
    action = get_object_or_404(FollowUpAction.objects.for_territory(territory).select_related("meeting"), pk=pk)
    follow_up_toggle(action=action)
    if request.htmx:
        return render(
            request,
            "governance/meeting_follow_up.html",
            {
                "territory": territory,
                "action": action,
                "today": timezone.localdate(),
                "can_write": True,
                "retour": request.POST.get("retour", ""),
            },
        )
    return redirect(_back(territory, action.meeting, request.POST.get("retour")))


# --- the year's calendar ------------------------------------------------------------------------------------


@login_required
@require_GET
def calendar(request, slug):
    territory = get_territory_for_user(request, slug)
    this_year = timezone.localdate().year
    year = year_from(request.GET.get("annee"), default=this_year)
    pact = getattr(territory, "pact", None)
    return render(
        request,
        "governance/calendar.html",
        {
            "territory": territory,
            "year": year,
            "months": calendar_year(territory=territory, year=year),
            "years": calendar_years(territory=territory, around=year),
            "is_public": pact is not None and pact.is_public,
            **_feed_urls(request, territory),
        },
    )


def _published_territory(slug) -> Territory:
    """The territory if its pact is published: the feed has no signed-in preview (404 otherwise)."""
    territory = get_object_or_404(Territory.objects.select_related("pact"), slug=slug)
    pact = getattr(territory, "pact", None)
    if pact is None or not pact.is_public:
        raise Http404
    return territory


@require_GET
def calendar_feed(request, slug):
    territory = _published_territory(slug)
    response = HttpResponse(
        calendar_ics(territory=territory, host=request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="calendrier-{territory.slug}.ics"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def public_calendar(request, slug):
    """The citizens' calendar: the same content as the feed (dates, groups, places; no minutes)."""
    territory = get_public_territory(request, slug)
    year = year_from(request.GET.get("annee"), default=timezone.localdate().year)
    return render(
        request,
        "governance/calendar_public.html",
        {
            "territory": territory,
            "year": year,
            "months": calendar_year(territory=territory, year=year),
            "years": calendar_years(territory=territory, around=year),
            "is_public": territory.pact.is_public,
            **_feed_urls(request, territory),
        },
    )

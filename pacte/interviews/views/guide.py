"""The territory's interview guide (read by its members, edited by its team) and the printable sheet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from pacte.commitments.models import Theme
from pacte.core.access import get_territory_for_user, user_can_write
from pacte.stakeholders.models import Contact

from ..forms_guide import GuideForm, GuideSectionFormSet, SectionMoveForm, section_initial
from ..services_guide import (
    guide_section_move,
    guide_total_minutes,
    interview_guide_for,
    interview_guide_update,
    interview_sheet_filename,
    interview_sheet_pdf,
)


@login_required
def guide(request, slug):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    can_write = request.method == "POST" or user_can_write(request, territory)
    guide = interview_guide_for(territory=territory)
    sections = list(guide.sections.all())
    form = formset = None
    if request.method == "POST" and request.POST.get("action") == "move":
        move = SectionMoveForm(request.POST)
        if move.is_valid():
            section = get_object_or_404(guide.sections, pk=move.cleaned_data["section"])
            guide_section_move(section=section, offset=-1 if move.cleaned_data["direction"] == "up" else 1)
        return redirect("interviews:guide", territory.slug)
    if request.method == "POST":
        form = GuideForm(request.POST, prefix="guide")
        formset = GuideSectionFormSet(
            request.POST, prefix="sections", form_kwargs={"section_ids": frozenset(s.pk for s in sections)}
        )
        if form.is_valid() and formset.is_valid():
            interview_guide_update(
                guide=guide,
                title=form.cleaned_data["title"],
                sections=formset.changes({s.pk: s for s in sections}),
            )
            messages.success(request, _("Le guide d'entretien est enregistré."))
            return redirect("interviews:guide", territory.slug)
    elif can_write:
        form = GuideForm(initial={"title": guide.title}, prefix="guide")
        formset = GuideSectionFormSet(
            initial=section_initial(sections),
            prefix="sections",
            form_kwargs={"section_ids": frozenset(s.pk for s in sections)},
        )
    has_theme_section = any(s.by_theme for s in sections)
    contacts = (
        Contact.objects.for_territory(territory)
        .select_related("stakeholder")
        .order_by("stakeholder__name", "last_name", "first_name", "pk")
    )
    return render(
        request,
        "interviews/guide.html",
        {
            "territory": territory,
            "guide": guide,
            "sections": sections,
            "themes": list(Theme.objects.for_territory(territory)) if has_theme_section else [],
            "total_minutes": guide_total_minutes(sections),
            "untimed": [s for s in sections if not s.minutes],
            "contacts": contacts,
            "can_write": can_write,
            "form": form,
            "formset": formset,
        },
    )


@login_required
def sheet(request, slug):
    territory = get_territory_for_user(request, slug)
    contact = None
    raw = request.GET.get("contact", "").strip()
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return HttpResponseBadRequest(
                _("Le paramètre « contact » doit être le numéro d'un contact du fichier de suivi."),
                content_type="text/plain; charset=utf-8",
            )
        contact = get_object_or_404(Contact.objects.for_territory(territory).select_related("stakeholder"), pk=int(raw))
    guide = interview_guide_for(territory=territory)
    response = HttpResponse(interview_sheet_pdf(guide=guide, contact=contact), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{interview_sheet_filename(contact=contact)}"'
    return response

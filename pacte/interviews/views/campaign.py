"""The interview campaign: its dashboard and the interview records."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.core.access import get_territory_for_user, user_can_write
from pacte.stakeholders.models import Contact

from ..forms import FindingRecordForm, IdeaForm, InterviewForm
from ..models import CommitmentIdea, Finding, Interview, InterviewStatus
from ..services import campaign_summary, finding_link, finding_record, guide_sections, idea_record, interview_save


@login_required
def campaign(request, slug):
    territory = get_territory_for_user(request, slug)
    interviews = (
        Interview.objects.for_territory(territory)
        .select_related("stakeholder")
        .prefetch_related(
            Prefetch("interviewees", queryset=Contact.objects.select_related("stakeholder").order_by("last_name", "pk"))
        )
        .annotate(finding_count=Count("findings", distinct=True), idea_count=Count("ideas", distinct=True))
        .order_by("-held_on", "-pk")
    )
    return render(
        request,
        "interviews/campaign.html",
        {
            "territory": territory,
            "summary": campaign_summary(territory=territory),
            "interviews": interviews,
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def interview_create(request, slug):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    sections = guide_sections(territory=territory)
    initial = {}
    contact = request.GET.get("contact", "")
    if contact.isdigit():
        contact = Contact.objects.for_territory(territory).filter(pk=contact).first()
        if contact is not None:
            initial = {"interviewees": [contact], "stakeholder": contact.stakeholder}
    interview = Interview(territory=territory, status=InterviewStatus.PLANNED)
    form = InterviewForm(
        request.POST or None, instance=interview, initial=initial, territory=territory, sections=sections
    )
    if request.method == "POST" and form.is_valid():
        interview = interview_save(
            interview=form.save(commit=False),
            interviewees=form.cleaned_data["interviewees"],
            notes=form.notes(),
            actor=request.user,
        )
        messages.success(request, _("L'entretien est enregistré."))
        return redirect("interviews:interview_detail", territory.slug, interview.pk)
    return render(request, "interviews/interview_form.html", {"territory": territory, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def interview_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    interview = get_object_or_404(Interview.objects.for_territory(territory).select_related("stakeholder"), pk=pk)
    sections = guide_sections(territory=territory)
    action = request.POST.get("action", "")
    form = InterviewForm(
        request.POST if action == "save" else None, instance=interview, territory=territory, sections=sections
    )
    # Prefixed: the two forms share field names (theme, text), and each label must point to its own field.
    finding_form = FindingRecordForm(
        request.POST if action == "finding" else None, territory=territory, prefix="constat"
    )
    idea_form = IdeaForm(request.POST if action == "idea" else None, territory=territory, prefix="idee")
    if request.method == "POST":
        if action == "save" and form.is_valid():
            interview_save(
                interview=form.save(commit=False),
                interviewees=form.cleaned_data["interviewees"],
                notes=form.notes(),
                actor=request.user,
            )
            messages.success(request, _("L'entretien est enregistré."))
            return redirect("interviews:interview_detail", territory.slug, interview.pk)
        if action == "finding" and finding_form.is_valid():
            data = finding_form.cleaned_data
            if data["existing"]:
                finding_link(interview=interview, finding=data["existing"])
                messages.success(request, _("Le constat compte désormais cet entretien parmi ses sources."))
            else:
                finding_record(
                    interview=interview, axis=data["axis"], kind=data["kind"], text=data["text"], theme=data["theme"]
                )
                messages.success(request, _("Constat ajouté : il est à retenir dans le diagnostic."))
            return redirect("interviews:interview_detail", territory.slug, interview.pk)
        if action == "idea" and idea_form.is_valid():
            data = idea_form.cleaned_data
            idea_record(interview=interview, side=data["side"], theme=data["theme"], text=data["text"])
            messages.success(request, _("Idée d'engagement ajoutée."))
            return redirect("interviews:interview_detail", territory.slug, interview.pk)
        if action == "unlink" and request.POST.get("finding", "").isdigit():
            finding = get_object_or_404(Finding.objects.for_territory(territory), pk=request.POST["finding"])
            finding.interviews.remove(interview)
            messages.success(request, _("Le constat n'est plus rattaché à cet entretien."))
            return redirect("interviews:interview_detail", territory.slug, interview.pk)
        if action == "delete_idea" and request.POST.get("idea", "").isdigit():
            idea = get_object_or_404(CommitmentIdea.objects.filter(interview=interview), pk=request.POST["idea"])
            if request.POST.get("confirm") != "1":  # asked first: a page that says what will be deleted
                return render(
                    request,
                    "interviews/idea_delete.html",
                    {"territory": territory, "interview": interview, "idea": idea},
                )
            idea.delete()
            messages.success(request, _("Idée d'engagement supprimée : « %(t)s ».") % {"t": idea.text})
            return redirect("interviews:interview_detail", territory.slug, interview.pk)
        if action not in ("save", "finding", "idea"):
            messages.error(request, _("Action inconnue."))
    return render(
        request,
        "interviews/interview_detail.html",
        {
            "territory": territory,
            "interview": interview,
            "interviewees": interview.interviewees.select_related("stakeholder"),
            "notes": interview.notes.all(),
            "findings": interview.findings.select_related("axis", "theme").prefetch_related("interviews"),
            "ideas": interview.ideas.select_related("theme"),
            "form": form,
            "finding_form": finding_form,
            "idea_form": idea_form,
            "can_write": user_can_write(request, territory),
            "editing": action == "save" or request.GET.get("modifier") == "1",
        },
    )

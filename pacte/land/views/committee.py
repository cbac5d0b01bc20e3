"""The ad hoc committee of a land call: members and conflicts of interest, the scoring sheets, the ranking, the
committee's opinion with the elected officials' decision, and its PDF."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pacte.accounts.forms import InvitedAccountForm
from pacte.accounts.services import user_create_with_password
from pacte.core.access import get_territory_for_user, territories_for_user, user_can_write
from pacte.core.pdf import template_to_pdf
from pacte.territories.models import Territory

from ..forms_committee import ConflictForm, DissentForm, FinalDecisionForm, MemberForm, OpinionForm
from ..models import (
    ApplicationOpinion,
    CommitteeInvitation,
    CommitteeMember,
    ConflictOfInterest,
    Decision,
    LandCall,
    Opinion,
    Score,
)
from ..selectors import call_criteria, committee_progress, ranking_table, scorable_applications
from ..services_committee import (
    allocation_record,
    committee_invitation_accept,
    committee_invitation_from_token,
    committee_invitation_refusal,
    conflict_declare,
    decision_sign,
    decision_signed,
    dissent_set,
    member_add,
    member_invitation_resend,
    member_invite,
    member_remove,
    opinion_set,
    recommended_application_id,
    scores_save,
    scoring_refusal,
)

PDF_STYLESHEET = "workshops/pdf.css"  # the shared A4 layout; the decision's own rules are in its template
SCALE = range(6)


def _write(request) -> bool:
    return request.method == "POST"


def _call_for(request, slug, pk, *, write=False):
    territory = get_territory_for_user(request, slug, write=write)
    call = get_object_or_404(LandCall.objects.for_territory(territory), pk=pk)
    return territory, call


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _decision(call):
    return Decision.objects.filter(call=call).select_related("signed_by", "final_application").first()


# ---------------------------------------------------------------------------------------------------------------
# The committee


@login_required
@require_http_methods(["GET", "POST"])
def committee(request, slug, pk):
    territory, call = _call_for(request, slug, pk, write=_write(request))
    members = CommitteeMember.objects.filter(call=call).order_by("order", "pk")
    applications = scorable_applications(call)
    member_form = MemberForm(prefix="member")
    conflict_form = ConflictForm(prefix="conflict", members=members, applications=applications)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add_member":
                member_form = MemberForm(request.POST, prefix="member")
                if member_form.is_valid():
                    data = member_form.cleaned_data
                    if data["email"]:
                        member_invite(
                            call=call,
                            name=data["name"],
                            role=data["role"],
                            email=data["email"],
                            actor=request.user,
                            base_url=request.build_absolute_uri("/").rstrip("/"),
                        )
                        # The same answer whether the address has an account or not.
                        messages.success(
                            request,
                            _("Membre ajouté au comité : une invitation a été envoyée à %(email)s.")
                            % {"email": data["email"].lower()},
                        )
                    else:
                        member_add(call=call, name=data["name"], role=data["role"], actor=request.user)
                        messages.success(request, _("Membre ajouté au comité."))
                    return redirect("land:committee", territory.slug, call.pk)
            elif action == "resend_invitation":
                member = get_object_or_404(members, pk=request.POST.get("member"))
                member_invitation_resend(
                    member=member, actor=request.user, base_url=request.build_absolute_uri("/").rstrip("/")
                )
                messages.success(request, _("Invitation renvoyée (nouveau lien)."))
                return redirect("land:committee", territory.slug, call.pk)
            elif action == "remove_member":
                member = get_object_or_404(members, pk=request.POST.get("member"))
                member_remove(member=member, actor=request.user)
                messages.success(request, _("Membre retiré du comité."))
                return redirect("land:committee", territory.slug, call.pk)
            elif action == "conflict":
                conflict_form = ConflictForm(
                    request.POST, prefix="conflict", members=members, applications=applications
                )
                if conflict_form.is_valid():
                    data = conflict_form.cleaned_data
                    conflict_declare(
                        member=data["member"],
                        application=data["application"],
                        reason=data["reason"],
                        actor=request.user,
                    )
                    messages.success(
                        request, _("Conflit d'intérêts enregistré : ce membre ne notera pas cette candidature.")
                    )
                    return redirect("land:committee", territory.slug, call.pk)
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return redirect("land:committee", territory.slug, call.pk)
    progress = committee_progress(call)
    invitations = {i.member_id: i for i in CommitteeInvitation.objects.filter(member__call=call)}
    for line in progress:
        line.member.pending_invitation = invitations.get(line.member.pk)
    return render(
        request,
        "land/committee.html",
        {
            "territory": territory,
            "call": call,
            "progress": progress,
            "member_form": member_form,
            "conflict_form": conflict_form,
            "can_write": user_can_write(request, territory) and not decision_signed(call),
            "scoring_refusal": scoring_refusal(call),
            "applications_count": applications.count(),
        },
    )


# ---------------------------------------------------------------------------------------------------------------
# A member's invitation link


@require_http_methods(["GET", "POST"])
def committee_invitation(request, token):
    """The single-use link of an invited committee member: signed in, they accept (the account is linked to the
    member); otherwise they create an account or sign in first. Opens only their own scoring sheet."""
    invitation = committee_invitation_from_token(token)
    refusal = committee_invitation_refusal(invitation)
    if refusal:
        return render(
            request,
            "land/committee_invitation.html",
            {"refusal": refusal, "invitation": invitation},
            status=404 if invitation is None else 410,
        )
    member = invitation.member
    call = member.call
    form = None
    account_exists = False
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                committee_invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as error:
                messages.error(request, _error_text(error))
                return redirect("land:committee_invitation", token)
            messages.success(request, _("Vous êtes membre du comité : voici votre grille de notation."))
            return redirect("land:scoring", call.territory.slug, call.pk, member.pk)
    else:
        account_exists = get_user_model().objects.filter(username__iexact=invitation.email).exists()
        form = InvitedAccountForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and not account_exists and form.is_valid():
            data = form.cleaned_data
            try:
                user = user_create_with_password(
                    email=invitation.email,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    password=data["password1"],
                )
                committee_invitation_accept(invitation=invitation, user=user)
            except ValidationError as error:
                form.add_error(None, _error_text(error))
            else:
                login(request, user, backend="pacte.accounts.backends.PasswordBackend")
                messages.success(request, _("Votre compte est créé : voici votre grille de notation."))
                return redirect("land:scoring", call.territory.slug, call.pk, member.pk)
    return render(
        request,
        "land/committee_invitation.html",
        {
            "invitation": invitation,
            "member": member,
            "call": call,
            "territory": call.territory,
            "form": form,
            "account_exists": account_exists,
            "login_url": reverse("accounts:login") + "?" + urlencode({"next": request.path}),
        },
        status=400 if form is not None and form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------------------------
# A member's scoring sheet


def _sheet_access(request, slug, pk, member_pk):
    """(territory, call, member, can_write). The team reads every sheet (and writes them, e.g. from paper); a
    member with an account opens only their own sheet, even without a membership of the territory."""
    territory = get_object_or_404(Territory, slug=slug)
    if territories_for_user(request.user).filter(pk=territory.pk).exists():
        call = get_object_or_404(LandCall.objects.for_territory(territory), pk=pk)
        member = get_object_or_404(CommitteeMember.objects.filter(call=call).select_related("user"), pk=member_pk)
        can_write = member.user_id == request.user.pk or user_can_write(request, territory)
        if request.method == "POST" and not can_write:
            raise PermissionDenied
        return territory, call, member, can_write
    member = (
        CommitteeMember.objects.filter(
            territory=territory, call_id=pk, pk=member_pk, user=request.user, call__territory=territory
        )
        .select_related("call", "user")
        .first()
    )
    if member is None:
        raise PermissionDenied
    return territory, member.call, member, True


@login_required
@require_http_methods(["GET", "POST"])
def scoring(request, slug, pk, member_pk):
    territory, call, member, can_write = _sheet_access(request, slug, pk, member_pk)
    conflicted = set(ConflictOfInterest.objects.filter(member=member).values_list("application_id", flat=True))
    applications = [a for a in scorable_applications(call) if a.pk not in conflicted]
    criteria = call_criteria(call)
    refusal = scoring_refusal(call)
    existing = {(s.application_id, s.criterion_id): s for s in Score.objects.filter(member=member)}
    errors = []
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        if refusal:
            messages.error(request, refusal)
            return redirect("land:scoring", territory.slug, call.pk, member.pk)
        entries = []
        for application in applications:
            for criterion in criteria:
                raw = posted.get(f"s-{application.pk}-{criterion.pk}", "").strip()
                comment = posted.get(f"c-{application.pk}-{criterion.pk}", "")
                if raw == "":
                    continue  # not scored yet: a sheet can be saved in several goes
                try:
                    value = int(raw)
                except ValueError:
                    value = None
                if value is None or not 0 <= value <= 5:
                    errors.append(
                        _("%(company)s, « %(criterion)s » : une note est un entier de 0 à 5.")
                        % {"company": application.company_name, "criterion": criterion.name}
                    )
                    continue
                entries.append((application, criterion, value, comment))
        for key in posted:  # a field of an application this member may not score (e.g. conflicted): refused
            if key.startswith("s-"):
                application_pk = key.split("-")[1]
                if application_pk.isdigit() and int(application_pk) in conflicted and posted[key].strip():
                    errors.append(_("Vous avez déclaré un conflit d'intérêts avec cette candidature : pas de note."))
        if not errors:
            try:
                changed = scores_save(member=member, entries=entries, actor=request.user)
            except ValidationError as error:
                errors.append(_error_text(error))
            else:
                messages.success(request, _("Grille enregistrée (%(n)s notes modifiées).") % {"n": changed})
                return redirect("land:scoring", territory.slug, call.pk, member.pk)
    sheet = []
    for application in applications:
        lines = []
        for criterion in criteria:
            score = existing.get((application.pk, criterion.pk))
            key = f"{application.pk}-{criterion.pk}"
            value = posted.get(f"s-{key}", "") if posted is not None else ("" if score is None else str(score.value))
            comment = posted.get(f"c-{key}", "") if posted is not None else ("" if score is None else score.comment)
            levels = list(criterion.levels or [])
            choices = [(str(n), levels[n] if n < len(levels) else "") for n in SCALE]
            lines.append({"criterion": criterion, "key": key, "value": value, "comment": comment, "choices": choices})
        sheet.append((application, lines))
    return render(
        request,
        "land/scoring.html",
        {
            "territory": territory,
            "call": call,
            "member": member,
            "sheet": sheet,
            "criteria": criteria,
            "conflicted_count": len(conflicted),
            "errors": errors,
            "refusal": refusal,
            "can_write": can_write and not refusal,
            "is_team": territories_for_user(request.user).filter(pk=territory.pk).exists(),
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------------------------------------------
# The ranking


@login_required
@require_GET
def ranking_page(request, slug, pk):
    territory, call = _call_for(request, slug, pk)
    return render(request, "land/ranking.html", {"territory": territory, "call": call, "table": ranking_table(call)})


# ---------------------------------------------------------------------------------------------------------------
# The committee's opinion and the elected officials' decision


def _frozen_rows(decision):
    rows = list((decision.frozen or {}).get("ranking", []))
    criteria = (decision.frozen or {}).get("criteria", [])
    for row in rows:
        row["mean_list"] = [(c, row["means"].get(str(c["id"]))) for c in criteria]
        row["stability_percent"] = None if row["stability"] is None else round(row["stability"] * 100, 1)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def decision(request, slug, pk):
    territory, call = _call_for(request, slug, pk, write=_write(request))
    applications = scorable_applications(call)
    current = _decision(call)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "opinion":
                form = OpinionForm(request.POST, applications=applications)
                if not form.is_valid():
                    raise ValidationError(_("Avis incomplet : choisissez un avis et justifiez-le."))
                data = form.cleaned_data
                opinion_set(
                    call=call,
                    application=data["application"],
                    opinion=data["opinion"],
                    justification=data["justification"],
                    actor=request.user,
                )
                messages.success(request, _("Avis enregistré."))
            elif action == "dissent":
                form = DissentForm(request.POST)
                form.is_valid()
                dissent_set(call=call, dissent=form.cleaned_data.get("dissent", ""), actor=request.user)
                messages.success(request, _("Avis divergents enregistrés."))
            elif action == "sign":
                decision_sign(call=call, actor=request.user)
                messages.success(request, _("Avis signé : il est désormais figé."))
            elif action == "final":
                if current is None:
                    raise ValidationError(_("La décision des élus suit l'avis signé du comité."))
                form = FinalDecisionForm(request.POST, applications=applications)
                if not form.is_valid():
                    raise ValidationError(_("Choisissez le projet retenu par les élus."))
                allocation_record(
                    decision=current,
                    application=form.cleaned_data["application"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
                messages.success(
                    request,
                    _(
                        "Décision des élus enregistrée : parcelles attribuées, engagements du projet repris dans son "
                        "plan d'action."
                    ),
                )
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return render(
                request,
                "land/decision.html",
                _decision_context(request, territory, call, applications, _decision(call), final_data=request.POST),
                status=400,
            )
        return redirect("land:decision", territory.slug, call.pk)
    return render(request, "land/decision.html", _decision_context(request, territory, call, applications, current))


def _decision_context(request, territory, call, applications, current, final_data=None):
    signed = current is not None and current.signed_at is not None
    context = {
        "territory": territory,
        "call": call,
        "decision": current,
        "signed": signed,
        "can_write": user_can_write(request, territory),
        "opinion_choices": Opinion.choices,
    }
    if signed:
        context["rows"] = _frozen_rows(current)
        context["criteria"] = current.frozen.get("criteria", [])
        context["recommended"] = recommended_application_id(current)
        if current.final_application_id is None:
            context["final_form"] = FinalDecisionForm(
                final_data, applications=applications, initial={"application": context["recommended"]}
            )
    else:
        table = ranking_table(call)
        opinions = {}
        if current is not None:
            opinions = {o.application_id: o for o in ApplicationOpinion.objects.filter(decision=current)}
        for row in table.rows:
            row.opinion = opinions.get(row.application.pk)
        context["table"] = table
        context["dissent_form"] = DissentForm(initial={"dissent": current.dissent if current else ""})
        context["missing_opinions"] = len([r for r in table.rows if r.opinion is None])
    return context


@login_required
@require_GET
def decision_pdf(request, slug, pk):
    territory, call = _call_for(request, slug, pk)
    current = _decision(call)
    if current is None or current.signed_at is None:
        raise Http404
    frozen = current.frozen or {}
    pdf = template_to_pdf(
        "land/pdf_decision.html",
        {
            "territory": territory,
            "call": call,
            "decision": current,
            "frozen": frozen,
            "criteria": frozen.get("criteria", []),
            "rows": _frozen_rows(current),
            "printed_at": timezone.now(),
        },
        stylesheet=PDF_STYLESHEET,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="avis-comite-foncier-{call.pk}.pdf"'
    return response

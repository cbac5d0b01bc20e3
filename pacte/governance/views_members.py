"""Step 5, companies: the team's list and company pages, the sign-in by link, the company's own space (adhesion,
its plan "Le pacte et vous", its annual reviews)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pacte.companies.models import ADHESION_YEARS, Company, MembershipStatus
from pacte.companies.services import register_card, siren_flags
from pacte.core.access import get_company_for_user, get_territory_for_user, user_can_write
from pacte.core.throttle import client_address, throttle
from pacte.indicators.models import IndicatorValue
from pacte.stakeholders.models import Category, Stakeholder

from .benefits import BENEFITS
from .forms_members import (
    ActionForm,
    ActionPlanForm,
    CompanyInviteForm,
    MemberFilterForm,
    NewLinkForm,
    ReviewForm,
    TerritoryViewForm,
)
from .models import Action, AnnualReview
from .services_members import (
    action_add,
    action_plan_get_or_create,
    action_plan_territory_view_update,
    action_plan_update,
    add_years,
    adhesion_commitments,
    companies_with_membership,
    company_invite,
    membership_adhere,
    membership_counts,
    membership_current,
    review_record,
    sign_in_check,
    sign_in_links_send,
)

SESSION_COMPANY = "pacte_company"  # the company a representative signed in for (the header's "Mon entreprise")


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _plan_actions(plan):
    if plan is None:
        return []
    return list(
        plan.actions.select_related(
            "company_action__commitment__theme", "territory_action__commitment__theme", "indicator"
        ).order_by("kind", "horizon", "order", "pk")
    )


# ---------------------------------------------------------------------------------------------------------------
# The territory team's pages


@login_required
def company_list(request, slug):
    territory = get_territory_for_user(request, slug)
    filters = MemberFilterForm(request.GET or None)
    companies = companies_with_membership(territory)
    status = filters.cleaned_data["statut"] if filters.is_valid() else ""
    if status:
        companies = companies.filter(membership_status=status)
    companies = list(companies)
    # The SIRENE register's word on each company's SIREN (closed, unknown…), when a register was imported: 2 queries.
    flags = siren_flags(territory=territory, sirens=[c.siren for c in companies])
    for company in companies:
        company.siren_flag = flags.get(company.siren, "")
    return render(
        request,
        "governance/member_list.html",
        {
            "territory": territory,
            "companies": companies,
            "counts": membership_counts(territory),
            "filters": filters,
            "status": status,
            "statuses": MembershipStatus.choices,
            "today": timezone.localdate(),
            "can_write": user_can_write(request, territory),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def company_invite_view(request, slug):
    territory = get_territory_for_user(request, slug, write=True)
    initial = {}
    stakeholder_pk = request.GET.get("partie_prenante", "")
    if stakeholder_pk.isdigit():
        stakeholder = (
            Stakeholder.objects.for_territory(territory).filter(pk=stakeholder_pk, category=Category.COMPANIES).first()
        )
        if stakeholder is not None:
            initial = {"name": stakeholder.name, "stakeholder": stakeholder}
    form = CompanyInviteForm(request.POST or None, initial=initial, territory=territory)
    if request.method == "POST" and form.is_valid():
        company = form.save(commit=False)
        company_invite(
            territory=territory,
            company=company,
            email=form.cleaned_data["invite_email"],
            actor=request.user,
            base_url=_base_url(request),
        )
        messages.success(
            request,
            _("Invitation envoyée à %(email)s : le lien de connexion est valable 7 jours.")
            % {"email": form.cleaned_data["invite_email"]},
        )
        return redirect("members:detail", territory.slug, company.pk)
    return render(request, "governance/member_invite.html", {"territory": territory, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def company_detail(request, slug, pk):
    territory = get_territory_for_user(request, slug, write=request.method == "POST")
    company = get_object_or_404(Company.objects.for_territory(territory).select_related("stakeholder"), pk=pk)
    membership = membership_current(company)
    plan = getattr(membership, "action_plan", None) if membership else None
    action = request.POST.get("action", "")
    view_form = TerritoryViewForm(request.POST if action == "territory_view" else None, instance=plan)
    if request.method == "POST":
        if action == "territory_view" and membership is not None and view_form.is_valid():
            plan = plan or action_plan_get_or_create(membership=membership)
            action_plan_territory_view_update(plan=plan, text=view_form.cleaned_data["territory_view"])
            messages.success(request, _("Le regard du territoire est enregistré."))
            return redirect("members:detail", territory.slug, company.pk)
        if action == "reinvite":
            email = request.POST.get("email", "").strip() or company.email
            if email:
                company_invite(
                    territory=territory, company=company, email=email, actor=request.user, base_url=_base_url(request)
                )
                messages.success(request, _("Nouveau lien de connexion envoyé à %(email)s.") % {"email": email})
                return redirect("members:detail", territory.slug, company.pk)
            messages.error(request, _("Indiquez l'adresse à laquelle envoyer l'invitation."))
        elif action != "territory_view":
            messages.error(request, _("Action inconnue."))
    return render(
        request,
        "governance/member_detail.html",
        {
            "territory": territory,
            "company": company,
            "membership": membership,
            "plan": plan,
            "actions": _plan_actions(plan),
            "reviews": membership.reviews.all() if membership else [],
            "representatives": company.representatives.select_related("user").order_by("user__email"),
            "view_form": view_form,
            "can_write": user_can_write(request, territory),
            "today": timezone.localdate(),
            "register": register_card(territory=territory, siren=company.siren),
        },
    )


# ---------------------------------------------------------------------------------------------------------------
# Sign-in by link


def sign_in(request, token):
    checked = sign_in_check(token)
    if checked is None:
        return render(request, "governance/company_sign_in_invalid.html", {"form": NewLinkForm()}, status=400)
    user, company = checked
    if request.method == "POST":
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_COMPANY] = company.pk
        messages.success(request, _("Vous êtes connecté pour %(company)s.") % {"company": company.name})
        return redirect("members:company", company.pk)
    # A confirmation button: mail scanners that open links must not spend the single-use link.
    return render(request, "governance/company_sign_in.html", {"company": company})


LINKS_PER_ADDRESS = 10  # sign-in link requests from one client address in 15 minutes
LINKS_PER_EMAIL = 3  # links sent to one email address in 15 minutes


@require_http_methods(["GET", "POST"])
def new_link(request):
    form = NewLinkForm(request.POST or None)
    if request.method == "POST":
        throttle(scope="sign-in-link-address", key=client_address(request), limit=LINKS_PER_ADDRESS, period=900)
    if request.method == "POST" and form.is_valid():
        # Per address asked for, whoever asks: never 15 mails in a row to one mailbox.
        throttle(
            scope="sign-in-link-email",
            key=form.cleaned_data["email"].strip().lower(),
            limit=LINKS_PER_EMAIL,
            period=900,
        )
        sign_in_links_send(email=form.cleaned_data["email"], base_url=_base_url(request))
        return render(request, "governance/company_new_link_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "governance/company_new_link.html", {"form": form})


# ---------------------------------------------------------------------------------------------------------------
# The company's space (its representatives, and the territory team)


def _company_login_required(view):
    return login_required(view, login_url="members:new_link")


@_company_login_required
@require_http_methods(["GET", "POST"])
def company_space(request, pk):
    company = get_company_for_user(request, pk)
    territory = company.territory
    membership = membership_current(company)
    plan = getattr(membership, "action_plan", None) if membership else None
    action = request.POST.get("action", "")
    plan_form = ActionPlanForm(request.POST if action == "plan" else None, instance=plan, prefix="plan")
    action_form = ActionForm(request.POST if action == "add_action" else None, territory=territory, prefix="action")
    if request.method == "POST":
        if action == "adhere":  # adhering binds the company: always through the recap and its confirmation
            return redirect("members:adhere", company.pk)
        if membership is None:
            messages.error(request, _("L'entreprise n'a pas encore été invitée au pacte."))
            return redirect("members:company", company.pk)
        if action == "plan" and plan_form.is_valid():
            plan = plan or action_plan_get_or_create(membership=membership)
            action_plan_update(plan=plan, fields=plan_form.cleaned_data)
            messages.success(request, _("Votre plan d'action est enregistré."))
            return redirect("members:company", company.pk)
        if action == "add_action" and action_form.is_valid():
            plan = plan or action_plan_get_or_create(membership=membership)
            data = action_form.cleaned_data
            action_add(
                plan=plan,
                kind=data["kind"],
                company_action=data["company_action"],
                territory_action=data["territory_action"],
                text=data["text"],
                horizon=data["horizon"],
                indicator=data["indicator"],
            )
            messages.success(request, _("Ligne ajoutée au plan d'action."))
            return redirect(reverse("members:company", args=[company.pk]) + "#plan-actions")
        if action == "delete_action" and request.POST.get("line", "").isdigit() and plan is not None:
            get_object_or_404(Action.objects.filter(plan=plan), pk=request.POST["line"]).delete()
            messages.success(request, _("Ligne retirée du plan d'action."))
            return redirect(reverse("members:company", args=[company.pk]) + "#plan-actions")
        if action not in ("plan", "add_action"):
            messages.error(request, _("Action inconnue."))
    is_team = user_can_write(request, territory)
    return render(
        request,
        "governance/company_space.html",
        {
            "company": company,
            "territory": territory,
            "membership": membership,
            "plan": plan,
            "actions": _plan_actions(plan),
            "reviews": membership.reviews.all() if membership else [],
            "plan_form": plan_form,
            "action_form": action_form,
            "is_team": is_team,
            "years": ADHESION_YEARS,
            "benefits": BENEFITS,
            "today": timezone.localdate(),
        },
    )


@_company_login_required
@require_http_methods(["GET", "POST"])
def adhesion_confirm(request, pk):
    """What the company commits to (duration, annual reviews, action plan, the pact's company-side commitments)
    and what it gains; adhering is the POST of this page's confirmation button."""
    company = get_company_for_user(request, pk)
    territory = company.territory
    membership = membership_current(company)
    if membership is not None and membership.status == MembershipStatus.ACTIVE:
        if request.method == "POST":
            messages.info(request, _("L'entreprise est déjà adhérente."))
        return redirect("members:company", company.pk)
    if request.method == "POST":
        membership = membership_adhere(company=company, actor=request.user)
        messages.success(
            request,
            _("Bienvenue dans le pacte : adhésion du %(start)s au %(end)s, une revue par an.")
            % {"start": f"{membership.starts_on:%d/%m/%Y}", "end": f"{membership.ends_on:%d/%m/%Y}"},
        )
        return redirect("members:company", company.pk)
    today = timezone.localdate()
    ends_on = add_years(today, ADHESION_YEARS)
    return render(
        request,
        "governance/adhesion_confirm.html",
        {
            "company": company,
            "territory": territory,
            "is_team": user_can_write(request, territory),
            "years": ADHESION_YEARS,
            "starts_on": today,
            "ends_on": ends_on,
            "reviews": [add_years(today, year) for year in range(1, ADHESION_YEARS + 1)],
            "themes": adhesion_commitments(territory),
            "benefits": BENEFITS,
        },
    )


@_company_login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, pk, review_pk):
    company = get_company_for_user(request, pk)
    review = get_object_or_404(
        AnnualReview.objects.filter(membership__company=company).select_related("membership"), pk=review_pk
    )
    form = ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        review_record(
            review=review, held_on=data["held_on"], done=data["done"], next_year=data["next_year"], actor=request.user
        )
        messages.success(request, _("La revue annuelle est enregistrée."))
        return redirect("members:company", company.pk)
    return render(
        request,
        "governance/review_detail.html",
        {
            "company": company,
            "territory": company.territory,
            "review": review,
            "form": form,
            "is_team": user_can_write(request, company.territory),
            # The indicator values of the year the review looks back on (the one before it is due).
            "review_year": review.due_on.year - 1,
            "values": IndicatorValue.objects.filter(company=company, year=review.due_on.year - 1)
            .select_related("indicator__theme")
            .order_by("indicator__theme__order", "indicator__order", "indicator__pk"),
        },
    )

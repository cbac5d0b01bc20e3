"""Step 5, companies: invitation by sign-in link, adhesion for 3 years, the action plan "Le pacte et vous",
annual reviews and the reminders of both sides."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pacte.accounts.models import Role, TerritoryMembership
from pacte.commitments.models import Commitment
from pacte.companies.models import ADHESION_YEARS, Company, Membership, MembershipStatus, Representative
from pacte.companies.signals import memberships_changed
from pacte.core.models import JournalVerb, journal_write

from .benefits import BENEFITS
from .models import Action, ActionPlan, AnnualReview

SIGN_IN_SALT = "pacte.governance.sign-in"
SIGN_IN_MAX_AGE = 7 * 24 * 3600  # a sign-in link is valid 7 days
REVIEW_REMINDER_DAYS = 30  # reviews due within 30 days are announced to both sides, once
END_REMINDER_DAYS = 60  # memberships ending within 60 days are announced, once


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later; 29 February becomes 28 February in a non-leap year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------------------------------------------------------
# Reads


def membership_current(company: Company) -> Membership | None:
    """The company's latest membership (a company that adheres again after an ended one has several)."""
    return company.memberships.order_by("-pk").first()


def companies_with_membership(territory):
    """The companies of a territory, each annotated with its latest membership, its next review due and whether
    its action plan is filled. One query, whatever the number of companies."""
    latest = Membership.objects.filter(company=OuterRef("pk")).order_by("-pk")
    return (
        Company.objects.for_territory(territory)
        .annotate(
            membership_pk=Subquery(latest.values("pk")[:1]),
            membership_status=Subquery(latest.values("status")[:1]),
            invited_at=Subquery(latest.values("invited_at")[:1]),
            starts_on=Subquery(latest.values("starts_on")[:1]),
            ends_on=Subquery(latest.values("ends_on")[:1]),
            next_review_on=Subquery(
                AnnualReview.objects.filter(membership=OuterRef("membership_pk"), held_on__isnull=True)
                .order_by("due_on")
                .values("due_on")[:1]
            ),
            plan_filled=Exists(
                ActionPlan.objects.filter(membership=OuterRef("membership_pk")).filter(
                    ~Q(issues="") | ~Q(contribution="") | Q(actions__isnull=False)
                )
            ),
        )
        .order_by("name", "pk")
    )


def membership_counts(territory) -> dict[str, int]:
    """How many companies stand in each status (of their latest membership), and in all."""
    rows = (
        companies_with_membership(territory)
        .order_by()
        .values("membership_status")
        .annotate(n=Count("pk"))
        .values_list("membership_status", "n")
    )
    counts = {status: 0 for status in MembershipStatus.values}
    counts["none"] = 0
    for status, n in rows:
        counts[status or "none"] += n
    counts["total"] = sum(counts.values())
    return counts


def adhesion_commitments(territory) -> list[dict]:
    """What an adhering company commits to, by theme: each commitment of the pact with what the companies commit
    to (its introduction and its company-side actions). Two queries."""
    commitments = (
        Commitment.objects.for_territory(territory)
        .select_related("theme")
        .prefetch_related("company_actions")
        .order_by("theme__order", "theme__pk", "order", "pk")
    )
    themes: list[dict] = []
    for commitment in commitments:
        actions = sorted(commitment.company_actions.all(), key=lambda a: (a.order, a.pk))
        if not actions and not commitment.company_intro:
            continue
        if not themes or themes[-1]["theme"].pk != commitment.theme_id:
            themes.append({"theme": commitment.theme, "commitments": []})
        themes[-1]["commitments"].append({"commitment": commitment, "actions": actions})
    return themes


def action_plan_filled(plan: ActionPlan | None) -> bool:
    return bool(plan and (plan.issues or plan.contribution or plan.actions.exists()))


# ---------------------------------------------------------------------------------------------------------------
# Sign-in links


def sign_in_token(*, user, company: Company) -> str:
    """A signed token for one representative and one company. It carries the user's last sign-in, so that it
    stops working once used (signing in changes last_login), as password-reset tokens do."""
    last_login = user.last_login.isoformat() if user.last_login else ""
    return signing.dumps({"u": user.pk, "c": company.pk, "l": last_login}, salt=SIGN_IN_SALT, compress=True)


def sign_in_check(token: str):
    """(user, company) for a valid, unexpired, unused token of a representative; None otherwise."""
    try:
        data = signing.loads(token, salt=SIGN_IN_SALT, max_age=SIGN_IN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict):
        return None
    representative = (
        Representative.objects.select_related("user", "company")
        .filter(user_id=data.get("u"), company_id=data.get("c"), user__is_active=True)
        .first()
    )
    if representative is None:
        return None
    user = representative.user
    if user.is_staff or user.is_superuser:  # those sign in with their password, never by a link
        return None
    last_login = user.last_login.isoformat() if user.last_login else ""
    if last_login != data.get("l"):
        return None
    return user, representative.company


def sign_in_url(*, user, company: Company, base_url: str = "") -> str:
    base = (base_url or settings.SITE_URL).rstrip("/")
    return base + reverse("members:sign_in", args=[sign_in_token(user=user, company=company)])


def _send(*, template: str, context: dict, recipients: list[str]) -> int:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    subject = " ".join(render_to_string(f"governance/emails/{template}_subject.txt", context).split())
    body = render_to_string(f"governance/emails/{template}.txt", context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def _user_for_email(email: str):
    """The account of this address, created (without a password) if it has none."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        return user
    username = email.lower()[:150]
    suffix = 1
    while User.objects.filter(username=username).exists():
        suffix += 1
        username = f"{email.lower()[:140]}-{suffix}"
    user = User(username=username, email=email)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def company_invite(*, territory, company: Company, email: str, actor, base_url: str = "") -> Membership:
    """Propose the pact to a company: its membership is (or stays) invited, the person behind `email` becomes
    its representative (an account without a password is created if needed), and receives a sign-in link.

    An active membership is kept as it is (the link is simply sent again); an ended or declined one gives way to
    a new invitation.
    """
    email = email.strip()
    company.territory = territory
    if not company.email:
        company.email = email
    company.save()
    membership = membership_current(company)
    if membership is None or membership.status in (MembershipStatus.ENDED, MembershipStatus.DECLINED):
        membership = Membership(territory=territory, company=company)
    if membership.status == MembershipStatus.INVITED:
        membership.invited_at = timezone.now()
    membership.save()
    ActionPlan.objects.get_or_create(membership=membership, defaults={"territory": territory})
    user = _user_for_email(email)
    Representative.objects.get_or_create(user=user, company=company)
    _send(
        template="invitation",
        context={
            "territory": territory,
            "company": company,
            "membership": membership,
            "link": sign_in_url(user=user, company=company, base_url=base_url),
            "days": SIGN_IN_MAX_AGE // 86400,
            "years": ADHESION_YEARS,
            "benefits": BENEFITS,
        },
        recipients=[email],
    )
    journal_write(
        territory=territory,
        verb=JournalVerb.COMPANY_INVITED,
        message=f"{company.name} invitée au pacte ({email}).",
        actor=actor,
    )
    return membership


def sign_in_links_send(*, email: str, base_url: str = "") -> int:
    """Send a fresh sign-in link for each company the address represents; says nothing about whether it exists."""
    representations = list(
        Representative.objects.filter(
            user__email__iexact=email.strip(), user__is_active=True, user__is_staff=False, user__is_superuser=False
        ).select_related("user", "company__territory")
    )
    sent = 0
    for representative in representations:
        company = representative.company
        sent += _send(
            template="sign_in",
            context={
                "territory": company.territory,
                "company": company,
                "link": sign_in_url(user=representative.user, company=company, base_url=base_url),
                "days": SIGN_IN_MAX_AGE // 86400,
            },
            recipients=[representative.user.email],
        )
    return sent


# ---------------------------------------------------------------------------------------------------------------
# Adhesion, plan, reviews


@transaction.atomic
def membership_adhere(*, company: Company, actor, today: datetime.date | None = None) -> Membership:
    """The company adheres for 3 years from today; its 3 annual reviews are scheduled (the last on the end day)."""
    today = today or timezone.localdate()
    membership = membership_current(company)
    if membership is None or membership.status in (MembershipStatus.ENDED, MembershipStatus.DECLINED):
        membership = Membership(territory=company.territory, company=company)
    if membership.status == MembershipStatus.ACTIVE:
        return membership
    membership.status = MembershipStatus.ACTIVE
    membership.starts_on = today
    membership.ends_on = add_years(today, ADHESION_YEARS)
    membership.end_reminder_sent_on = None
    membership.save()
    memberships_changed.send(sender=Membership, territory=company.territory)
    for year in range(1, ADHESION_YEARS + 1):
        AnnualReview.objects.update_or_create(
            membership=membership,
            year_number=year,
            defaults={"territory": company.territory, "due_on": add_years(today, year)},
        )
    ActionPlan.objects.get_or_create(membership=membership, defaults={"territory": company.territory})
    journal_write(
        territory=company.territory,
        verb=JournalVerb.MEMBERSHIP_STARTED,
        message=f"{company.name} adhère au pacte du {membership.starts_on:%d/%m/%Y} au {membership.ends_on:%d/%m/%Y}.",
        actor=actor,
    )
    return membership


def action_plan_get_or_create(*, membership: Membership) -> ActionPlan:
    plan, _created = ActionPlan.objects.get_or_create(
        membership=membership, defaults={"territory": membership.territory}
    )
    return plan


def action_plan_update(*, plan: ActionPlan, fields: dict) -> ActionPlan:
    """Write the company's texts of its plan (never the territory's view, which has its own service)."""
    allowed = {"issues", "contribution", "success_1y", "success_3y"}
    for name, value in fields.items():
        if name in allowed:
            setattr(plan, name, value)
    plan.save(update_fields=[*sorted(allowed & fields.keys())])
    return plan


def action_plan_territory_view_update(*, plan: ActionPlan, text: str) -> ActionPlan:
    """Where the territory thinks the company will have most impact (written by the territory team)."""
    plan.territory_view = text
    plan.save(update_fields=["territory_view"])
    return plan


def action_add(*, plan: ActionPlan, kind, company_action=None, territory_action=None, text="", horizon, indicator=None):
    """A line of the plan; every object it points to must be of the plan's territory."""
    for linked in (company_action, territory_action, indicator):
        if linked is not None and linked.territory_id != plan.territory_id:
            raise ValueError(f"{linked!r} is not of the plan's territory")
    order = plan.actions.count()
    return Action.objects.create(
        territory=plan.territory,
        plan=plan,
        kind=kind,
        company_action=company_action,
        territory_action=territory_action,
        text=text,
        horizon=horizon,
        indicator=indicator,
        order=order,
    )


def review_record(*, review: AnnualReview, held_on, done: str, next_year: str, actor) -> AnnualReview:
    was_held = AnnualReview.objects.filter(pk=review.pk, held_on__isnull=False).exists()  # before this change
    review.held_on = held_on
    review.done = done
    review.next_year = next_year
    review.save(update_fields=["held_on", "done", "next_year"])
    if held_on and not was_held:
        journal_write(
            territory=review.territory,
            verb=JournalVerb.REVIEW_HELD,
            message=f"Revue annuelle n° {review.year_number} de {review.membership.company.name} tenue le {held_on:%d/%m/%Y}.",
            actor=actor,
        )
    return review


# ---------------------------------------------------------------------------------------------------------------
# Reminders


def _team_emails(territory_id) -> list[str]:
    return list(
        TerritoryMembership.objects.filter(territory_id=territory_id, role=Role.TEAM, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _company_emails(company: Company) -> list[str]:
    """The representatives' addresses, or the company's contact address if it has no representative yet."""
    return [r.user.email for r in company.representatives.all() if r.user.email] or [company.email]


@transaction.atomic
def reminders_send(*, today: datetime.date | None = None, base_url: str = "") -> dict[str, int]:
    """Remind both sides of reviews due within 30 days and of memberships ending within 60 days, once each;
    end the memberships whose term has passed. Running it twice the same day sends nothing more."""
    today = today or timezone.localdate()
    base = (base_url or settings.SITE_URL).rstrip("/")
    summary = {"reviews": 0, "ends": 0, "ended": 0, "emails": 0}

    ended = list(
        Membership.objects.select_for_update()
        .filter(status=MembershipStatus.ACTIVE, ends_on__lt=today)
        .select_related("company")
    )
    for membership in ended:
        membership.status = MembershipStatus.ENDED
        membership.save(update_fields=["status"])
        journal_write(
            territory=membership.territory,
            verb=JournalVerb.MEMBERSHIP_ENDED,
            message=f"L'adhésion de {membership.company.name} est arrivée à son terme le {membership.ends_on:%d/%m/%Y}.",
        )
        summary["ended"] += 1
    for territory in {membership.territory for membership in ended}:
        memberships_changed.send(sender=Membership, territory=territory)

    reviews = (
        AnnualReview.objects.select_for_update(of=("self",))
        .filter(
            membership__status=MembershipStatus.ACTIVE,
            held_on__isnull=True,
            reminder_sent_on__isnull=True,
            due_on__gte=today,
            due_on__lte=today + datetime.timedelta(days=REVIEW_REMINDER_DAYS),
        )
        .select_related("membership__company__territory")
        .prefetch_related("membership__company__representatives__user")
    )
    for review in reviews:
        company = review.membership.company
        context = {
            "territory": company.territory,
            "company": company,
            "review": review,
            "company_url": base + reverse("members:company", args=[company.pk]),
            "team_url": base + reverse("members:detail", args=[company.territory.slug, company.pk]),
        }
        summary["emails"] += _send(
            template="review_reminder_company", context=context, recipients=_company_emails(company)
        )
        summary["emails"] += _send(
            template="review_reminder_team", context=context, recipients=_team_emails(company.territory_id)
        )
        review.reminder_sent_on = today
        review.save(update_fields=["reminder_sent_on"])
        summary["reviews"] += 1

    ending = (
        Membership.objects.select_for_update(of=("self",))
        .filter(
            status=MembershipStatus.ACTIVE,
            end_reminder_sent_on__isnull=True,
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=END_REMINDER_DAYS),
        )
        .select_related("company__territory")
        .prefetch_related("company__representatives__user")
    )
    for membership in ending:
        company = membership.company
        context = {
            "territory": company.territory,
            "company": company,
            "membership": membership,
            "company_url": base + reverse("members:company", args=[company.pk]),
            "team_url": base + reverse("members:detail", args=[company.territory.slug, company.pk]),
        }
        summary["emails"] += _send(
            template="end_reminder_company", context=context, recipients=_company_emails(company)
        )
        summary["emails"] += _send(
            template="end_reminder_team", context=context, recipients=_team_emails(company.territory_id)
        )
        membership.end_reminder_sent_on = today
        membership.save(update_fields=["end_reminder_sent_on"])
        summary["ends"] += 1
    return summary

"""Demo of step 5, companies: a few of the companies thanked by the reference pact, as members.

The source names the companies thanked by the pact but gives no company's adhesion nor action plan: the dates
below and every text marked "[Illustration]" are a reconstitution for the demo, not the source.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from pacte.commitments.models import CompanyAction, TerritoryAction
from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.indicators.models import Indicator
from pacte.stakeholders.models import Category, Stakeholder

from .models import Action, ActionKind, AnnualReview, Horizon
from .services_members import action_plan_get_or_create, membership_adhere

DEMO_START = datetime.date(2025, 3, 1)
DEMO_INVITED_AT = datetime.datetime(2026, 10, 15, 10, 0)
ACTIVE_NAMES = ["Airbus", "MecaProtec Industries", "SimAir", "Fermes marines du soleil"]
INVITED_NAMES = ["Surfilm Packaging"]
ILLUSTRATION = "[Illustration]"


def _pick(stakeholders, names, count, exclude=()):
    by_name = {s.name: s for s in stakeholders}
    chosen = [by_name[n] for n in names if n in by_name and by_name[n] not in exclude]
    for stakeholder in stakeholders:  # another territory's demo: the first companies thanked, by name
        if len(chosen) >= count:
            break
        if stakeholder not in chosen and stakeholder not in exclude:
            chosen.append(stakeholder)
    return chosen[:count]


def _company(territory, stakeholder):
    company, _created = Company.objects.update_or_create(
        territory=territory, name=stakeholder.name, defaults={"stakeholder": stakeholder}
    )
    return company


@transaction.atomic
def members_demo_load(*, territory) -> dict[str, int]:
    """Companies thanked by the pact become members: 4 adhering since 1 March 2025 with an illustrative plan, one
    invited. Idempotent (the same companies are updated, their plan lines replaced)."""
    stakeholders = list(
        Stakeholder.objects.for_territory(territory).filter(category=Category.COMPANIES).order_by("name", "pk")
    )
    active = _pick(stakeholders, ACTIVE_NAMES, len(ACTIVE_NAMES))
    invited = _pick(stakeholders, INVITED_NAMES, len(INVITED_NAMES), exclude=active)
    company_actions = list(
        CompanyAction.objects.for_territory(territory)
        .select_related("commitment")
        .order_by("commitment__theme__order", "commitment__order", "order", "pk")
    )
    territory_actions = list(
        TerritoryAction.objects.for_territory(territory)
        .select_related("commitment")
        .order_by("commitment__theme__order", "commitment__order", "order", "pk")
    )
    indicators = {}
    for indicator in Indicator.objects.for_territory(territory).order_by("order", "pk"):
        indicators.setdefault(indicator.theme_id, indicator)
    today = timezone.localdate()

    for i, stakeholder in enumerate(active):
        company = _company(territory, stakeholder)
        membership = Membership.objects.filter(company=company).order_by("-pk").first()
        if membership is None or membership.status != MembershipStatus.ACTIVE:
            membership = membership_adhere(company=company, actor=None, today=DEMO_START)
        plan = action_plan_get_or_create(membership=membership)
        plan.issues = (
            f"{ILLUSTRATION} Recruter et fidéliser des compétences industrielles ; loger les nouveaux salariés ; "
            "réduire l'empreinte environnementale du site."
        )
        plan.contribution = (
            f"{ILLUSTRATION} Ouvrir le site au public et aux scolaires, accueillir des alternants, partager nos "
            "besoins de mobilité avec les entreprises voisines."
        )
        plan.success_1y = f"{ILLUSTRATION} Une journée portes ouvertes ; deux alternants accueillis."
        plan.success_3y = f"{ILLUSTRATION} Un bilan carbone réalisé et un plan de mobilité inter-entreprises."
        plan.territory_view = (
            f"{ILLUSTRATION} Le territoire pense que l'entreprise aura le plus d'impact sur l'attractivité des "
            "métiers industriels et sur la formation des jeunes du bassin."
        )
        plan.save()
        plan.actions.all().delete()
        lines = []
        if company_actions:
            for k, horizon in ((0, Horizon.ONE_YEAR), (7, Horizon.THREE_YEARS)):
                chosen = company_actions[(i * 3 + k) % len(company_actions)]
                lines.append(
                    Action(
                        kind=ActionKind.COMMITMENT,
                        company_action=chosen,
                        horizon=horizon,
                        indicator=indicators.get(chosen.commitment.theme_id),
                    )
                )
        lines.append(
            Action(
                kind=ActionKind.COMMITMENT,
                text=f"{ILLUSTRATION} Engagement propre à l'entreprise : parrainer une classe du lycée professionnel.",
                horizon=Horizon.ONE_YEAR,
            )
        )
        if territory_actions:
            lines.append(
                Action(
                    kind=ActionKind.SUPPORT,
                    territory_action=territory_actions[(i * 2) % len(territory_actions)],
                    horizon=Horizon.ONE_YEAR,
                )
            )
        for order, line in enumerate(lines):
            line.territory = territory
            line.plan = plan
            line.order = order
        Action.objects.bulk_create(lines)
        first_review = AnnualReview.objects.filter(membership=membership, year_number=1).first()
        if first_review is not None and first_review.due_on <= today and first_review.held_on is None:
            first_review.held_on = first_review.due_on
            first_review.done = f"{ILLUSTRATION} Portes ouvertes organisées en octobre ; un alternant accueilli."
            first_review.next_year = f"{ILLUSTRATION} Lancer le bilan carbone ; rejoindre le groupe mobilité."
            first_review.save(update_fields=["held_on", "done", "next_year"])

    for stakeholder in invited:
        company = _company(territory, stakeholder)
        membership = Membership.objects.filter(company=company).order_by("-pk").first()
        if membership is None:
            membership = Membership(territory=territory, company=company)
        membership.status = MembershipStatus.INVITED
        membership.invited_at = timezone.make_aware(DEMO_INVITED_AT)
        membership.save()
        action_plan_get_or_create(membership=membership)

    return {"active": len(active), "invited": len(invited)}

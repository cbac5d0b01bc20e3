"""Step 5, companies: invitation by sign-in link, adhesion for 3 years, the plan "Le pacte et vous", the annual
reviews, the reminders, and who may see what."""

import datetime
import re
import time
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import CompanyAction, TerritoryAction
from pacte.companies.models import Company, Membership, MembershipStatus, Representative
from pacte.core.models import JournalEntry, JournalVerb
from pacte.governance.demo_members import members_demo_load
from pacte.governance.models import Action, ActionKind, AnnualReview
from pacte.governance.services_members import (
    SIGN_IN_MAX_AGE,
    add_years,
    company_invite,
    membership_adhere,
)
from pacte.indicators.models import Indicator
from pacte.stakeholders.models import Category, Stakeholder

LINK = re.compile(r"https?://[^/\s]+(/entreprise/connexion/[^/\s]+/)")
ROCHEFORT_OCEAN_SIREN = "200041762"  # a real SIREN, valid key


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def invite(territory, name, email, actor=None):
    company = Company(territory=territory, name=name)
    company_invite(territory=territory, company=company, email=email, actor=actor)
    return company


@pytest.fixture
def company_x(territory_a, alice):
    return invite(territory_a, "Entreprise X", "rep.x@example.com", alice)


@pytest.fixture
def company_y(territory_a, alice):
    return invite(territory_a, "Entreprise Y", "rep.y@example.com", alice)


@pytest.fixture
def rep_x(company_x):
    return get_user_model().objects.get(email="rep.x@example.com")


@pytest.fixture
def rep_y(company_y):
    return get_user_model().objects.get(email="rep.y@example.com")


def sign_in(client, path):
    """Open the link (a confirmation page), then confirm (the sign-in itself)."""
    assert client.get(path).status_code == 200
    return client.post(path)


# ------------------------------------------------------------------------------------------------------ invitation


def test_it_invites_a_company_and_sends_one_working_sign_in_link(client_for, alice, territory_a):
    stakeholder = Stakeholder.objects.get(territory=territory_a, name="SimAir", category=Category.COMPANIES)
    client = client_for(alice)
    response = client.post(
        reverse("members:invite", args=[territory_a.slug]),
        {
            "name": "SimAir",
            "siren": ROCHEFORT_OCEAN_SIREN[:3] + " " + ROCHEFORT_OCEAN_SIREN[3:],
            "invite_email": "Directrice@SimAir.example",
            "size_class": "sme",
            "sector": "Aéronautique",
            "stakeholder": stakeholder.pk,
        },
    )
    company = Company.objects.get(territory=territory_a, name="SimAir")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:detail", args=[territory_a.slug, company.pk])
    assert company.siren == ROCHEFORT_OCEAN_SIREN and company.stakeholder == stakeholder
    membership = company.memberships.get()
    assert membership.status == MembershipStatus.INVITED and membership.invited_at is not None
    user = get_user_model().objects.get(email__iexact="directrice@simair.example")
    assert not user.has_usable_password() and not user.is_staff
    assert Representative.objects.filter(user=user, company=company).exists()
    assert JournalEntry.objects.filter(territory=territory_a, verb=JournalVerb.COMPANY_INVITED).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Directrice@SimAir.example"]
    assert "SimAir" in message.body and "3 ans" in message.body and "&#x27;" not in message.body + message.subject

    client.logout()
    path = link_in(message)
    response = client.get(path)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session  # opening the link alone (a mail scanner) signs nobody in
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == reverse("members:company", args=[company.pk])
    assert int(client.session["_auth_user_id"]) == user.pk
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert "J'adhère au pacte pour 3 ans" in response.content.decode()
    assert "Mon entreprise" in response.content.decode()


def test_it_refuses_an_invalid_siren(client_for, alice, territory_a):
    response = client_for(alice).post(
        reverse("members:invite", args=[territory_a.slug]),
        {"name": "Société test", "siren": "200041763", "invite_email": "a@example.com"},
    )
    assert response.status_code == 200
    assert "Ce SIREN n&#x27;est pas valide" in response.content.decode()
    assert not Company.objects.filter(name="Société test").exists()
    assert mail.outbox == []


def test_it_reuses_the_account_of_a_known_address(territory_a, alice, company_x, rep_x):
    company = invite(territory_a, "Deuxième entreprise", "REP.X@example.com", alice)
    assert get_user_model().objects.filter(email__iexact="rep.x@example.com").count() == 1
    assert set(rep_x.representations.values_list("company", flat=True)) == {company_x.pk, company.pk}


def test_it_refuses_the_link_after_seven_days(client, company_x, monkeypatch):
    path = link_in(mail.outbox[-1])
    real = time.time
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: real() + SIGN_IN_MAX_AGE - 3600))
    assert client.get(path).status_code == 200  # still valid after 6 days and 23 hours
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: real() + SIGN_IN_MAX_AGE + 60))
    response = client.post(path)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert "Demander un nouveau lien" in response.content.decode()


def test_it_refuses_the_link_once_used(client, company_x):
    path = link_in(mail.outbox[-1])
    assert sign_in(client, path).status_code == 302
    client.logout()
    response = client.get(path)
    assert response.status_code == 400
    assert "Ce lien de connexion n'est plus valable" in response.content.decode()
    assert client.post(path).status_code == 400


def test_it_refuses_a_forged_link(client, company_x):
    assert client.get(reverse("members:sign_in", args=["pas-un-jeton"])).status_code == 400


def test_it_never_signs_in_a_staff_account_by_link(client, territory_a, alice):
    alice.email = "alice@example.com"
    alice.save()
    invite(territory_a, "Entreprise d'Alice", "alice@example.com", alice)
    response = client.get(link_in(mail.outbox[-1]))
    assert response.status_code == 400


def test_it_sends_a_new_link_without_saying_whether_the_address_exists(client, company_x):
    mail.outbox.clear()
    url = reverse("members:new_link")
    known = client.post(url, {"email": "rep.x@example.com"})
    assert len(mail.outbox) == 1
    assert sign_in(client, link_in(mail.outbox[0])).status_code == 302
    client.logout()
    unknown = client.post(url, {"email": "personne@example.com"})
    assert len(mail.outbox) == 1
    assert known.content.decode() == unknown.content.decode()


# -------------------------------------------------------------------------------------------------------- adhesion


def test_it_adheres_for_three_years_and_schedules_three_reviews(client_for, company_x, rep_x):
    client = client_for(rep_x)
    response = client.post(reverse("members:adhere", args=[company_x.pk]))  # the recap's confirmation
    assert response.status_code == 302
    membership = company_x.memberships.get()
    today = timezone.localdate()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.starts_on == today and membership.ends_on == add_years(today, 3)
    assert [(r.year_number, r.due_on) for r in membership.reviews.order_by("year_number")] == [
        (1, add_years(today, 1)),
        (2, add_years(today, 2)),
        (3, add_years(today, 3)),
    ]
    # Adhering twice changes nothing.
    client.post(reverse("members:adhere", args=[company_x.pk]))
    assert company_x.memberships.count() == 1 and AnnualReview.objects.filter(membership=membership).count() == 3
    page = client.get(reverse("members:company", args=[company_x.pk])).content.decode()
    assert "Votre entreprise adhère au pacte du" in page
    assert f"/entreprise/{company_x.pk}/indicateurs/" in page


def test_it_counts_three_years_from_29_february(company_x):
    membership = membership_adhere(company=company_x, actor=None, today=datetime.date(2024, 2, 29))
    assert membership.ends_on == datetime.date(2027, 2, 28)
    assert list(membership.reviews.order_by("year_number").values_list("due_on", flat=True)) == [
        datetime.date(2025, 2, 28),
        datetime.date(2026, 2, 28),
        datetime.date(2027, 2, 28),
    ]


# ------------------------------------------------------------------------------------------------------------ plan


def test_it_records_the_plan_le_pacte_et_vous(client_for, company_x, rep_x):
    client = client_for(rep_x)
    response = client.post(
        reverse("members:company", args=[company_x.pk]),
        {
            "action": "plan",
            "plan-issues": "Recruter des soudeurs",
            "plan-contribution": "Former des apprentis",
            "plan-success_1y": "2 apprentis",
            "plan-success_3y": "10 apprentis",
        },
    )
    assert response.status_code == 302
    plan = company_x.memberships.get().action_plan
    assert (plan.issues, plan.contribution, plan.success_1y, plan.success_3y) == (
        "Recruter des soudeurs",
        "Former des apprentis",
        "2 apprentis",
        "10 apprentis",
    )


def _add(client, company, **data):
    post = {"action": "add_action", "action-horizon": "1y", **{f"action-{k}": v for k, v in data.items()}}
    return client.post(reverse("members:company", args=[company.pk]), post)


def test_it_accepts_only_the_actions_and_indicators_of_the_company_s_territory(
    client_for, company_x, rep_x, territory_a, territory_b
):
    client = client_for(rep_x)
    own_action = CompanyAction.objects.filter(territory=territory_a).first()
    own_support = TerritoryAction.objects.filter(territory=territory_a).first()
    own_indicator = Indicator.objects.filter(territory=territory_a).first()
    other_action = CompanyAction.objects.filter(territory=territory_b).first()
    other_support = TerritoryAction.objects.filter(territory=territory_b).first()
    other_indicator = Indicator.objects.filter(territory=territory_b).first()
    assert None not in (own_action, own_support, own_indicator, other_action, other_support, other_indicator)

    for data in (
        {"kind": "commitment", "company_action": other_action.pk},
        {"kind": "support", "territory_action": other_support.pk},
        {"kind": "commitment", "company_action": own_action.pk, "indicator": other_indicator.pk},
    ):
        response = _add(client, company_x, **data)
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Action.objects.filter(plan__membership__company=company_x).exists()

    assert (
        _add(client, company_x, kind="commitment", company_action=own_action.pk, indicator=own_indicator.pk).status_code
        == 302
    )
    assert _add(client, company_x, kind="support", territory_action=own_support.pk, horizon="3y").status_code == 302
    assert _add(client, company_x, kind="commitment", text="Notre propre engagement").status_code == 302
    lines = list(Action.objects.filter(plan__membership__company=company_x).order_by("pk"))
    assert [(a.kind, a.company_action, a.territory_action, a.indicator) for a in lines] == [
        (ActionKind.COMMITMENT, own_action, None, own_indicator),
        (ActionKind.SUPPORT, None, own_support, None),
        (ActionKind.COMMITMENT, None, None, None),
    ]
    page = client.get(reverse("members:company", args=[company_x.pk])).content.decode()
    assert "Notre propre engagement" in page


def test_it_refuses_a_support_chosen_among_company_actions(client_for, company_x, rep_x, territory_a):
    action = CompanyAction.objects.filter(territory=territory_a).first()
    response = _add(client_for(rep_x), company_x, kind="support", company_action=action.pk)
    assert response.status_code == 200
    assert "Un soutien attendu se choisit parmi les actions du territoire" in response.content.decode()
    response = _add(client_for(rep_x), company_x, kind="commitment")
    assert "Choisissez une action du pacte ou écrivez votre propre engagement." in response.content.decode()


def test_it_lets_the_team_write_the_territory_view_and_the_company_only_read_it(
    client_for, alice, company_x, rep_x, territory_a
):
    detail = reverse("members:detail", args=[territory_a.slug, company_x.pk])
    response = client_for(alice).post(
        detail, {"action": "territory_view", "territory_view": "L'attractivité des métiers"}
    )
    assert response.status_code == 302
    plan = company_x.memberships.get().action_plan
    plan.refresh_from_db()
    assert plan.territory_view == "L'attractivité des métiers"

    client = client_for(rep_x)
    page = client.get(reverse("members:company", args=[company_x.pk])).content.decode()
    assert "L&#x27;attractivité des métiers" in page
    assert 'name="plan-territory_view"' not in page and 'name="territory_view"' not in page
    client.post(
        reverse("members:company", args=[company_x.pk]),
        {"action": "plan", "plan-issues": "Enjeux", "plan-territory_view": "Réécrit par l'entreprise"},
    )
    assert client.post(detail, {"action": "territory_view", "territory_view": "Réécrit"}).status_code == 403
    plan.refresh_from_db()
    assert plan.territory_view == "L'attractivité des métiers" and plan.issues == "Enjeux"


def test_it_records_an_annual_review(client_for, company_x, rep_x):
    membership = membership_adhere(company=company_x, actor=None)
    review = membership.reviews.get(year_number=1)
    client = client_for(rep_x)
    url = reverse("members:review", args=[company_x.pk, review.pk])
    page = client.get(url).content.decode()
    assert f"/entreprise/{company_x.pk}/indicateurs/" in page
    response = client.post(url, {"held_on": "2026-11-20", "done": "Portes ouvertes", "next_year": "Bilan carbone"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.held_on, review.done, review.next_year) == (
        datetime.date(2026, 11, 20),
        "Portes ouvertes",
        "Bilan carbone",
    )
    assert JournalEntry.objects.filter(verb=JournalVerb.REVIEW_HELD).exists()


# ----------------------------------------------------------------------------------------------------------- access


def test_it_keeps_a_representative_to_their_own_company(client_for, territory_a, company_x, company_y, rep_x):
    client = client_for(rep_x)
    review = membership_adhere(company=company_y, actor=None).reviews.first()
    assert client.get(reverse("members:company", args=[company_y.pk])).status_code == 403
    assert client.post(reverse("members:adhere", args=[company_y.pk])).status_code == 403
    assert client.get(reverse("members:review", args=[company_y.pk, review.pk])).status_code == 403
    assert client.get(reverse("members:review", args=[company_x.pk, review.pk])).status_code == 404
    assert company_y.memberships.get().status == MembershipStatus.ACTIVE  # adhered above, by the service
    for name, args in (
        ("members:list", [territory_a.slug]),
        ("members:invite", [territory_a.slug]),
        ("members:detail", [territory_a.slug, company_x.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 403


def test_it_keeps_bob_out_of_territory_a_companies(client_for, bob, territory_a, territory_b, company_x):
    client = client_for(bob)
    assert client.get(reverse("members:list", args=[territory_a.slug])).status_code == 403
    assert client.get(reverse("members:detail", args=[territory_a.slug, company_x.pk])).status_code == 403
    assert client.get(reverse("members:detail", args=[territory_b.slug, company_x.pk])).status_code == 404
    assert (
        client.post(
            reverse("members:detail", args=[territory_b.slug, company_x.pk]),
            {"action": "territory_view", "territory_view": "x"},
        ).status_code
        == 404
    )
    assert client.get(reverse("members:company", args=[company_x.pk])).status_code == 403
    response = client.get(reverse("members:list", args=[territory_b.slug]))
    assert response.status_code == 200 and "Entreprise X" not in response.content.decode()


def test_it_lets_victor_read_but_not_write(client_for, victor, territory_a, company_x):
    client = client_for(victor)
    response = client.get(reverse("members:list", args=[territory_a.slug]))
    assert response.status_code == 200 and "Entreprise X" in response.content.decode()
    assert "Inviter une entreprise" not in response.content.decode()
    detail = reverse("members:detail", args=[territory_a.slug, company_x.pk])
    page = client.get(detail).content.decode()
    assert "Entreprise X" in page and 'name="territory_view"' not in page
    assert client.post(detail, {"action": "territory_view", "territory_view": "x"}).status_code == 403
    assert client.post(detail, {"action": "reinvite"}).status_code == 403
    assert client.get(reverse("members:invite", args=[territory_a.slug])).status_code == 403
    assert client.get(reverse("members:company", args=[company_x.pk])).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client, territory_a, company_x):
    response = client.get(reverse("members:list", args=[territory_a.slug]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    response = client.get(reverse("members:detail", args=[territory_a.slug, company_x.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    response = client.get(reverse("members:company", args=[company_x.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("members:new_link"))


def test_it_lets_the_team_fill_the_company_space(client_for, alice, company_x):
    page = client_for(alice).get(reverse("members:company", args=[company_x.pk])).content.decode()
    assert "en tant qu'équipe du territoire" in page


# ------------------------------------------------------------------------------------------------------------ list


def test_it_lists_companies_with_their_adhesion_and_filters_them(client_for, alice, territory_a, company_x, company_y):
    membership_adhere(company=company_x, actor=None, today=datetime.date(2025, 3, 1))
    client = client_for(alice)
    url = reverse("members:list", args=[territory_a.slug])
    page = client.get(url).content.decode()
    assert "01/03/2025" in page and "01/03/2028" in page and "01/03/2026" in page  # since, until, next review
    assert "1 adhérente" in page and "1 invitée" in page and "2 entreprises" in page
    active = client.get(url, {"statut": "active"}).content.decode()
    assert "Entreprise X" in active and "Entreprise Y" not in active


def _companies(territory, count, start=0):
    for i in range(count):
        company = Company.objects.create(territory=territory, name=f"Entreprise ajoutée {start + i}")
        Membership.objects.create(territory=territory, company=company)
        if i % 2:
            membership_adhere(company=company, actor=None, today=datetime.date(2025, 3, 1))


def test_it_lists_companies_in_a_bounded_number_of_queries(client_for, alice, territory_a):
    client = client_for(alice)
    url = reverse("members:list", args=[territory_a.slug])

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    _companies(territory_a, 3)
    once = measure()
    _companies(territory_a, 27, start=3)
    # session, user, territory, its team membership (read), its team membership (write), counts, companies
    assert measure() == once <= 8


# ------------------------------------------------------------------------------------------------------- reminders


def test_it_reminds_both_sides_once(territory_a, alice, company_x, rep_x):
    alice.email = "alice@territoire.example"
    alice.save()
    membership = membership_adhere(company=company_x, actor=None, today=datetime.date(2025, 3, 1))
    mail.outbox.clear()
    call_command("send_reminders", "--today", "2026-02-10", stdout=StringIO())  # review 1 on 2026-03-01
    assert len(mail.outbox) == 2
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {"rep.x@example.com", "alice@territoire.example"}
    assert membership.reviews.get(year_number=1).reminder_sent_on == datetime.date(2026, 2, 10)
    call_command("send_reminders", "--today", "2026-02-11", stdout=StringIO())
    assert len(mail.outbox) == 2

    # The end of the term (1 March 2028): reminded once within 60 days, then review 3 (due the same day) within
    # 30 days, then the membership ends.
    call_command("send_reminders", "--today", "2028-01-15", stdout=StringIO())
    assert [m.to for m in mail.outbox[2:]] == [["rep.x@example.com"], ["alice@territoire.example"]]
    assert all("1 mars 2028" in m.subject for m in mail.outbox[2:])
    call_command("send_reminders", "--today", "2028-01-16", stdout=StringIO())
    assert len(mail.outbox) == 4
    membership.refresh_from_db()
    assert membership.end_reminder_sent_on == datetime.date(2028, 1, 15)
    call_command("send_reminders", "--today", "2028-02-01", stdout=StringIO())
    assert len(mail.outbox) == 6 and "revue annuelle n° 3" in mail.outbox[4].subject
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    call_command("send_reminders", "--today", "2028-03-02", stdout=StringIO())
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and len(mail.outbox) == 6
    assert JournalEntry.objects.filter(verb=JournalVerb.MEMBERSHIP_ENDED).count() == 1


def test_it_prints_a_one_line_summary(capsys, company_x):
    membership_adhere(company=company_x, actor=None, today=datetime.date(2025, 3, 1))
    call_command("send_reminders", "--today", "2026-02-10")
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "1 revue," in out and "(s)" not in out
    assert "0 fin d'adhésion, 0 adhésion terminée" in out


# ------------------------------------------------------------------------------------------------------------ demo


def test_it_loads_demo_members_from_the_companies_thanked(territory_a, client_for, alice):
    assert members_demo_load(territory=territory_a) == {"active": 4, "invited": 1}
    assert members_demo_load(territory=territory_a) == {"active": 4, "invited": 1}  # idempotent
    active = Membership.objects.filter(territory=territory_a, status=MembershipStatus.ACTIVE)
    assert active.count() == 4 and set(active.values_list("starts_on", flat=True)) == {datetime.date(2025, 3, 1)}
    assert Membership.objects.filter(territory=territory_a, status=MembershipStatus.INVITED).count() == 1
    for membership in active:
        assert membership.company.stakeholder.category == Category.COMPANIES
        assert membership.action_plan.issues.startswith("[Illustration]")
        assert membership.action_plan.actions.count() == 4
        assert membership.reviews.count() == 3
    page = client_for(alice).get(reverse("members:list", args=[territory_a.slug])).content.decode()
    assert "Airbus" in page and "4 adhérentes" in page

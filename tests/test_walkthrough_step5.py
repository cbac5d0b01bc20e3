"""Step 5 as a first real territory met it (issue 17): the company space (a yes/no indicator, the action plan on a
phone, the adhesion's recap and benefits), plurals and numbers, names instead of logins, and the accessible tables,
calendars and charts of the pages around it."""

import datetime
import html as htmllib
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import CompanyAction
from pacte.companies.models import Company, MembershipStatus
from pacte.governance.services_members import company_invite, membership_adhere
from pacte.indicators.models import Indicator, IndicatorValue, IndicatorValueChange, Verification
from pacte.indicators.services import indicator_value_save

QVT = "emploi-integration-qvt"  # a yes/no indicator of the reference case


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed (tags dropped)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def invite(territory, name="Chantiers de l'Estuaire", email="direction@estuaire.example", actor=None):
    company = Company(territory=territory, name=name)
    company_invite(territory=territory, company=company, email=email, actor=actor)
    return company


@pytest.fixture
def company(territory_a, alice):
    return invite(territory_a, actor=alice)


@pytest.fixture
def rep(company):
    return get_user_model().objects.get(email="direction@estuaire.example")


@pytest.fixture
def member_company(company):
    membership_adhere(company=company, actor=None)
    return company


# ---------------------------------------------------------------------------------------------------------------
# 1. A yes/no indicator is answered Oui / Non


def test_a_yes_no_indicator_is_answered_oui_or_non_with_radio_buttons(client_for, territory_a, member_company, rep):
    indicator = Indicator.objects.get(territory=territory_a, code=QVT)
    client = client_for(rep)
    url = reverse("indicators:company", args=[member_company.pk])
    page = client.get(url).content.decode()
    section = page[page.index(f'id="indicateur-{indicator.pk}"') :]
    section = section[: section.index("</section>")]
    name = f"i{indicator.pk}-value"
    assert f'type="radio" name="{name}" value="1"' in section
    assert f'type="radio" name="{name}" value="0"' in section
    assert f'type="text" name="{name}"' not in section  # no free "Valeur" box
    assert "fr-fieldset" in section and "fr-radio-group" in section
    assert "Oui" in text_of(section) and "Non" in text_of(section)

    year = datetime.date.today().year - 1
    response = client.post(f"{url}?annee={year}", {"indicator": indicator.pk, name: "1"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator=indicator, company=member_company, year=year)
    assert value.value == 1 and value.verification == Verification.DECLARED
    page = client.get(f"{url}?annee={year}").content.decode()
    assert re.search(rf'type="radio" name="{name}" value="1"[^>]*checked', page)  # the answer shows again

    client.post(f"{url}?annee={year}", {"indicator": indicator.pk, name: "0"})
    value.refresh_from_db()
    assert value.value == 0


def test_the_labels_set_for_an_indicator_show_on_its_form(client_for, territory_a, member_company, rep):
    """A count says its unit, a ratio asks for its numerator: the labels built for the indicator are rendered."""
    ratio = Indicator.objects.get(territory=territory_a, code="environnement-surfaces-vegetalisees")
    page = client_for(rep).get(reverse("indicators:company", args=[member_company.pk])).content.decode()
    section = page[page.index(f'id="indicateur-{ratio.pk}"') :]
    section = text_of(section[: section.index("</section>")])
    assert "Numérateur" in section and "Dénominateur" in section


# ---------------------------------------------------------------------------------------------------------------
# 3-4. Adhering: the recap, the benefits, a confirmation


BENEFIT_STARTS = [
    "Valoriser les dispositifs que le Territoire d'industrie met en œuvre",
    "Célébrer vos fiertés industrielles locales",
    "Engager plus efficacement l'ensemble des industriels",
    "Piloter, avec des indicateurs acceptés par tous",
    "Gagner du temps dans votre gouvernance industrielle locale",
    "Créer de nouvelles opportunités de collaboration",
]


def test_the_invitation_email_lists_what_the_company_gains(territory_a, alice):
    invite(territory_a, actor=alice)
    (message,) = mail.outbox
    for benefit in BENEFIT_STARTS:
        assert f"- {benefit}" in message.body


def test_adhering_shows_a_recap_and_asks_for_confirmation(client_for, territory_a, company, rep):
    client = client_for(rep)
    space_url = reverse("members:company", args=[company.pk])
    space = text_of(client.get(space_url).content.decode())
    assert "J'adhère au pacte pour 3 ans" in space
    assert all(benefit in space for benefit in BENEFIT_STARTS)

    # The old one-click POST no longer binds the company: it leads to the recap.
    response = client.post(space_url, {"action": "adhere"})
    assert response.status_code == 302 and response["Location"] == reverse("members:adhere", args=[company.pk])
    assert company.memberships.get().status == MembershipStatus.INVITED

    url = reverse("members:adhere", args=[company.pk])
    page = text_of(client.get(url).content.decode())
    today = timezone.localdate()
    assert "Une adhésion de 3 ans" in page
    assert "3 revues annuelles" in page
    assert f"{today.day} " in page and str(today.year + 3) in page
    assert "Un plan d'action à écrire" in page
    assert all(benefit in page for benefit in BENEFIT_STARTS)
    company_action = CompanyAction.objects.for_territory(territory_a).select_related("commitment").first()
    assert " ".join(company_action.text.split()) in page  # the pact's company-side commitments
    assert "Je confirme l'adhésion pour 3 ans" in page and "Pas maintenant" in page
    assert company.memberships.get().status == MembershipStatus.INVITED  # reading the recap binds nothing

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == space_url
    membership = company.memberships.get()
    assert membership.status == MembershipStatus.ACTIVE and membership.reviews.count() == 3
    # Once a member, the recap page leads back to the space, and a second confirmation changes nothing.
    assert client.get(url)["Location"] == space_url
    client.post(url)
    assert company.memberships.count() == 1 and membership.reviews.count() == 3


def test_only_the_company_and_its_team_reach_the_recap(client_for, company, bob, victor):
    url = reverse("members:adhere", args=[company.pk])
    assert client_for(bob).post(url).status_code == 403
    assert client_for(victor).post(url).status_code == 403
    assert company.memberships.get().status == MembershipStatus.INVITED


# ---------------------------------------------------------------------------------------------------------------
# 2. Wide tables on a phone: the plan's lines stacked, every table's scrolling container focusable and named


TABLE = re.compile(r"<table\b")


def assert_tables_focusable(page: str) -> int:
    """Every table sits in DSFR's scrolling container, reachable by keyboard (tabindex 0), a named region."""
    count = 0
    for match in TABLE.finditer(page):
        before = page[: match.start()]
        start = before.rfind('<div class="fr-table__container"')
        assert start != -1, page[match.start() - 300 : match.start() + 100]
        container = before[start : before.index(">", start) + 1]
        assert 'tabindex="0"' in container and 'role="region"' in container, container
        label = re.search(r'aria-labelledby="([^"]+)"', container).group(1)
        assert re.search(rf'<caption id="{re.escape(label)}"[^>]*>\s*\S', page[match.start() :]), label
        assert page.count(f'id="{label}"') == 1, f"duplicate id {label}"
        count += 1
    return count


def test_the_action_plan_stacks_on_a_phone_with_retirer_in_view(client_for, territory_a, member_company, rep):
    client = client_for(rep)
    url = reverse("members:company", args=[member_company.pk])
    company_action = CompanyAction.objects.for_territory(territory_a).first()
    client.post(
        url,
        {
            "action": "add_action",
            "action-kind": "commitment",
            "action-company_action": company_action.pk,
            "action-horizon": "1y",
        },
    )
    client.post(
        url,
        {
            "action": "add_action",
            "action-kind": "commitment",
            "action-text": "Accueillir 2 apprentis",
            "action-horizon": "3y",
        },
    )
    plan = member_company.memberships.get().action_plan
    lines = list(plan.actions.order_by("pk"))
    assert len(lines) == 2
    page = client.get(url).content.decode()
    stacked = page[page.index('data-testid="plan-actions-stacked"') :]
    stacked = stacked[: stacked.index("</ul>\n")]
    assert 'class="fr-raw-list fr-hidden-md' in page  # the stacked lines are for small screens only
    for line in lines:
        item = stacked[stacked.index(f'data-line="{line.pk}"') :]
        item = item[: item.index("</li>")]
        assert f'name="line" value="{line.pk}"' in item and "Retirer" in text_of(item)
    assert "Accueillir 2 apprentis" in text_of(stacked)
    assert '<div class="fr-hidden fr-unhidden-md">' in page  # the table from md up
    assert assert_tables_focusable(page) == 1

    response = client.post(url, {"action": "delete_action", "line": lines[0].pk})
    assert response.status_code == 302
    assert list(plan.actions.values_list("pk", flat=True)) == [lines[1].pk]


def test_wide_tables_scroll_in_a_focusable_named_region(client_for, client, territory_a, alice, member_company):
    from tests.test_land_committee import make_call, member, score_all

    call, criteria, apps, _parcel = make_call(territory_a)
    score_all(member(call), apps, criteria, {0: [5, 5], 1: [3, 3], 2: [1, 1]}, alice)
    team = client_for(alice)
    pages = {
        "land call": team.get(reverse("land:call_detail", args=[territory_a.slug, call.pk])),
        "land overview": team.get(reverse("land:overview", args=[territory_a.slug])),
        "ranking": team.get(reverse("land:ranking", args=[territory_a.slug, call.pk])),
        "companies": team.get(reverse("members:list", args=[territory_a.slug])),
        "indicators": team.get(reverse("indicators:dashboard", args=[territory_a.slug])),
    }
    review = member_company.memberships.get().reviews.order_by("year_number").first()
    indicator_value_save(
        indicator=Indicator.objects.get(territory=territory_a, code=QVT),
        company=member_company,
        year=review.due_on.year - 1,
        value="1",
        actor=None,
    )
    pages["annual review"] = team.get(reverse("members:review", args=[member_company.pk, review.pk]))
    team.logout()
    pages["public call"] = client.get(reverse("land:public_call", args=[territory_a.slug, call.pk]))
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = response.content.decode()
        assert assert_tables_focusable(page) >= 1, name


# ---------------------------------------------------------------------------------------------------------------
# 5. Plurals, French numbers, labels instead of internal values, names instead of logins


def test_a_value_s_history_reads_in_french_with_the_person_s_name(client_for, territory_a, alice, member_company):
    alice.first_name, alice.last_name, alice.username = "Camille", "Arve", "camille.arve"
    alice.save()
    indicator = Indicator.objects.get(territory=territory_a, code="attractivite-actions-ouverture-public")
    indicator_value_save(indicator=indicator, company=member_company, year=2025, value="1234", actor=alice)
    indicator_value_save(indicator=indicator, company=member_company, year=2025, value="3", actor=alice)
    assert IndicatorValueChange.objects.filter(value__indicator=indicator).count() == 2
    page = client_for(alice).get(reverse("indicators:detail", args=[territory_a.slug, indicator.pk])).content
    history = page.decode()[page.decode().index('class="fr-text--sm pacte-history"') :]
    history = text_of(history[: history.index("</ul>")])
    assert "3.0000" not in history and "1234.0000" not in history and "declared" not in history
    assert "camille.arve" not in history
    assert "Camille Arve" in history
    unit = f" {indicator.unit}" if indicator.unit else ""
    assert f"création : 1 234{unit} · Déclarée par l'entreprise" in history
    assert f"1 234{unit} → 3{unit} · Déclarée par l'entreprise" in history


def test_a_nameless_person_is_shown_by_email_not_login(client_for, territory_a, alice, member_company):
    alice.email = "alice@territoire.example"
    alice.save()
    indicator = Indicator.objects.get(territory=territory_a, code=QVT)
    indicator_value_save(indicator=indicator, company=member_company, year=2025, value="1", actor=alice)
    page = text_of(
        client_for(alice).get(reverse("indicators:detail", args=[territory_a.slug, indicator.pk])).content.decode()
    )
    assert "alice@territoire.example — Chantiers de l'Estuaire 2025 : création : oui" in page


def test_coverage_and_members_take_french_plurals(client_for, territory_a, alice, member_company):
    """One member company: "1/1 entreprise", "(1 entreprise adhérente)", never "des 1 entreprise"."""
    indicator = Indicator.objects.get(territory=territory_a, code=QVT)
    year = datetime.date.today().year - 1
    indicator_value_save(indicator=indicator, company=member_company, year=year, value="1", actor=None)
    client = client_for(alice)
    dashboard = text_of(client.get(reverse("indicators:dashboard", args=[territory_a.slug])).content.decode())
    assert (
        "Valeurs collectives des entreprises adhérentes, par thématique et par année (1 entreprise adhérente)."
        in dashboard
    )
    assert "des 1 entreprise" not in dashboard
    assert "1/1 entreprise " in dashboard and "1/1 entreprises" not in dashboard
    assert "0/1 entreprise " in dashboard and "0/1 entreprises" not in dashboard
    detail = text_of(client.get(reverse("indicators:detail", args=[territory_a.slug, indicator.pk])).content.decode())
    assert "(1/1 entreprise)" in detail
    assert "1 entreprise sur 1 (100 %)" in detail


def test_zero_takes_the_singular(client_for, territory_b, bob):
    """French: 0 takes the singular ("0 entreprise"), from the catalogue's plural rule (n > 1)."""
    client = client_for(bob)
    companies = text_of(client.get(reverse("members:list", args=[territory_b.slug])).content.decode())
    assert "0 entreprise " in companies and "0 entreprises" not in companies
    dashboard = text_of(client.get(reverse("indicators:dashboard", args=[territory_b.slug])).content.decode())
    assert "(0 entreprise adhérente)" in dashboard


def test_a_withheld_value_says_secret_statistique_on_the_public_chart(client, territory_a):
    from pacte.indicators.charts import trend_svg

    indicator = Indicator.objects.get(territory=territory_a, code=QVT)
    svg = trend_svg(
        indicator, [(2023, Decimal(4), False), (2024, Decimal(2), True), (2025, None, False)], hide_withheld=True
    )
    assert ">s<" not in svg
    assert "secret" in svg and "statistique" in svg
    assert "2024 : secret statistique" in svg and "2025 : non renseigné" in svg  # the accessible name
    page = client.get(reverse("indicators:public", args=[territory_a.slug]))
    assert page.status_code == 200 and ">s<" not in page.content.decode()


# ---------------------------------------------------------------------------------------------------------------
# 6. The calendar's years are links marked aria-current, never aria-pressed


def test_the_calendar_years_are_current_links_not_pressed_ones(client_for, client, territory_a, alice):
    year = timezone.localdate().year
    for response in (
        client.get(reverse("committees:public_calendar", args=[territory_a.slug])),
        client_for(alice).get(reverse("committees:calendar", args=[territory_a.slug])),
    ):
        assert response.status_code == 200
        page = response.content.decode()
        assert "aria-pressed" not in page
        nav = page[page.index('<ul class="fr-tags-group">') :]
        nav = nav[: nav.index("</ul>")]
        current = re.findall(r"<a [^>]*aria-current=\"page\"[^>]*>(\d{4})</a>", nav)
        assert current == [str(year)]
        assert f'href="?annee={year - 1}"' in nav

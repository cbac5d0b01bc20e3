"""The indicator pages: the team's dashboard and indicator page, the company's space, the public page; isolation
for every URL and query budgets."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pacte.companies.models import Company, Membership, MembershipStatus, Representative
from pacte.indicators.models import Indicator, IndicatorValue, Verification
from pacte.indicators.services import indicator_value_save

YEAR = 2025


def member(territory, name):
    company = Company.objects.create(territory=territory, name=name)
    Membership.objects.create(company=company, status=MembershipStatus.ACTIVE)
    return company


@pytest.fixture
def companies(territory_a):
    return [member(territory_a, f"Entreprise {i}") for i in range(4)]


def ind(territory, code):
    return Indicator.objects.get(territory=territory, code=code)


def put(indicator, company, **kwargs):
    return indicator_value_save(indicator=indicator, company=company, year=YEAR, actor=None, **kwargs)


def representative(company, username):
    user = get_user_model().objects.create_user(username=username, password="x")
    Representative.objects.create(user=user, company=company)
    return user


def dashboard_url(territory):
    return reverse("indicators:dashboard", args=[territory.slug]) + f"?annee={YEAR}"


def test_it_tells_missing_not_applicable_and_zero_apart_on_the_dashboard(client_for, alice, territory_a, companies):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    put(count, companies[0], value=0)
    put(count, companies[1], not_applicable=True)
    html = client_for(alice).get(dashboard_url(territory_a)).content.decode()
    row = html.split(f'data-code="{count.code}"')[1].split("</tr>")[0]
    cell = row.split(f'data-year="{YEAR}"')[1].split("</td>")[0]
    assert "0 actions" in cell and "1/4 entreprises" in cell and "1 sans objet" in cell
    earlier = row.split(f'data-year="{YEAR - 1}"')[1].split("</td>")[0]
    assert "— non renseigné" in earlier and "0/4 entreprises" in earlier


def test_it_shows_the_ratio_of_sums_on_the_indicator_page(client_for, alice, territory_a, companies):
    share = ind(territory_a, "environnement-surfaces-vegetalisees")
    for company, (num, den) in zip(companies, [(1, 2), (10, 100), (5, 50)], strict=False):
        put(share, company, value=num, denominator=den)
    html = client_for(alice).get(reverse("indicators:detail", args=[territory_a.slug, share.pk])).content.decode()
    assert "10,5 %" in html  # 16/152, not the average of 50 %, 10 % and 10 % (23,3 %)
    assert "3/4 entreprises" in html


def test_it_withholds_on_the_public_page_with_the_reason_and_shows_the_team(
    client, client_for, alice, territory_a, companies
):
    amount = ind(territory_a, "innovation-investissements-renovation")
    put(amount, companies[0], value=900000)
    put(amount, companies[1], value=1000)
    put(amount, companies[2], value=1000)
    public = client.get(reverse("indicators:public", args=[territory_a.slug]) + f"?annee={YEAR}").content.decode()
    block = public.split(f'data-code="{amount.code}"')[1].split("</article>")[0]
    assert "valeur non publiée : Une entreprise pèse plus de 85 %" in block
    assert "902" not in block
    team = client_for(alice).get(dashboard_url(territory_a)).content.decode()
    row = team.split(f'data-code="{amount.code}"')[1].split("</tr>")[0]
    assert "902\u202f000" in row and "non publiée" in row


def test_it_publishes_a_companys_value_only_when_it_agreed(client, territory_a, companies):
    yes = ind(territory_a, "emploi-integration-qvt")
    put(yes, companies[0], value=1, public=True)
    put(yes, companies[1], value=0)
    html = client.get(reverse("indicators:public", args=[territory_a.slug]) + f"?annee={YEAR}").content.decode()
    assert "Entreprise 0 (2025) : oui" in html
    assert "Entreprise 1" not in html
    assert "Indicateurs collectifs" in client.get(reverse("public:pact", args=[territory_a.slug])).content.decode()


def test_it_lets_a_company_enter_its_value_with_french_errors(client_for, territory_a, companies):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    user = representative(companies[0], "rep0")
    url = reverse("indicators:company", args=[companies[0].pk]) + f"?annee={YEAR}"
    c = client_for(user)
    response = c.post(url, {"indicator": count.pk, f"i{count.pk}-value": "-2"})
    assert "Valeur : un nombre ne peut pas être négatif (-2)." in response.content.decode()
    response = c.post(url, {"indicator": count.pk, f"i{count.pk}-value": "7", f"i{count.pk}-public": "on"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator=count, company=companies[0], year=YEAR)
    assert (value.value, value.public, value.verification) == (7, True, Verification.DECLARED)
    assert value.changes.get().changed_by == user


def test_it_lets_the_team_enter_and_verify_a_value(client_for, alice, territory_a, companies):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    c = client_for(alice)
    url = reverse("indicators:detail", args=[territory_a.slug, count.pk])
    response = c.post(url, {"company": companies[1].pk, "year": YEAR, "value": "4", "verification": "declared"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator=count, company=companies[1])
    c.post(reverse("indicators:verify", args=[territory_a.slug, value.pk]))
    value.refresh_from_db()
    assert value.verification == Verification.CHECKED
    response = c.post(url, {"company": companies[1].pk, "year": 1990, "value": "4", "verification": "declared"})
    assert "Année : elle doit être comprise entre 2000" in response.content.decode()


def test_it_lets_the_team_edit_a_definition(client_for, alice, territory_a):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    url = reverse("indicators:definition", args=[territory_a.slug, count.pk])
    data = {
        "code": "ouverture",
        "definition": "d",
        "unit": "actions",
        "value_type": "count",
        "level": "both",
        "aggregation": "sum",
        "source": "company",
        "vsme_reference": "",
        "target_1y": "12",
    }
    assert client_for(alice).post(url, data).status_code == 302
    count.refresh_from_db()
    assert (count.code, count.target_1y) == ("ouverture", 12)
    data["code"] = "emploi-integration-qvt"
    assert "est déjà le code" in client_for(alice).post(url, data).content.decode()


# --- isolation -----------------------------------------------------------------------------------------------------


def team_urls(territory, indicator, value):
    return [
        reverse("indicators:dashboard", args=[territory.slug]),
        reverse("indicators:detail", args=[territory.slug, indicator.pk]),
        reverse("indicators:definition", args=[territory.slug, indicator.pk]),
    ]


def test_it_keeps_bob_out_of_territory_a(client_for, bob, territory_a, companies):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    value = put(count, companies[0], value=2, proof=None)
    c = client_for(bob)
    for url in team_urls(territory_a, count, value):
        assert c.get(url).status_code == 403, url
    assert c.post(reverse("indicators:verify", args=[territory_a.slug, value.pk])).status_code == 403
    assert c.get(reverse("indicators:company", args=[companies[0].pk])).status_code == 403
    # 404, not 403: a file one may not read is not told to exist
    assert c.get(reverse("indicators:proof", args=[value.pk])).status_code == 404
    # through his own slug, A's indicator and value are unknown
    assert c.get(reverse("indicators:detail", args=[bob_slug(bob), count.pk])).status_code == 404
    assert c.post(reverse("indicators:verify", args=[bob_slug(bob), value.pk])).status_code == 404


def bob_slug(user):
    from pacte.accounts.models import TerritoryMembership

    return TerritoryMembership.objects.get(user=user).territory.slug


def test_it_keeps_a_representative_to_its_own_company(client_for, territory_a, companies):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    other = put(count, companies[1], value=2)
    c = client_for(representative(companies[0], "rep0"))
    assert c.get(reverse("indicators:company", args=[companies[0].pk])).status_code == 200
    url = reverse("indicators:company", args=[companies[1].pk])
    assert c.get(url).status_code == 403
    assert c.post(url, {"indicator": count.pk, f"i{count.pk}-value": "9"}).status_code == 403
    # 404, not 403: a file one may not read is not told to exist
    assert c.get(reverse("indicators:proof", args=[other.pk])).status_code == 404
    assert c.get(reverse("indicators:dashboard", args=[territory_a.slug])).status_code == 403
    other.refresh_from_db()
    assert other.value == 2


def test_it_lets_victor_read_but_not_write(client_for, victor, territory_a, companies):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    value = put(count, companies[0], value=2)
    c = client_for(victor)
    assert c.get(reverse("indicators:dashboard", args=[territory_a.slug])).status_code == 200
    url = reverse("indicators:detail", args=[territory_a.slug, count.pk])
    assert c.get(url).status_code == 200
    assert (
        c.post(url, {"company": companies[0].pk, "year": YEAR, "value": "9", "verification": "declared"}).status_code
        == 403
    )
    assert c.post(reverse("indicators:verify", args=[territory_a.slug, value.pk])).status_code == 403
    assert c.get(reverse("indicators:definition", args=[territory_a.slug, count.pk])).status_code == 403
    assert c.get(reverse("indicators:company", args=[companies[0].pk])).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client, territory_a, companies):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    value = put(count, companies[0], value=2)
    for url in [
        *team_urls(territory_a, count, value),
        reverse("indicators:company", args=[companies[0].pk]),
        reverse("indicators:proof", args=[value.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "?next=" in response["Location"], url
    assert client.get(reverse("indicators:public", args=[territory_a.slug])).status_code == 200


# --- query budgets -------------------------------------------------------------------------------------------------


def queries(c, url):
    with CaptureQueriesContext(connection) as captured:
        assert c.get(url).status_code == 200
    return len(captured)


def fill(territory, companies, years):
    for indicator in Indicator.objects.for_territory(territory):
        if indicator.aggregation == "territory":
            continue
        for company in companies:
            for year in years:
                value, den = (
                    (1, None)
                    if indicator.value_type == "boolean"
                    else (3, 10 if indicator.aggregation == "ratio_of_sums" else None)
                )
                IndicatorValue.objects.create(
                    indicator=indicator, company=company, year=year, value=value, denominator=den
                )


def test_it_renders_the_pages_in_as_many_queries_with_ten_times_the_values(
    client_for, alice, client, territory_a, companies
):
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    rep = representative(companies[0], "rep0")
    fill(territory_a, companies[:1], [YEAR])
    before_public = queries(client, reverse("indicators:public", args=[territory_a.slug]))  # anonymous
    urls = {
        "dashboard": (client_for(alice), dashboard_url(territory_a)),
        "detail": (client_for(alice), reverse("indicators:detail", args=[territory_a.slug, count.pk])),
    }
    before = {name: queries(c, url) for name, (c, url) in urls.items()}
    before_company = queries(client_for(rep), reverse("indicators:company", args=[companies[0].pk]))
    fill(territory_a, companies[1:] + [member(territory_a, f"Autre {i}") for i in range(6)], [YEAR, YEAR - 1])
    client.logout()
    after_public = queries(client, reverse("indicators:public", args=[territory_a.slug]))
    alice_client = client_for(alice)
    after = {name: queries(alice_client, url) for name, (_c, url) in urls.items()}
    after_company = queries(client_for(rep), reverse("indicators:company", args=[companies[0].pk]))
    assert after == before
    assert after_public == before_public
    assert after_company == before_company
    # 2 session/user + 2 territory/access + 3 territory_dashboard + 1 write access
    assert before["dashboard"] <= 9
    # the territory with its pact + 3 territory_dashboard + 1 published company values
    assert before_public <= 4


def test_it_never_serves_a_proof_as_a_public_media_file(client, settings, tmp_path):
    import os

    os.makedirs(os.path.join(settings.MEDIA_ROOT, "justificatifs"), exist_ok=True)
    with open(os.path.join(settings.MEDIA_ROOT, "justificatifs", "bilan.pdf"), "wb") as stream:
        stream.write(b"%PDF-1.4 secret")
    assert client.get("/media/justificatifs/bilan.pdf").status_code == 404

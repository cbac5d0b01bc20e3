"""What the review of step 5 found, each pinned by a test."""

import datetime
import os

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.indicators.models import Indicator, IndicatorValue, ValueType
from pacte.indicators.selectors import territory_dashboard
from pacte.indicators.services import indicator_value_save
from tests.test_indicators_pages import YEAR, ind, member, put, representative


def _company(territory, name, status):
    company = Company.objects.create(territory=territory, name=name)
    Membership.objects.create(company=company, status=status)
    return company


def test_it_never_counts_a_former_or_invited_company_in_the_coverage(territory_a):
    members = [member(territory_a, f"Membre {i}") for i in range(4)]
    others = [
        _company(territory_a, "Ancienne", MembershipStatus.ENDED),
        _company(territory_a, "Invitée", MembershipStatus.INVITED),
    ]
    count = ind(territory_a, "attractivite-actions-ouverture-public")
    for company in members + others:
        put(count, company, value=10)
    (row,) = [r for r in territory_dashboard(territory=territory_a, years=[YEAR]) if r["indicator"].pk == count.pk]
    cell = row["years"][YEAR]
    assert (cell.coverage, cell.value) == ("4/4", 40)


def test_it_refuses_values_from_a_company_that_is_not_a_member(client, territory_a):
    invited = _company(territory_a, "Invitée", MembershipStatus.INVITED)
    client.force_login(representative(invited, "invitee"))
    indicator = ind(territory_a, "attractivite-actions-ouverture-public")
    url = reverse("indicators:company", args=[invited.pk])
    response = client.post(url, {"indicator": indicator.pk, "value": "3", "comment": ""})
    assert response.status_code == 403
    assert not IndicatorValue.objects.filter(company=invited).exists()


@pytest.mark.parametrize(
    "path", ["justificatifs/bilan.pdf", "/justificatifs/bilan.pdf", "x/../justificatifs/bilan.pdf"]
)
def test_it_never_serves_a_proof_whatever_the_spelling_of_its_path(client, settings, path):
    os.makedirs(os.path.join(settings.MEDIA_ROOT, "justificatifs"), exist_ok=True)
    with open(os.path.join(settings.MEDIA_ROOT, "justificatifs", "bilan.pdf"), "wb") as stream:
        stream.write(b"%PDF-1.4 secret")
    assert client.get("/media/" + path).status_code == 404


def test_it_keeps_the_companys_consent_and_comment_when_the_team_edits_a_value(client_for, alice, territory_a):
    company = member(territory_a, "Consentante")
    indicator = ind(territory_a, "attractivite-actions-ouverture-public")
    put(indicator, company, value=2, public=True, comment="le nôtre")
    url = reverse("indicators:detail", args=[territory_a.slug, indicator.pk])
    response = client_for(alice).post(
        url, {"company": company.pk, "year": YEAR, "value": "3", "comment": "", "verification": "checked"}
    )
    assert response.status_code in (200, 302)
    value = IndicatorValue.objects.get(indicator=indicator, company=company, year=YEAR)
    assert (value.value, value.public, value.comment, value.verification) == (3, True, "le nôtre", "checked")


def test_it_refuses_a_negative_score_and_next_year(territory_a):
    company = member(territory_a, "Scores")
    indicator = Indicator.objects.filter(territory=territory_a).first()
    indicator.value_type = ValueType.SCORE
    indicator.save()
    with pytest.raises(ValidationError, match="un score ne peut pas être négatif"):
        indicator_value_save(indicator=indicator, company=company, year=YEAR, value=-500, actor=None)
    with pytest.raises(ValidationError, match="Année"):
        next_year = datetime.date.today().year + 1
        indicator_value_save(indicator=indicator, company=company, year=next_year, value=1, actor=None)


def test_it_shows_the_year_s_indicator_values_on_the_annual_review(client_for, alice, territory_a):
    from pacte.governance.models import AnnualReview

    company = member(territory_a, "Revue")
    membership = company.memberships.get()
    review = AnnualReview.objects.create(membership=membership, year_number=1, due_on=datetime.date(YEAR + 1, 3, 1))
    put(ind(territory_a, "attractivite-actions-ouverture-public"), company, value=7)
    response = client_for(alice).get(reverse("members:review", args=[company.pk, review.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Les indicateurs de l'entreprise en {YEAR}" in page
    assert "<td>7 actions</td>" in page

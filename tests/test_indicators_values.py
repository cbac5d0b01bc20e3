"""Entering indicator values: the checks (French errors naming the field), one value per company/indicator/year,
the history of changes, proofs checked by content; the YAML defaults loaded with their definitions."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.indicators.demo import indicator_values_demo_load
from pacte.indicators.models import Aggregation, Indicator, IndicatorValue, IndicatorValueChange, Verification
from pacte.indicators.services import indicator_value_save, indicator_value_verify
from pacte.replication.services import REFERENCE_CASE, TEMPLATE, content_read


@pytest.fixture
def company(territory_a):
    company = Company.objects.create(territory=territory_a, name="Ateliers de l'Arsenal")
    Membership.objects.create(company=company, status=MembershipStatus.ACTIVE)
    return company


def indicator(territory, code):
    return Indicator.objects.get(territory=territory, code=code)


def save(ind, company, **kwargs):
    kwargs.setdefault("year", 2025)
    return indicator_value_save(indicator=ind, company=company, actor=None, **kwargs)


def error_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_it_refuses_a_negative_count(territory_a, company):
    errors = error_of(lambda: save(indicator(territory_a, "attractivite-actions-ouverture-public"), company, value=-3))
    assert errors == {"value": ["Valeur : un nombre ne peut pas être négatif (-3)."]}


def test_it_refuses_a_count_with_decimals(territory_a, company):
    errors = error_of(
        lambda: save(indicator(territory_a, "attractivite-actions-ouverture-public"), company, value="2,5")
    )
    assert errors == {"value": ["Valeur : un nombre se compte en entiers (2,5)."]}


def test_it_refuses_a_percentage_of_120(territory_a, company):
    ind = indicator(territory_a, "attractivite-actions-ouverture-public")
    ind.value_type, ind.aggregation = "percentage", Aggregation.MEDIAN
    ind.save()
    errors = error_of(lambda: save(ind, company, value=120))
    assert errors == {"value": ["Valeur : un pourcentage est compris entre 0 et 100, pas 120."]}


def test_it_refuses_a_boolean_of_2(territory_a, company):
    errors = error_of(lambda: save(indicator(territory_a, "emploi-integration-qvt"), company, value=2))
    assert errors == {"value": ["Valeur : la réponse est oui (1) ou non (0), pas « 2 »."]}


def test_it_refuses_a_ratio_without_denominator(territory_a, company):
    errors = error_of(lambda: save(indicator(territory_a, "environnement-surfaces-vegetalisees"), company, value=300))
    assert list(errors) == ["denominator"]
    assert errors["denominator"][0].startswith("Dénominateur : ce taux se saisit avec son dénominateur")


def test_it_refuses_a_share_above_its_denominator(territory_a, company):
    ind = indicator(territory_a, "environnement-surfaces-vegetalisees")
    errors = error_of(lambda: save(ind, company, value=300, denominator=200))
    assert errors == {"value": ["Numérateur : une part ne peut pas dépasser son dénominateur (300 sur 200)."]}
    errors = error_of(lambda: save(ind, company, value=30, denominator=0))
    assert errors == {"denominator": ["Dénominateur : il doit être strictement positif."]}


def test_it_refuses_the_year_1990(territory_a, company):
    errors = error_of(lambda: save(indicator(territory_a, "emploi-integration-qvt"), company, value=1, year=1990))
    assert list(errors) == ["year"]
    assert errors["year"][0].startswith("Année : elle doit être comprise entre 2000 et ")


def test_it_refuses_an_empty_value_unless_not_applicable(territory_a, company):
    ind = indicator(territory_a, "attractivite-actions-ouverture-public")
    assert "value" in error_of(lambda: save(ind, company, value=None))
    row = save(ind, company, value=None, not_applicable=True)
    assert (row.value, row.not_applicable) == (None, True)


def test_it_refuses_another_territorys_company(territory_a, territory_b):
    foreign = Company.objects.create(territory=territory_b, name="Dunkerque SA")
    errors = error_of(lambda: save(indicator(territory_a, "emploi-integration-qvt"), foreign, value=1))
    assert list(errors) == ["company"]


def test_it_updates_instead_of_duplicating(territory_a, company):
    ind = indicator(territory_a, "attractivite-actions-ouverture-public")
    first = save(ind, company, value=3)
    second = save(ind, company, value=5)
    assert first.pk == second.pk
    assert IndicatorValue.objects.filter(indicator=ind, company=company, year=2025).count() == 1
    assert second.value == Decimal(5)


def test_it_keeps_every_change_with_who_and_what(territory_a, company, alice):
    ind = indicator(territory_a, "attractivite-actions-ouverture-public")
    save(ind, company, value=3)
    value = indicator_value_save(indicator=ind, company=company, year=2025, value=4, actor=alice)
    save(ind, company, value=4)  # the same content again: nothing to record
    value.refresh_from_db()
    indicator_value_verify(value=value, actor=alice)
    changes = list(IndicatorValueChange.objects.filter(value=value).order_by("pk"))
    assert len(changes) == 3
    assert changes[0].before is None and changes[0].after["value"] == "3.0000"
    assert (changes[1].before["value"], changes[1].after["value"], changes[1].changed_by) == ("3.0000", "4.0000", alice)
    assert changes[2].after["verification"] == Verification.CHECKED


def test_it_clears_the_value_when_not_applicable(territory_a, company):
    ind = indicator(territory_a, "attractivite-actions-ouverture-public")
    save(ind, company, value=3)
    row = save(ind, company, value=3, not_applicable=True)
    assert (row.value, row.not_applicable) == (None, True)


def test_it_keeps_the_territorys_own_value_for_projects_it_counts(territory_a, company):
    ind = indicator(territory_a, "implantation-nouveaux-projets")
    assert list(error_of(lambda: save(ind, company, value=2))) == ["company"]
    assert save(ind, None, value=2).company is None


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_it_accepts_a_pdf_or_png_proof_by_content_and_refuses_the_rest(territory_a, company):
    ind = indicator(territory_a, "emploi-integration-qvt")
    row = save(ind, company, value=1, proof=SimpleUploadedFile("attestation.txt", b"%PDF-1.4\n%%EOF"))
    assert row.proof.name.endswith(".pdf") and "attestation" not in row.proof.name
    row = save(ind, company, value=1, proof=SimpleUploadedFile("photo.pdf", _png()))
    assert row.proof.name.endswith(".png")
    errors = error_of(lambda: save(ind, company, value=0, proof=SimpleUploadedFile("virus.pdf", b"MZ\x90\x00")))
    assert errors == {"proof": ["Justificatif : seuls les fichiers PDF, JPEG ou PNG sont acceptés."]}
    big = SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))
    assert error_of(lambda: save(ind, company, value=0, proof=big)) == {
        "proof": ["Justificatif : le fichier dépasse 5 Mo."]
    }


def test_it_reserves_public_data_verification_to_public_source_indicators(territory_a, company):
    ind = indicator(territory_a, "emploi-integration-qvt")
    assert list(error_of(lambda: save(ind, company, value=1, verification=Verification.PUBLIC))) == ["verification"]


@pytest.mark.parametrize("name", [REFERENCE_CASE, TEMPLATE])
def test_it_gives_every_indicator_of_the_yaml_a_full_definition(name):
    indicators = [i for theme in content_read(name)["themes"] for i in theme["indicators"]]
    assert len(indicators) == 12
    assert len({i["code"] for i in indicators}) == 12
    for item in indicators:
        assert item["definition"] and item["unit"]
        assert item["aggregation"] in Aggregation.values
    by_code = {i["code"]: i for i in indicators}
    assert by_code["implantation-nouveaux-projets"]["aggregation"] == "territory"
    assert by_code["emploi-collaborateurs-formes-localement"]["vsme_reference"] == "B10 (formation)"


def test_it_loads_the_definitions_into_the_territory(territory_a):
    ind = indicator(territory_a, "environnement-bilan-carbone-eco-conception-achats")
    assert (ind.value_type, ind.aggregation, ind.level) == ("boolean", "yes_count", "both")
    assert Indicator.objects.for_territory(territory_a).exclude(code="").count() == 12


def test_it_loads_the_demo_values_for_active_members(territory_a):
    companies = [Company.objects.create(territory=territory_a, name=f"Démo {i}") for i in range(4)]
    for c in companies:
        Membership.objects.create(company=c, status=MembershipStatus.ACTIVE)
    assert indicator_values_demo_load(territory=territory_a) > 0
    values = IndicatorValue.objects.for_territory(territory_a)
    assert all(v.comment.startswith("[Illustration]") for v in values)
    assert values.filter(not_applicable=True).exists()
    assert values.filter(value=0, not_applicable=False).exists()
    assert indicator_values_demo_load(territory=territory_a) > 0  # idempotent: no duplicate
    assert values.count() == IndicatorValue.objects.for_territory(territory_a).count()

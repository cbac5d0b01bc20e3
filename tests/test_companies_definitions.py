"""The SIRENE definitions, applied in one place (pacte/companies/sirene.py), edge by edge; and the app ladder."""

import ast
from pathlib import Path

import pytest

from pacte.companies import sirene

ROOT = Path(__file__).resolve().parent.parent / "pacte"


@pytest.mark.parametrize(
    ("code", "nomenclature", "industrial"),
    [
        ("10.71C", "NAFRev2", True),  # division 10: first of section C
        ("33.12Z", "NAFRev2", True),  # division 33: last of section C
        ("35.11Z", "NAFRev2", False),  # 35 is energy (section D); 34 does not exist in NAF rév. 2
        ("34.10Z", "NAFRev2", False),
        ("09.10Z", "NAFRev2", False),  # mining support, section B
        ("28.5D", "NAFRev1", False),  # an older nomenclature is never classified
        ("", "NAFRev2", False),
        ("25.62B", None, False),
    ],
)
def test_it_classifies_industry_by_naf_division(code, nomenclature, industrial):
    assert sirene.is_industrial(code, nomenclature) is industrial


def test_it_reads_employer_active_and_diffusion_flags():
    assert sirene.is_employer("O") and not sirene.is_employer("N") and not sirene.is_employer("")
    assert not sirene.is_employer(None)
    assert sirene.is_active("A") and not sirene.is_active("F")
    assert sirene.is_diffusible("O") and sirene.is_diffusible(None)
    assert not sirene.is_diffusible("P") and not sirene.is_diffusible("N")


@pytest.mark.parametrize(
    ("category", "band", "size"),
    [
        ("PME", "NN", "micro"),
        ("PME", "00", "micro"),
        ("PME", "03", "micro"),  # 6 to 9 employees
        ("PME", "", "micro"),  # no headcount known, read as NN
        ("PME", "11", "pme"),  # 10 to 19 employees: a PME that is not micro
        ("PME", "41", "pme"),
        ("ETI", "02", "eti"),  # the category wins over the headcount
        ("GE", "53", "ge"),
        ("", "03", ""),  # unknown category
        (None, None, ""),
        ("XYZ", "12", ""),
    ],
)
def test_it_classifies_sizes_micro_apart_from_pme(category, band, size):
    assert sirene.size_class(category, band) == size


def test_it_names_a_person_or_a_company_and_never_a_non_diffusible_unit():
    assert (
        sirene.unit_name({"denominationUniteLegale": "  CHANTIERS  DE L'ESTUAIRE ", "statutDiffusionUniteLegale": "O"})
        == "CHANTIERS DE L'ESTUAIRE"
    )
    assert sirene.unit_name({"nomUniteLegale": "MARTIN", "prenom1UniteLegale": "JEANNE"}) == "JEANNE MARTIN"
    assert sirene.unit_name({"denominationUniteLegale": "SECRET SAS", "statutDiffusionUniteLegale": "P"}) == ""
    assert sirene.unit_name({"nomUniteLegale": "[ND]", "statutDiffusionUniteLegale": "O"}) == ""


def test_it_computes_shares_of_known_sizes_only():
    shares = sirene.shares({"micro": 59, "pme": 33, "eti": 6, "ge": 2, "": 40})
    assert shares == {"micro": 59.0, "pme": 33.0, "eti": 6.0, "ge": 2.0}
    thirds = sirene.shares({"micro": 1, "pme": 1, "eti": 1})
    assert thirds == {"micro": 33.3, "pme": 33.3, "eti": 33.3, "ge": 0.0}
    assert abs(sum(thirds.values()) - 100) <= 0.2
    assert sirene.shares({}) == {"micro": 0.0, "pme": 0.0, "eti": 0.0, "ge": 0.0}


def _imports(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


ABOVE_COMPANIES = (
    "governance",
    "indicators",
    "land",
    "national",
    "drafting",
    "publications",
    "roadmap",
    "synergies",
    "opendata",
    "replication",
)


def test_it_keeps_companies_below_indicators_and_committees():
    """Companies, representatives and memberships live in `companies`, below the apps that use them: companies
    imports none of them, and indicators no longer imports governance (the old governance <-> indicators cycle)."""
    from_companies = _imports(ROOT / "companies")
    assert not [m for m in from_companies if m.split(".")[1:2] and m.split(".")[1] in ABOVE_COMPANIES]
    assert not [m for m in _imports(ROOT / "indicators") if m.startswith("pacte.governance")]
    from pacte.companies.models import Company, Membership, Representative

    assert {Company._meta.app_label, Membership._meta.app_label, Representative._meta.app_label} == {"companies"}
    # The rows stayed where they were: the tables kept their names.
    assert Company._meta.db_table == "governance_company"

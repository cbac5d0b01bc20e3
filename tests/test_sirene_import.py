"""Importing the SIRENE register: streamed inputs (CSV, zipped CSV, Parquet), the definitions applied, idempotent
re-import, a newer stock closing establishments, refusals (zip bomb, missing columns, older stock), the command."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pacte.companies import services, sirene
from pacte.companies.models import Establishment, LegalUnit, SireneImport
from pacte.territories.models import KeyFigure, SizeClassShare
from tests.sirene_cases import SIRENS, U1, U2, U3, U5, U6, write_files

EXPECTED = {
    "establishments": 10,  # active, kept: every row but the closed one and the one outside
    "industrial_employer_establishments": 7,  # E1 E2 (division 33) E3 E4 E5 E6 (not diffusible) E10 (unknown size)
    "size_classes": {"micro": 33.3, "pme": 33.3, "eti": 16.7, "ge": 16.7},
    "size_unknown": 1,
    "source_date": "2024-11",
}


def _import(territory, etab, units, **kwargs):
    return sirene.sirene_import(territory=territory, establishments_path=etab, units_path=units, **kwargs)


@pytest.mark.parametrize("fmt", ["csv", "zip", "parquet"])
def test_it_imports_the_perimeter_and_computes_the_key_figures(territory_a, tmp_path, fmt):
    etab, units = write_files(tmp_path, territory_a, fmt)
    result = _import(territory_a, etab, units)
    assert result.rows_read == 12 and result.rows_kept == 11 and result.created == 11
    assert result.figures == {"territory": territory_a.slug, **EXPECTED}
    assert Establishment.objects.for_territory(territory_a).count() == 11
    assert not Establishment.objects.filter(siren=SIRENS[6]).exists()  # outside the communes
    # Non-diffusible: counted above, named nowhere (not even stored).
    hidden = Establishment.objects.get(territory=territory_a, siren=U5)
    assert hidden.sign_name == "" and hidden.size_class == "pme" and not hidden.diffusible
    assert LegalUnit.objects.get(territory=territory_a, siren=U5).name == ""
    assert LegalUnit.objects.get(territory=territory_a, siren=U6).name == "JEANNE MARTIN"
    assert Establishment.objects.get(territory=territory_a, siret=U1 + "00020").naf_division == "33"


def test_it_reimports_the_same_stock_without_change_and_a_newer_one_closes(territory_a, tmp_path):
    etab, units = write_files(tmp_path, territory_a)
    _import(territory_a, etab, units)
    again = _import(territory_a, etab, units)
    assert (again.created, again.updated, again.closed) == (0, 0, 0)
    assert Establishment.objects.for_territory(territory_a).count() == 11
    newer_dir = tmp_path / "newer"
    newer_dir.mkdir()
    # December: E3 is gone from the stock, E4 is said closed.
    etab2, units2 = write_files(newer_dir, territory_a, month="2024-12", drop={"E3"}, closed={"E4"})
    newer = _import(territory_a, etab2, units2)
    assert (newer.created, newer.closed) == (0, 2)
    assert not Establishment.objects.get(territory=territory_a, siret=U2 + "00012").active
    assert not Establishment.objects.get(territory=territory_a, siret=U3 + "00012").active
    assert newer.figures["industrial_employer_establishments"] == 5
    assert newer.figures["source_date"] == "2024-12"
    assert Establishment.objects.for_territory(territory_a).count() == 11  # nothing duplicated
    # An older stock is refused, nothing written.
    with pytest.raises(sirene.SireneRefused, match="plus récent"):
        _import(territory_a, etab, units)
    assert not Establishment.objects.get(territory=territory_a, siret=U2 + "00012").active


def test_it_keeps_the_establishments_of_departements_the_file_does_not_cover(territory_a, tmp_path):
    etab, units = write_files(tmp_path, territory_a)
    _import(territory_a, etab, units)
    other = tmp_path / "other.csv"
    from pacte.companies.synthetic import write_establishments
    from tests.sirene_cases import establishment

    write_establishments(other, [establishment(SIRENS[7], "00012", "59183", "25.11Z", month="2024-12")])
    result = _import(territory_a, str(other), None)
    assert result.closed == 0 and result.rows_kept == 0


def test_it_refuses_a_zip_bomb_and_an_oversized_member(territory_a, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "StockEtablissement_utf8.csv",
            "siret,codeCommuneEtablissement,activitePrincipaleEtablissement\n" + "\n" * 30_000_000,
        )
    with pytest.raises(sirene.SireneRefused, match="anormalement compressée"):
        _import(territory_a, str(bomb), None)
    etab, _units = write_files(tmp_path, territory_a, "zip")
    small = sirene.ReadLimits(max_uncompressed=100)
    with pytest.raises(sirene.SireneRefused, match="décompressé dépasserait"):
        _import(territory_a, etab, None, limits=small)
    assert not Establishment.objects.for_territory(territory_a).exists()


def test_it_refuses_files_without_inseee_columns(territory_a, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("SIRET;Commune\n12345678900012;17299\n", encoding="utf-8")
    with pytest.raises(sirene.SireneRefused, match="Colonnes Insee absentes"):
        _import(territory_a, str(path), None)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(sirene.SireneRefused, match="Parquet est illisible"):
        _import(territory_a, str(broken), None)


def test_the_command_prints_one_json_object(territory_a, tmp_path):
    etab, units = write_files(tmp_path, territory_a, "zip")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_sirene", etab, territory=territory_a.slug, units=units, json=True, stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert {k: data[k] for k in EXPECTED} == EXPECTED
    assert data["territory"] == territory_a.slug
    assert (data["created"], data["updated"], data["closed"]) == (11, 0, 0)
    record = SireneImport.objects.get(territory=territory_a)
    assert (record.status, record.stock_month, record.rows_kept, record.created) == ("done", "2024-11", 11, 11)
    with pytest.raises(CommandError, match="Territoire inconnu"):
        call_command("import_sirene", etab, territory="nulle-part", stdout=io.StringIO(), stderr=io.StringIO())


def test_it_writes_key_figures_and_size_classes_on_request(territory_b, tmp_path):
    etab, units = write_files(tmp_path, territory_b)
    _import(territory_b, etab, units)
    assert not KeyFigure.objects.for_territory(territory_b).exists()
    services.key_figures_apply(territory=territory_b, count_mode="beside", sizes=True)
    figure = KeyFigure.objects.get(territory=territory_b)
    assert (figure.value, figure.label) == ("7", "établissements industriels employeurs")
    assert figure.source == "Insee, répertoire Sirene, stock de novembre 2024"
    shares = {
        s.size_class: (float(s.territory_share), float(s.national_share))
        for s in SizeClassShare.objects.for_territory(territory_b)
    }
    assert shares == {"micro": (33.3, 46.0), "sme": (33.3, 35.0), "mid": (16.7, 13.0), "large": (16.7, 5.0)}
    services.key_figures_apply(territory=territory_b, count_mode="beside")  # again: updated, not duplicated
    assert KeyFigure.objects.for_territory(territory_b).count() == 1


def test_it_replaces_the_hand_typed_figure_only_when_asked(territory_a, tmp_path):
    etab, units = write_files(tmp_path, territory_a)
    _import(territory_a, etab, units)
    before = KeyFigure.objects.for_territory(territory_a).count()
    hand = KeyFigure.objects.get(territory=territory_a, label="établissements industriels employeurs")
    assert hand.value == "260"
    services.key_figures_apply(territory=territory_a, count_mode="replace")
    hand.refresh_from_db()
    assert hand.value == "7" and hand.source.startswith("Insee, répertoire Sirene")
    assert KeyFigure.objects.for_territory(territory_a).count() == before


def test_it_flags_closed_unknown_and_invalid_sirens(territory_a, tmp_path):
    assert services.sirens_register_status(territory=territory_a, sirens=[U1]) == {U1: "no_register"}
    etab, units = write_files(tmp_path, territory_a)
    _import(territory_a, etab, units)
    statuses = services.sirens_register_status(territory=territory_a, sirens=[U1, U6, SIRENS[7], "123456789", U2])
    assert statuses == {U1: "active", U6: "closed", SIRENS[7]: "unknown", "123456789": "invalid", U2: "active"}
    assert services.siren_flag(territory=territory_a, siren=U6) == "SIREN fermé selon le répertoire Sirene"
    assert services.siren_flag(territory=territory_a, siren=U3) == ""
    assert services.legal_unit_summary(territory=territory_a, siren=U3)["size_class"] == "eti"

"""Synthetic SIRENE stock files, with INSEE's real columns, for tests and benchmarks (no real register is shipped).

`write_stock()` generates a stock of any size a chunk at a time (numpy + pyarrow: about 1 s per million rows),
with distributions close to the national stock's: a majority of closed establishments (the stock keeps history),
about 7 % in NAF section C, 1 in 8 employer, some non-diffusible units, old nomenclatures on closed rows, legal
units mostly PME (of which most are micro), a few ETI and GE, some without category.

`write_establishments()` / `write_units()` write given rows (dicts keyed by INSEE's column names; the other
columns are left empty), in CSV, zipped CSV or Parquet: the tests build their edge cases with them.
"""

import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ESTABLISHMENT_HEADER = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,dernierNumeroVoieEtablissement,indiceRepetitionDernierNumeroVoieEtablissement,"
    "typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,"
    "libellePaysEtrangerEtablissement,identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement,"
    "coordonneeLambertOrdonneeEtablissement,complementAdresse2Etablissement,numeroVoie2Etablissement,"
    "indiceRepetition2Etablissement,typeVoie2Etablissement,libelleVoie2Etablissement,codePostal2Etablissement,"
    "libelleCommune2Etablissement,libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,"
    "codeCommune2Etablissement,codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,"
    "activitePrincipaleEtablissement,nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement"
).split(",")
UNIT_HEADER = (
    "siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,dateCreationUniteLegale,sigleUniteLegale,"
    "sexeUniteLegale,prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,prenom4UniteLegale,"
    "prenomUsuelUniteLegale,pseudonymeUniteLegale,identifiantAssociationUniteLegale,trancheEffectifsUniteLegale,"
    "anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,nombrePeriodesUniteLegale,categorieEntreprise,"
    "anneeCategorieEntreprise,dateDebut,etatAdministratifUniteLegale,nomUniteLegale,nomUsageUniteLegale,"
    "denominationUniteLegale,denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,"
    "denominationUsuelle3UniteLegale,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,"
    "nomenclatureActivitePrincipaleUniteLegale,nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale,"
    "societeMissionUniteLegale,caractereEmployeurUniteLegale"
).split(",")

# Main activities with weights (NAF rév. 2): some of section C (10–33), energy (35), trade, services…
INDUSTRIAL_CODES = ["10.71C", "10.13A", "16.23Z", "20.59Z", "22.29A", "25.11Z", "25.62B", "28.29B", "30.11Z",
                    "30.30Z", "32.50A", "33.12Z", "33.20C", "11.02B", "13.92Z", "18.12Z"]  # fmt: skip
OTHER_CODES = ["35.11Z", "41.20A", "43.21A", "45.20A", "46.69B", "47.11B", "47.73Z", "49.41A", "55.10Z", "56.10A",
               "62.01Z", "68.20A", "69.20Z", "70.22Z", "71.12B", "85.59A", "86.21Z", "90.01Z", "94.99Z", "96.02A",
               "01.11Z", "08.12Z", "38.11Z"]  # fmt: skip
OLD_CODES = ["28.5D", "15.8C", "74.1G", "52.1D", "29.5M"]  # NAFRev1, closed establishments only
BANDS = ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51", "52", "53"]
WORDS = ["Atelier", "Ateliers", "Chantiers", "Forges", "Menuiserie", "Conserverie", "Composites", "Mécanique",
         "Aéro", "Industries", "Plasturgie", "Chaudronnerie", "Biscuiterie", "Laiterie", "Électronique"]  # fmt: skip
PLACES = ["de l'Estuaire", "d'Oléron", "Charentaises", "Océan", "du Littoral", "Marennaises", "de Saintonge",
          "Royannaises", "du Marais", "de la Seudre", "Atlantique", "du Port", "des Îles"]  # fmt: skip


def luhn_siren(bases: np.ndarray) -> np.ndarray:
    """SIREN numbers (int64) with a valid Luhn key, from 8-digit bases."""
    total = np.zeros(len(bases), dtype=np.int64)
    digits = bases.copy()
    for position in range(8):  # from the right: positions 0, 2, 4, 6 are doubled once the key is appended
        digit = digits % 10
        digits //= 10
        doubled = digit * 2 if position % 2 == 0 else digit
        total += np.where(doubled > 9, doubled - 9, doubled)
    return bases * 10 + (10 - total % 10) % 10


def _strings(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")


def _pick(rng, choices: list, size: int, p=None) -> pa.Array:
    return pa.array(choices, pa.string()).take(pa.array(rng.choice(len(choices), size=size, p=p)))


def _empty(size: int) -> pa.Array:
    return pa.nulls(size, pa.string())


def _names(rng, size: int) -> pa.Array:
    words = _pick(rng, WORDS, size)
    places = _pick(rng, PLACES, size)
    numbers = _strings(rng.integers(1, 999, size), 1)
    return pc.binary_join_element_wise(words, places, numbers, " ")


def write_table(table: pa.Table, path: Path, fmt: str, writer_state: dict) -> None:
    """Append a chunk to a CSV / zipped CSV / Parquet file (writer_state keeps the open writers)."""
    if fmt == "parquet":
        if "parquet" not in writer_state:
            writer_state["parquet"] = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer_state["parquet"].write_table(table)
        return
    if "csv" not in writer_state:
        if fmt == "zip":
            writer_state["zip"] = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
            stream = writer_state["zip"].open(path.stem + ".csv", "w", force_zip64=True)
        else:
            stream = open(path, "wb")  # noqa: SIM115 (closed by close_writers)
        writer_state["stream"] = stream
        writer_state["csv"] = pacsv.CSVWriter(
            stream, table.schema, write_options=pacsv.WriteOptions(quoting_style="needed")
        )
    writer_state["csv"].write_table(table)


def close_writers(writer_state: dict) -> None:
    for name in ("parquet", "csv", "stream", "zip"):
        if name in writer_state:
            writer_state[name].close()


def write_stock(
    directory,
    *,
    rows: int,
    communes: list[str],
    local_share: float = 0.01,
    fmt: str = "csv",
    stock_month: str = "2024-11",
    seed: int = 0,
    chunk: int = 500_000,
    with_units: bool = True,
) -> tuple[Path, Path | None]:
    """Write StockEtablissement (`rows` rows, `local_share` of them in `communes`) and StockUniteLegale files."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = {"csv": ".csv", "zip": ".zip", "parquet": ".parquet"}[fmt]
    etab_path = directory / f"StockEtablissement_utf8{suffix}"
    units_path = directory / f"StockUniteLegale_utf8{suffix}" if with_units else None
    rng = np.random.default_rng(seed)
    national = [f"{d:02d}{c:03d}" for d in range(1, 96) if d != 20 for c in range(1, 400, 7)]
    national = [code for code in national if code not in set(communes)]
    writers, unit_writers = {}, {}
    next_base = 10_000_000
    processed = f"{stock_month}-01T03:12:45"
    written = 0
    while written < rows:
        size = min(chunk, rows - written)
        # Establishments per legal unit: 1 mostly, a few with several (the head office first).
        per_unit = rng.choice([1, 1, 1, 1, 2, 2, 3, 5], size=size)
        units = np.repeat(np.arange(size), per_unit)[:size]
        rank = np.concatenate([np.arange(n) for n in per_unit])[:size]
        unit_count = int(units[-1]) + 1
        sirens = luhn_siren(np.arange(next_base, next_base + unit_count, dtype=np.int64))
        next_base += unit_count
        siren_strings = _strings(sirens, 9)
        siren = siren_strings.take(pa.array(units))
        nic = _strings(10 + rank * 8 + rng.integers(0, 7, size), 5)
        local = rng.random(size) < local_share
        commune = np.where(
            local,
            np.array(communes or ["17299"])[rng.integers(0, max(len(communes), 1), size)],
            np.array(national)[rng.integers(0, len(national), size)],
        )
        active = rng.random(size) < 0.45
        industrial = rng.random(size) < 0.07
        old = ~active & (rng.random(size) < 0.2)
        code = np.where(
            old,
            np.array(OLD_CODES)[rng.integers(0, len(OLD_CODES), size)],
            np.where(
                industrial,
                np.array(INDUSTRIAL_CODES)[rng.integers(0, len(INDUSTRIAL_CODES), size)],
                np.array(OTHER_CODES)[rng.integers(0, len(OTHER_CODES), size)],
            ),
        )
        employer_draw = rng.random(size)
        employer = np.where(employer_draw < 0.13 + 0.3 * industrial, "O", np.where(employer_draw < 0.85, "N", ""))
        diffusion = np.where(rng.random(size) < 0.04, "P", "O")
        created = rng.integers(1950 * 12, 2024 * 12, size)
        created_on = [f"{m // 12}-{m % 12 + 1:02d}-{(m % 27) + 1:02d}" for m in created.tolist()]
        has_sign = rng.random(size) < 0.3
        table = {name: _empty(size) for name in ESTABLISHMENT_HEADER}
        table.update(
            {
                "siren": siren,
                "nic": nic,
                "siret": pc.binary_join_element_wise(siren, nic, ""),
                "statutDiffusionEtablissement": pa.array(diffusion),
                "dateCreationEtablissement": pa.array(created_on),
                "trancheEffectifsEtablissement": _pick(rng, BANDS, size),
                "dateDernierTraitementEtablissement": pa.array([processed] * size),
                "etablissementSiege": pa.array(np.where(rank == 0, "true", "false")),
                "nombrePeriodesEtablissement": _strings(rng.integers(1, 5, size), 1),
                "numeroVoieEtablissement": _strings(rng.integers(1, 200, size), 1),
                "typeVoieEtablissement": _pick(rng, ["RUE", "AV", "BD", "ZA", "CHE", "RTE"], size),
                "libelleVoieEtablissement": _pick(
                    rng, ["DE LA REPUBLIQUE", "DU PORT", "DES ARTISANS", "JEAN JAURES"], size
                ),
                "codePostalEtablissement": pc.utf8_slice_codeunits(pa.array(commune), 0, 5),
                "codeCommuneEtablissement": pa.array(commune),
                "dateDebut": pa.array(created_on),
                "etatAdministratifEtablissement": pa.array(np.where(active, "A", "F")),
                "enseigne1Etablissement": pc.if_else(pa.array(has_sign), _names(rng, size), _empty(size)),
                "activitePrincipaleEtablissement": pa.array(code),
                "nomenclatureActivitePrincipaleEtablissement": pa.array(np.where(old, "NAFRev1", "NAFRev2")),
                "caractereEmployeurEtablissement": pa.array(employer),
            }
        )
        write_table(pa.table(table), etab_path, fmt, writers)
        if units_path is not None:
            write_table(_units_table(rng, siren_strings, processed), units_path, fmt, unit_writers)
        written += size
    close_writers(writers)
    close_writers(unit_writers)
    return etab_path, units_path


def _units_table(rng, sirens: pa.Array, processed: str) -> pa.Table:
    size = len(sirens)
    draw = rng.random(size)
    category = np.where(draw < 0.003, "GE", np.where(draw < 0.018, "ETI", np.where(draw < 0.90, "PME", "")))
    small = rng.random(size) < 0.75
    band = np.where(
        category == "GE",
        np.array(["42", "51", "52", "53"])[rng.integers(0, 4, size)],
        np.where(
            category == "ETI",
            np.array(["32", "41", "42"])[rng.integers(0, 3, size)],
            np.where(
                small,
                np.array(["NN", "00", "01", "02", "03"])[rng.integers(0, 5, size)],
                np.array(["11", "12", "21", "22", "31"])[rng.integers(0, 5, size)],
            ),
        ),
    )
    person = rng.random(size) < 0.2
    table = {name: _empty(size) for name in UNIT_HEADER}
    table.update(
        {
            "siren": sirens,
            "statutDiffusionUniteLegale": pa.array(np.where(rng.random(size) < 0.03, "P", "O")),
            "trancheEffectifsUniteLegale": pa.array(band),
            "dateDernierTraitementUniteLegale": pa.array([processed] * size),
            "categorieEntreprise": pa.array(category),
            "etatAdministratifUniteLegale": pa.array(np.where(rng.random(size) < 0.6, "A", "C")),
            "nomUniteLegale": pc.if_else(
                pa.array(person), _pick(rng, ["MARTIN", "BERNARD", "PETIT", "DURAND"], size), _empty(size)
            ),
            "prenom1UniteLegale": pc.if_else(
                pa.array(person), _pick(rng, ["JEANNE", "PAUL", "NADIA", "HUGO"], size), _empty(size)
            ),
            "denominationUniteLegale": pc.if_else(pa.array(person), _empty(size), pc.utf8_upper(_names(rng, size))),
            "categorieJuridiqueUniteLegale": pa.array(np.where(person, "1000", "5710")),
        }
    )
    return pa.table(table)


def _rows_table(rows: list[dict], header) -> pa.Table:
    return pa.table({name: pa.array([_cell(row.get(name)) for row in rows], pa.string()) for name in header})


def _cell(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_rows(path, rows: list[dict], header, fmt: str) -> Path:
    path = Path(path)
    state = {}
    write_table(_rows_table(rows, header), path, fmt, state)
    close_writers(state)
    return path


def write_establishments(path, rows: list[dict], fmt: str = "csv") -> Path:
    """Write establishment rows (INSEE's column names; siret = siren + nic when not given)."""
    filled = []
    for row in rows:
        row = dict(row)
        if "siret" not in row and row.get("siren") and row.get("nic"):
            row["siret"] = row["siren"] + row["nic"]
        filled.append(row)
    return write_rows(path, filled, ESTABLISHMENT_HEADER, fmt)


def write_units(path, rows: list[dict], fmt: str = "csv") -> Path:
    return write_rows(path, rows, UNIT_HEADER, fmt)

"""Edge-case SIRENE rows shared by the register tests (written with the synthetic writer, INSEE's columns)."""

import numpy as np

from pacte.companies import sirene, synthetic

SIRENS = [str(s) for s in synthetic.luhn_siren(np.arange(41000000, 41000008, dtype=np.int64))]
U1, U2, U3, U4, U5, U6, U7, _U8 = SIRENS


def communes(territory) -> list[str]:
    return sorted(set(sirene.territory_communes(territory).values()))


def establishment(
    siren, nic, commune, naf, *, state="A", employer="O", name="", diffusion="O", month="2024-11", **more
):
    return {
        "siren": siren,
        "nic": nic,
        "codeCommuneEtablissement": commune,
        "activitePrincipaleEtablissement": naf,
        "nomenclatureActivitePrincipaleEtablissement": more.pop("nomenclature", "NAFRev2"),
        "etatAdministratifEtablissement": state,
        "caractereEmployeurEtablissement": employer,
        "enseigne1Etablissement": name,
        "statutDiffusionEtablissement": diffusion,
        "dateDernierTraitementEtablissement": f"{month}-05T03:00:00",
        "etablissementSiege": nic == "00012",
        "dateCreationEtablissement": more.pop("created", "2001-04-01"),
        **more,
    }


def edge_rows(territory, *, month="2024-11", drop=(), closed=()):
    c1, c2 = communes(territory)[:2]
    rows = {
        "E1": establishment(U1, "00012", c1, "25.62B", name="Atelier de l'Estuaire"),
        "E2": establishment(U1, "00020", c1, "33.12Z", name="Atelier de l'Estuaire, réparation"),
        "E3": establishment(U2, "00012", c1, "10.71C"),
        "E4": establishment(U3, "00012", c1, "20.59Z"),
        "E5": establishment(U4, "00012", c2, "30.30Z"),
        "E6": establishment(U5, "00012", c1, "22.29A", diffusion="P", name="ENSEIGNE SECRETE"),
        "E7": establishment(U2, "00038", c1, "28.29B", state="F"),
        "E8": establishment(U2, "00046", c1, "16.23Z", employer="N"),
        "E9": establishment(U3, "00020", c1, "35.11Z"),
        "E10": establishment(U6, "00012", c2, "32.50A"),
        "E11": establishment(U7, "00012", "01001", "25.11Z"),  # outside the perimeter
        "E12": establishment(U6, "00020", c1, "28.5D", nomenclature="NAFRev1"),
    }
    out = []
    for key, row in rows.items():
        if key in drop:
            continue
        row = {**row, "dateDernierTraitementEtablissement": f"{month}-05T03:00:00"}
        if key in closed:
            row["etatAdministratifEtablissement"] = "F"
        out.append(row)
    return out


def unit_rows():
    return [
        {
            "siren": U1,
            "denominationUniteLegale": "CHANTIERS DE L'ESTUAIRE",
            "categorieEntreprise": "PME",
            "trancheEffectifsUniteLegale": "02",
            "statutDiffusionUniteLegale": "O",
            "etatAdministratifUniteLegale": "A",
        },
        {
            "siren": U2,
            "denominationUniteLegale": "BISCUITERIE D'OLERON",
            "categorieEntreprise": "PME",
            "trancheEffectifsUniteLegale": "21",
            "statutDiffusionUniteLegale": "O",
            "etatAdministratifUniteLegale": "A",
        },
        {
            "siren": U3,
            "denominationUniteLegale": "CHIMIE ATLANTIQUE",
            "categorieEntreprise": "ETI",
            "trancheEffectifsUniteLegale": "41",
            "statutDiffusionUniteLegale": "O",
            "etatAdministratifUniteLegale": "A",
        },
        {
            "siren": U4,
            "denominationUniteLegale": "AERO GROUPE",
            "categorieEntreprise": "GE",
            "trancheEffectifsUniteLegale": "53",
            "statutDiffusionUniteLegale": "O",
            "etatAdministratifUniteLegale": "A",
        },
        {
            "siren": U5,
            "denominationUniteLegale": "UNITE CACHEE",
            "categorieEntreprise": "PME",
            "trancheEffectifsUniteLegale": "12",
            "statutDiffusionUniteLegale": "P",
            "etatAdministratifUniteLegale": "A",
        },
        {
            "siren": U6,
            "nomUniteLegale": "MARTIN",
            "prenom1UniteLegale": "JEANNE",
            "categorieEntreprise": "",
            "trancheEffectifsUniteLegale": "NN",
            "statutDiffusionUniteLegale": "O",
            "etatAdministratifUniteLegale": "C",
        },
        {
            "siren": U7,
            "denominationUniteLegale": "AILLEURS SA",
            "categorieEntreprise": "GE",
            "trancheEffectifsUniteLegale": "53",
        },
    ]


def write_files(directory, territory, fmt="csv", **kwargs):
    suffix = {"csv": ".csv", "zip": ".zip", "parquet": ".parquet"}[fmt]
    etab = synthetic.write_establishments(directory / f"etab{suffix}", edge_rows(territory, **kwargs), fmt)
    units = synthetic.write_units(directory / f"ul{suffix}", unit_rows(), fmt)
    return str(etab), str(units)

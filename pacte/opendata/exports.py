"""The files of the open datasets (CSV UTF-8 with commas, JSON), their Table Schemas and the datapackage.json.

A dataset is generated row by row (queries in chunks, never the whole tables in memory as model objects) and kept in
Django's cache under a key that carries the published state (pacte.opendata.selectors.published_state): a
publication, a withdrawal or an archiving changes the key, so nothing withdrawn is ever served from the cache; live
data of published territories (events, land calls, collective values) is at most CACHE_SECONDS old.
"""

import csv
import hashlib
import io
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from .datasets import BY_NAME, DATASETS, LICENSE, Dataset, absolute, csv_cell, json_value
from .selectors import published_state

CACHE_SECONDS = 300
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
# Cells starting with these characters are read as formulas by spreadsheet software ("CSV/formula injection"):
# in the CSV files (not the JSON ones), such a text is preceded by an apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def dataset_csv(dataset: Dataset, rows=None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = [f.name for f in dataset.fields]
    texts = {f.name for f in dataset.fields if f.type == "string"}
    writer.writerow(names)
    for row in dataset.rows() if rows is None else rows:
        writer.writerow([_safe_text(csv_cell(row[name])) if name in texts else csv_cell(row[name]) for name in names])
    return buffer.getvalue().encode("utf-8")


def dataset_json(dataset: Dataset, rows=None) -> bytes:
    """An array of objects, one per row (as the CSV file, typed: numbers as numbers, empty values as null)."""
    names = [f.name for f in dataset.fields]
    parts = [
        json.dumps({name: json_value(row[name]) for name in names}, ensure_ascii=False)
        for row in (dataset.rows() if rows is None else rows)
    ]
    return ("[\n" + ",\n".join(parts) + "\n]\n").encode("utf-8")


WRITERS = {"csv": dataset_csv, "json": dataset_json}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    etag: str
    generated_at: str  # ISO date-time


def export_file(name: str, fmt: str) -> ExportFile:
    """The file of a dataset, from the cache when the published state has not changed since it was generated."""
    dataset = BY_NAME[name]
    state = hashlib.sha256(published_state().encode()).hexdigest()[:24]  # 1 query
    key = f"pacte:opendata:{name}:{fmt}:{state}"
    cached = cache.get(key)
    if cached is None:
        content = WRITERS[fmt](dataset)
        cached = ExportFile(
            content=content,
            etag=hashlib.sha256(content).hexdigest()[:32],
            generated_at=timezone.now().isoformat(timespec="seconds"),
        )
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def schema_descriptor(dataset: Dataset) -> dict:
    return dataset.schema()


def dataset_urls(dataset: Dataset) -> dict[str, str]:
    return {
        "csv": reverse("opendata:dataset", args=[dataset.name, "csv"]),
        "json": reverse("opendata:dataset", args=[dataset.name, "json"]),
        "schema": reverse("opendata:schema", args=[dataset.name]),
    }


def datapackage() -> dict:
    """The Data Package (frictionless) listing every dataset in both formats, with its schema's URL."""
    resources = []
    for dataset in DATASETS:
        urls = dataset_urls(dataset)
        for fmt, mediatype in (("csv", "text/csv"), ("json", "application/json")):
            resource = {
                "name": f"{dataset.name}-{fmt}",
                "title": dataset.title,
                "description": dataset.description,
                "path": absolute(urls[fmt]),
                "format": fmt,
                "mediatype": mediatype,
                "encoding": "utf-8",
                "schema": absolute(urls["schema"]),
                "licenses": [LICENSE],
            }
            if fmt == "csv":
                resource["dialect"] = {"delimiter": ",", "header": True}
            resources.append(resource)
    return {
        "name": "pactes-industrie-territoire",
        "title": "Pactes industrie-territoire des Territoires d'industrie",
        "description": "Les pactes industrie-territoire publiés, leurs engagements réciproques, les valeurs "
        "collectives de leurs indicateurs, les rencontres économiques et les appels à projets fonciers. Seul le "
        "contenu publié y figure ; les valeurs couvertes par le secret statistique sont vides, avec leur motif.",
        "homepage": absolute(reverse("opendata:index")),
        "licenses": [LICENSE],
        "keywords": ["Territoires d'industrie", "industrie", "pacte", "ANCT"],
        "resources": resources,
    }

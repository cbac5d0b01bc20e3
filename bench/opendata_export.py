"""Benchmark: the full open-data export of the collective indicator values, at national scale.

    .venv/bin/python bench/opendata_export.py [--url postgres://postgres@127.0.0.1:5432/postgres] [--runs 5] [--keep]

A throwaway database (a temporary SQLite file by default; with --url, a PostgreSQL database created next to it and
dropped at the end unless --keep) is migrated and filled with 183 published territories × 30 indicators × 4 years of
collective values (21,960 CollectiveValue rows, about 10 % withheld by the disclosure control, as H4's maintenance
would leave them), built directly with bulk_create. Then the dataset `indicateurs` is generated whole, as /donnees/
serves it on a cache miss (pacte.opendata.exports: CSV and JSON, the rows read in chunks), --runs times each, and
through the view (/donnees/indicateurs.csv, throttle and cache included, the cache cleared before each call).

Target: a full export < 10 s. Prints p50 / max per format, the number of queries, the file sizes and the machine.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TERRITORIES, INDICATORS, YEARS = 183, 30, [2022, 2023, 2024, 2025]
TARGET = 10.0
REASONS = ["too_few", "dominant", "differencing", "unanimous", "order_statistic"]
AGGREGATIONS = ["sum", "yes_count", "ratio_of_sums", "median"]


def _postgres_database(url: str) -> tuple[str, str]:
    """(URL of a new throwaway database next to `url`, its name)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"bench_opendata_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def generate() -> int:
    import datetime
    import random
    from decimal import Decimal

    from pacte.commitments.models import Theme
    from pacte.indicators.models import CollectiveValue, Indicator
    from pacte.publications.models import Pact, PactStatus
    from pacte.territories.models import Territory

    rng = random.Random(14)
    territories = Territory.objects.bulk_create(
        Territory(name=f"Territoire {n:03d}", slug=f"territoire-{n:03d}", region="Nouvelle-Aquitaine")
        for n in range(TERRITORIES)
    )
    Pact.objects.bulk_create(
        Pact(
            territory=t,
            title=f"Pacte {t.name}",
            status=PactStatus.PUBLISHED,
            version=1,
            published_on=datetime.date(2025, 3, 1),
        )
        for t in territories
    )
    themes = Theme.objects.bulk_create(Theme(territory=t, code="theme", name="Thématique") for t in territories)
    indicators = Indicator.objects.bulk_create(
        Indicator(
            territory=theme.territory,
            theme=theme,
            name=f"Indicateur {i:02d}",
            code=f"indicateur-{i:02d}",
            unit="",
            aggregation=AGGREGATIONS[i % len(AGGREGATIONS)],
        )
        for theme in themes
        for i in range(INDICATORS)
    )
    values = []
    for indicator in indicators:
        for year in YEARS:
            withheld = rng.random() < 0.1
            values.append(
                CollectiveValue(
                    territory_id=indicator.territory_id,
                    indicator=indicator,
                    indicator_code=indicator.code,
                    year=year,
                    value=Decimal(rng.randint(0, 10**7)) / 100,
                    share=Decimal(rng.randint(0, 1000)) / 10 if indicator.aggregation == "yes_count" else None,
                    reporting=rng.randint(0, 300),
                    members=300,
                    withheld_reason=rng.choice(REASONS) if withheld else "",
                )
            )
    CollectiveValue.objects.bulk_create(values, batch_size=5000)
    return len(values)


def measure(runs: int) -> tuple[list[str], float]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pacte.opendata.datasets import BY_NAME
    from pacte.opendata.exports import dataset_csv, dataset_json

    dataset = BY_NAME["indicateurs"]
    lines = []
    for label, write in (("CSV", dataset_csv), ("JSON", dataset_json)):
        write(dataset)  # warm-up
        timings = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                content = write(dataset)
                timings.append(time.perf_counter() - started)
        newlines = content.count(b"\n")
        lines.append(
            f"{label:5} p50 {statistics.median(timings):.2f} s, max {max(timings):.2f} s, "
            f"{len(queries)} queries, {len(content) / 1e6:.1f} MB, {newlines - 1} lines"
        )
    client = Client()
    timings = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        response = client.get("/donnees/indicateurs.csv", REMOTE_ADDR=f"10.0.0.{len(timings) + 1}")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    lines.append(f"view  p50 {statistics.median(timings):.2f} s, max {max(timings):.2f} s (/donnees/indicateurs.csv)")
    started = time.perf_counter()
    client.get("/donnees/indicateurs.csv", REMOTE_ADDR="10.0.1.1")
    lines.append(f"view, cached: {1000 * (time.perf_counter() - started):.0f} ms")
    return lines, max(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="", help="a postgres:// URL (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    dropped = None
    if args.url:
        url, name = _postgres_database(args.url)
        dropped = (args.url, name)
        engine = "PostgreSQL"
    else:
        folder = tempfile.mkdtemp(prefix="bench-opendata-")
        url = f"sqlite:///{folder}/bench.sqlite3"
        engine = "SQLite"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("CACHE", "locmem")
    os.environ.setdefault("STATIC_MANIFEST", "0")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        rows = generate()
        print(f"{engine}: {rows} collective values generated in {time.perf_counter() - started:.0f} s")
        lines, worst = measure(args.runs)
        for line in lines:
            print(line)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} CPU, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}"
        )
        print(f"target: full export < {TARGET:.0f} s — {'met' if worst < TARGET else 'MISSED'}")
    finally:
        if dropped and not args.keep:
            from django.db import connections

            connections.close_all()
            _drop_postgres(*dropped)


if __name__ == "__main__":
    main()

"""Benchmark: the national comparison of one indicator (ANCT) on the stored collective values, at 1/10 and full data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/national_indicators.py
    .venv/bin/python bench/national_indicators.py              # SQLite (throwaway files under /tmp)
        [--scale 0.1 1] [--scale-by companies|territories] [--runs 50]

Full data: the generator of bench/indicators_scale.py, 183 territories × 300 member companies × 30 company
indicators (+1 territory indicator) × 4 years, about 6.3 million values. PostgreSQL: a throwaway database per scale
next to DATABASE_URL, filled in SQL on the server by that generator; SQLite: a throwaway file, the same territories,
indicators and memberships through the ORM and the values by the same draw in SQL (INSERT … SELECT). --scale
divides the member companies (default, as bench/indicators_scale.py: the values) or the territories (the lines of
the comparison: it grows with them, by nature).

Then every collective value is computed once (`collective_values_refresh`, timed: the rebuild that
`manage.py refresh_collective_values` does), and measured after one warm-up call, p50 / p95 / max over --runs calls:
`national_comparison(code=…, year=…)` (disclosure control, distribution, positions, national total) on codes of
every aggregation, and its number of queries. Target: p50 < 10 ms and growth ≤ ×1.5 from 1/10 to full data.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from bench.indicators_scale import (  # noqa: E402
    COMPANIES,
    INDICATORS,
    NATIONAL_CODES,
    TERRITORIES,
    TERRITORY_INDICATOR,
    THEMES,
    YEARS,
    admin_connect,
    generate,
    percentile,
)

TARGET_P50 = 0.010
TARGET_GROWTH = 1.5


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        db = f"SQLite {sqlite3.sqlite_version}"
    return (
        f"machine: {platform.platform()}, {cpu_name()}, {os.cpu_count()} CPU, Python {platform.python_version()}, {db}"
    )


def generate_sqlite(*, territories: int, companies: int) -> dict:
    """The PostgreSQL generator's data on SQLite: territories, themes, indicators (codes, types, aggregations),
    companies and memberships through bulk_create, the values by the same draw in SQL."""
    import datetime

    from django.db import connection

    from pacte.commitments.models import Theme
    from pacte.companies.models import Company, Membership, MembershipStatus
    from pacte.indicators.models import Indicator, IndicatorValue
    from pacte.territories.models import Territory

    Territory.objects.bulk_create(
        Territory(name=f"Territoire {n:03}", slug=f"territoire-{n:03}", region=f"Région {n % 13 + 1}")
        for n in range(1, territories + 1)
    )
    all_territories = list(Territory.objects.order_by("pk"))
    Theme.objects.bulk_create(
        Theme(territory=t, order=n, code=f"theme-{n}", name=f"Thématique {n}")
        for t in all_territories
        for n in range(1, THEMES + 1)
    )
    themes = {(th.territory_id, th.code): th for th in Theme.objects.all()}
    specs = [*INDICATORS, TERRITORY_INDICATOR]
    Indicator.objects.bulk_create(
        Indicator(
            territory=t,
            theme=themes[(t.pk, f"theme-{n % THEMES + 1}")],
            order=n,
            name=f"Indicateur {code}",
            code=code,
            value_type=vt,
            aggregation=agg,
            level="collective" if agg == "territory" else "both",
            source="territory" if agg == "territory" else "company",
        )
        for t in all_territories
        for n, (code, vt, agg, _kind, _miss) in enumerate(specs)
    )
    Company.objects.bulk_create(
        (
            Company(territory=t, order=n, name=f"Entreprise {t.pk}-{n}", siren=f"{t.pk * 10000 + n:09}")
            for t in all_territories
            for n in range(companies)
        ),
        batch_size=5000,
    )
    Membership.objects.bulk_create(
        (
            Membership(
                territory_id=t, company_id=c, status=MembershipStatus.ACTIVE, starts_on=datetime.date(2022, 1, 1)
            )
            for c, t in Company.objects.values_list("pk", "territory_id").iterator()
        ),
        batch_size=5000,
    )
    # The values, in SQL on SQLite's side (a materialised draw per row: random() evaluated once per column).
    spec_values = ", ".join(["(?, ?, ?)"] * len(INDICATORS))
    spec_params = [p for code, _vt, _agg, kind, miss in INDICATORS for p in (code, kind, miss)]
    now = datetime.datetime.now().isoformat(" ")
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the sqlite3 cursor: "?" placeholders, no Django debug wrapper
        for year in YEARS:
            raw.execute(
                f"""
                WITH s(code, kind, miss) AS (VALUES {spec_values}),
                drawn AS MATERIALIZED (
                    SELECT c.id AS company_id, c."order" AS company_order, i.id AS indicator_id, i.territory_id,
                           s.kind, s.miss, (random() & 268435455) / 268435456.0 AS r,
                           (random() & 268435455) / 268435456.0 AS r2, (random() & 268435455) / 268435456.0 AS r3
                    FROM governance_company c
                    JOIN indicators_indicator i ON i.territory_id = c.territory_id
                    JOIN s ON s.code = i.code
                ),
                v AS (
                    SELECT *, r < miss + (1 - miss) * 0.03 AS na,
                           r >= miss + (1 - miss) * 0.03 AND r < miss + (1 - miss) * 0.06 AS zero
                    FROM drawn WHERE r >= miss
                )
                INSERT INTO indicators_indicatorvalue (
                    "order", year, value, denominator, not_applicable, comment, proof, verification, public,
                    updated_at, company_id, indicator_id, territory_id)
                SELECT 0, ?,
                       CASE WHEN na THEN NULL
                            WHEN zero THEN 0
                            WHEN kind = 'count' THEN CAST(r2 * 50 AS INTEGER)
                            WHEN kind = 'amount' THEN round(r2 * 1e6, 2)
                            WHEN kind = 'dominant' THEN CASE WHEN company_order = 0 THEN 1e9
                                                             ELSE round(r2 * 1e5, 2) END
                            WHEN kind = 'bool' THEN r2 < 0.6
                            WHEN kind IN ('pct', 'ratio') THEN CAST((1 + CAST(r2 * 500 AS INTEGER)) * r3 AS INTEGER)
                            ELSE round(r2 * 10, 1) END,
                       CASE WHEN na OR kind NOT IN ('pct', 'ratio') THEN NULL
                            WHEN r3 < 0.01 THEN NULL
                            ELSE 1 + CAST(r2 * 500 AS INTEGER) END,
                       na, '', '', 'declared', 0, ?, company_id, indicator_id, territory_id
                FROM v ORDER BY company_id, indicator_id
                """,
                [*spec_params, year, now],
            )
            raw.execute(
                """
                INSERT INTO indicators_indicatorvalue (
                    "order", year, value, denominator, not_applicable, comment, proof, verification, public,
                    updated_at, company_id, indicator_id, territory_id)
                SELECT 0, ?, round(((random() & 268435455) / 268435456.0) * 500, 1), NULL, 0, '', '', 'public', 1,
                       ?, NULL, i.id, i.territory_id
                FROM indicators_indicator i WHERE i.aggregation = 'territory' ORDER BY i.id
                """,
                [year, now],
            )
    return {
        "indicators_indicatorvalue": IndicatorValue.objects.count(),
        "territories_territory": len(all_territories),
    }


def _text_defaults(cursor) -> None:
    """Columns added to the generated tables since bench/indicators_scale.py was written (e.g. a territory's
    department): an empty default for the NOT NULL text columns without one, so that its INSERTs still run."""
    cursor.execute(
        """
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND is_nullable = 'NO' AND column_default IS NULL
          AND data_type IN ('character varying', 'text')
          AND table_name IN ('territories_territory', 'commitments_theme', 'indicators_indicator',
                             'governance_company', 'governance_membership', 'indicators_indicatorvalue')
        """
    )
    for table, column in cursor.fetchall():
        cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET DEFAULT \'\'')


def timed(function, runs):
    function()  # warm-up
    timings = []
    for n in range(runs):
        start = time.perf_counter()
        function(n)
        timings.append(time.perf_counter() - start)
    return timings


def measure(runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pacte.indicators.collective import collective_values_refresh, national_comparison
    from pacte.indicators.models import CollectiveValue, Indicator

    start = time.perf_counter()
    written = collective_values_refresh(list(Indicator.objects.values_list("pk", flat=True)))
    rebuild = time.perf_counter() - start

    def national(n=0):
        return national_comparison(code=NATIONAL_CODES[n % len(NATIONAL_CODES)], year=YEARS[n % len(YEARS)])

    timings = timed(national, runs)
    with CaptureQueriesContext(connection) as queries:
        result = national_comparison(code="emplois", year=YEARS[-1])
    per_code = {}
    for code in NATIONAL_CODES:
        national_comparison(code=code, year=YEARS[-1])
        start = time.perf_counter()
        r = national_comparison(code=code, year=YEARS[-1])
        per_code[code] = (time.perf_counter() - start, len(r.lines), r.withheld)
    return {
        "rebuild": rebuild,
        "rows": written,
        "stored": CollectiveValue.objects.count(),
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "max": max(timings),
        "queries": len(queries),
        "lines": len(result.lines),
        "per_code": per_code,
    }


def one_scale(scale: float, args, vendor: str, base_url: str) -> dict:
    from django.core.management import call_command
    from django.db import connection

    territories, companies = TERRITORIES, COMPANIES
    if args.scale_by == "territories":
        territories = max(1, round(TERRITORIES * scale))
    else:
        companies = max(1, round(COMPANIES * scale))
    if vendor == "postgresql":
        name = f"pacte_national_{os.getpid()}_{str(scale).replace('.', '_')}"
        with admin_connect(base_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        connection.settings_dict["NAME"] = name
    else:
        handle, name = tempfile.mkstemp(prefix="pacte_national_", suffix=".sqlite3")
        os.close(handle)
        connection.close()
        connection.settings_dict["NAME"] = name
    try:
        print(
            f"\n== scale {scale}: {territories} territories × {companies} member companies × "
            f"{len(INDICATORS)} company indicators (+1 territory indicator) × {len(YEARS)} years"
        )
        call_command("migrate", verbosity=0, interactive=False)
        start = time.perf_counter()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                _text_defaults(cursor)
                counts = generate(cursor, territories=territories, companies=companies)
                cursor.execute("VACUUM ANALYZE")
        else:
            counts = generate_sqlite(territories=territories, companies=companies)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"generated: {counts['indicators_indicatorvalue']:,} values in {time.perf_counter() - start:.1f} s")
        result = measure(args.runs)
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE indicators_collectivevalue")
            result.update(measure_again(args.runs))
        result.update(scale=scale, territories=territories, values=counts["indicators_indicatorvalue"])
        print(
            f"collective values rebuilt: {result['stored']:,} rows in {result['rebuild']:.1f} s; "
            f"national_comparison ({len(NATIONAL_CODES)} codes × {len(YEARS)} years, {result['lines']} territories): "
            f"p50 {result['p50'] * 1000:.2f} ms, p95 {result['p95'] * 1000:.2f} ms, max {result['max'] * 1000:.2f} ms; "
            f"queries {result['queries']}"
        )
        print(
            "  per code ("
            + str(YEARS[-1])
            + "): "
            + ", ".join(
                f"{code} {t * 1000:.1f} ms ({n} territories, {w} withheld)"
                for code, (t, n, w) in result["per_code"].items()
            )
        )
        return result
    finally:
        connection.close()
        if vendor == "postgresql":
            with admin_connect(base_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            Path(name).unlink(missing_ok=True)


def measure_again(runs: int) -> dict:
    """After ANALYZE of the freshly written collective values (what autovacuum does on a live server)."""
    from pacte.indicators.collective import national_comparison

    def national(n=0):
        return national_comparison(code=NATIONAL_CODES[n % len(NATIONAL_CODES)], year=YEARS[n % len(YEARS)])

    timings = timed(national, runs)
    return {"p50": statistics.median(timings), "p95": percentile(timings, 0.95), "max": max(timings)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--scale-by",
        choices=["companies", "territories"],
        default="companies",
        help="the dimension divided by --scale: the member companies (the values) or the territories (the lines)",
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    vendor = "postgresql" if base_url.startswith(("postgres://", "postgresql://")) else "sqlite"
    if vendor == "sqlite":
        os.environ["DATABASE_URL"] = "sqlite:///" + str(Path(tempfile.gettempdir()) / "pacte_national_setup.sqlite3")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    import django

    django.setup()
    from django.db import connection

    print(machine(connection))
    results = [one_scale(scale, args, vendor, base_url) for scale in args.scale]
    growth = None
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["p50"] / first["p50"]
        print(
            f"\n== growth from scale {first['scale']} to {last['scale']} by {args.scale_by} ({first['territories']} → "
            f"{last['territories']} territories, values ×{last['values'] / first['values']:.1f}): "
            f"p50 {first['p50'] * 1000:.2f} → {last['p50'] * 1000:.2f} ms (×{growth:.2f}); "
            f"queries {first['queries']} → {last['queries']}"
        )
    verdict = all(r["p50"] < TARGET_P50 for r in results) and (growth is None or growth <= TARGET_GROWTH)
    print(f"\ntarget (p50 < {TARGET_P50 * 1000:.0f} ms, growth ≤ ×{TARGET_GROWTH}): {'met' if verdict else 'MISSED'}")
    connection.close()
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the territory's indicator dashboard and the national comparison on national-scale data (PostgreSQL).

    .venv/bin/python bench/indicators_scale.py [--scale 0.1 1] [--scale-by companies|territories] [--runs 20]
        [--keep] [--url postgres://postgres@127.0.0.1:5432/postgres]

For each scale, a throwaway PostgreSQL database is created next to --url (DATABASE_URL if it is a postgres:// URL),
migrated, filled in SQL on the server (INSERT … SELECT generate_series, never the ORM row by row), analysed, then
measured with the real selectors (pacte.indicators.selectors, through the Django ORM), and dropped (unless --keep).

Full scale (1): 183 territories × 300 member companies (Company + ACTIVE Membership, plus 10 % invited companies
without values) × 30 company indicators (shared codes across territories: sums of counts and amounts, yes/no
counts, ratios of sums as rates and percentages, medians of scores) × 4 years, about 6.3 million company values
once 5 % are left missing (plus 3 % "not applicable" rows and 3 % zeros), one indicator that almost nobody
answers (withheld: fewer than 3 companies), one dominated by a single company (withheld: more than 85 %), and one
territory-level indicator (the territory's own value). --scale 0.1 divides one dimension by 10: the member
companies per territory (default, --scale-by companies: 30 per territory, the dashboard reads 10× fewer values) or
the territories (--scale-by territories: 18 territories of 300 companies, the national comparison has 10× fewer
lines).

Measured (after one warm-up call), p50 / p95 / max over --runs calls:
- territory_dashboard(territory=…, years=[4 years]) on random territories, and its number of queries;
- national_values(code=…, year=…) on codes of every aggregation, and its number of queries.
Then the growth from the first scale to the last. Target: p50 < 100 ms each; the dashboard's queries constant.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_P50 = 0.100
TERRITORIES, COMPANIES, YEARS = 183, 300, [2022, 2023, 2024, 2025]
THEMES = 6

# (code, value type, aggregation, kind of generated values, share of companies leaving it missing)
INDICATORS = [
    ("emplois", "count", "sum", "count", 0.05),
    ("apprentis", "count", "sum", "count", 0.05),
    ("stagiaires", "count", "sum", "count", 0.05),
    ("embauches-locales", "count", "sum", "count", 0.05),
    ("heures-formation", "count", "sum", "count", 0.05),
    ("achats-locaux", "amount", "sum", "amount", 0.05),
    ("investissements", "amount", "sum", "amount", 0.05),
    ("dechets-tonnes", "amount", "sum", "amount", 0.05),
    ("export", "amount", "sum", "dominant", 0.05),  # one company weighs > 85 %: withheld
    ("brevets", "count", "sum", "count", 0.99),  # almost nobody answers: often fewer than 3 companies
    ("charte-rse", "boolean", "yes_count", "bool", 0.05),
    ("bilan-carbone", "boolean", "yes_count", "bool", 0.05),
    ("plan-mobilite", "boolean", "yes_count", "bool", 0.05),
    ("referent-handicap", "boolean", "yes_count", "bool", 0.05),
    ("accueil-scolaires", "boolean", "yes_count", "bool", 0.05),
    ("mecenat", "boolean", "yes_count", "bool", 0.05),
    ("clubs-entreprises", "boolean", "yes_count", "bool", 0.05),
    ("part-femmes", "percentage", "ratio_of_sums", "pct", 0.05),
    ("part-cdi", "percentage", "ratio_of_sums", "pct", 0.05),
    ("part-seniors", "percentage", "ratio_of_sums", "pct", 0.05),
    ("part-alternants", "percentage", "ratio_of_sums", "pct", 0.05),
    ("part-achats-locaux", "percentage", "ratio_of_sums", "pct", 0.05),
    ("intensite-energie", "ratio", "ratio_of_sums", "ratio", 0.05),
    ("intensite-eau", "ratio", "ratio_of_sums", "ratio", 0.05),
    ("accidents-frequence", "ratio", "ratio_of_sums", "ratio", 0.05),
    ("score-qvt", "score", "median", "score", 0.05),
    ("score-attractivite", "score", "median", "score", 0.05),
    ("score-cooperation", "score", "median", "score", 0.05),
    ("score-numerique", "score", "median", "score", 0.05),
    ("score-climat", "score", "median", "score", 0.05),
]
TERRITORY_INDICATOR = ("foncier-disponible", "amount", "territory", "territory", 0.0)
COVERING_INDEX = (
    "CREATE INDEX IF NOT EXISTS value_indicator_year_cover ON indicators_indicatorvalue (indicator_id, year) "
    "INCLUDE (company_id, value, denominator, not_applicable)"
)
NATIONAL_CODES = ["emplois", "export", "charte-rse", "part-femmes", "intensite-energie", "score-qvt", "brevets"]


def percentile(values, fraction):
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def admin_connect(url):
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=urllib.parse.unquote(parsed.username or "") or None,
        password=urllib.parse.unquote(parsed.password or "") or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def machine(cursor) -> str:
    cursor.execute("SHOW server_version")
    version = cursor.fetchone()[0]
    cursor.execute("SHOW shared_buffers")
    buffers = cursor.fetchone()[0]
    return (
        f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"PostgreSQL {version} (shared_buffers {buffers})"
    )


# --- generation, on the server ---------------------------------------------------------------------------------


def generate(cursor, *, territories: int, companies: int) -> dict:
    """Fills the migrated, empty database; returns the number of rows of each table."""
    invited = max(1, companies // 10)
    cursor.execute("SET session_replication_role = replica")  # no FK triggers while loading (checked below)
    cursor.execute("SET maintenance_work_mem = '256MB'")
    cursor.execute("SELECT setseed(0.42)")
    cursor.execute(
        """
        INSERT INTO territories_territory (name, slug, region, department, created_at)
        SELECT 'Territoire ' || lpad(n::text, 3, '0'), 'territoire-' || lpad(n::text, 3, '0'),
               'Région ' || (n %% 13 + 1), '', now()
        FROM generate_series(1, %s) n
        """,
        [territories],
    )
    cursor.execute(
        """
        INSERT INTO commitments_theme (territory_id, "order", code, name, short_name)
        SELECT t.id, n, 'theme-' || n, 'Thématique ' || n, ''
        FROM territories_territory t, generate_series(1, %s) n
        """,
        [THEMES],
    )
    specs = [*INDICATORS, TERRITORY_INDICATOR]
    spec_values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(specs))
    spec_params = [p for n, (code, vt, agg, kind, miss) in enumerate(specs) for p in (n, code, vt, agg, kind, miss)]
    cursor.execute(
        f"""
        INSERT INTO indicators_indicator (
            territory_id, "order", theme_id, name, code, definition, unit, value_type, level, aggregation, source,
            vsme_reference)
        SELECT t.id, s.n, th.id, 'Indicateur ' || s.code, s.code, '', '', s.value_type,
               CASE WHEN s.aggregation = 'territory' THEN 'collective' ELSE 'both' END, s.aggregation,
               CASE WHEN s.aggregation = 'territory' THEN 'territory' ELSE 'company' END, ''
        FROM territories_territory t
        CROSS JOIN (VALUES {spec_values}) s(n, code, value_type, aggregation, kind, miss)
        JOIN commitments_theme th ON th.territory_id = t.id AND th.code = 'theme-' || (s.n %% {THEMES} + 1)
        """,
        spec_params,
    )
    cursor.execute(
        """
        INSERT INTO governance_company (territory_id, "order", name, siren, size_class, sector, email)
        SELECT t.id, n - 1, 'Entreprise ' || t.id || '-' || n, lpad((t.id * 10000 + n)::text, 9, '0'), '', '', ''
        FROM territories_territory t, generate_series(1, %s) n
        ORDER BY t.id, n
        """,
        [companies + invited],
    )
    cursor.execute(
        """
        INSERT INTO governance_membership (territory_id, "order", company_id, status, starts_on)
        SELECT c.territory_id, 0, c.id, CASE WHEN c."order" < %s THEN 'active' ELSE 'invited' END,
               CASE WHEN c."order" < %s THEN DATE '2022-01-01' END
        FROM governance_company c ORDER BY c.id
        """,
        [companies, companies],
    )
    # The values: the indexes of the table are dropped during the load and built again after it.
    cursor.execute(
        """
        SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.conrelid = 'indicators_indicatorvalue'::regclass AND c.contype = 'u'
        """
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = 'indicators_indicatorvalue' AND i.indexname NOT LIKE '%%_pkey'
          AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'u')
        """
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE indicators_indicatorvalue DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    spec_values = ", ".join(["(%s, %s, %s)"] * len(INDICATORS))
    spec_params = [p for code, _vt, _agg, kind, miss in INDICATORS for p in (code, kind, miss)]
    for year in YEARS:  # one campaign a year, appended: each company enters its indicators
        cursor.execute(
            f"""
            INSERT INTO indicators_indicatorvalue (
                "order", year, value, denominator, not_applicable, comment, proof, verification, public, updated_at,
                company_id, indicator_id, territory_id)
            SELECT 0, %s,
                   CASE WHEN na THEN NULL
                        WHEN zero THEN 0
                        WHEN kind = 'count' THEN floor(r2 * 50)
                        WHEN kind = 'amount' THEN round((r2 * 1e6)::numeric, 2)
                        WHEN kind = 'dominant' THEN CASE WHEN company_order = 0 THEN 1e9
                                                         ELSE round((r2 * 1e5)::numeric, 2) END
                        WHEN kind = 'bool' THEN (r2 < 0.6)::int
                        WHEN kind IN ('pct', 'ratio') THEN floor((1 + floor(r2 * 500)) * r3)
                        ELSE round((r2 * 10)::numeric, 1) END,
                   CASE WHEN na OR kind NOT IN ('pct', 'ratio') THEN NULL
                        WHEN r3 < 0.01 THEN NULL  -- a numerator without its denominator
                        ELSE 1 + floor(r2 * 500) END,
                   na, '', '', 'declared', false, now(), company_id, indicator_id, territory_id
            FROM (
                SELECT *, r < miss + (1 - miss) * 0.03 AS na, r >= miss + (1 - miss) * 0.03 AND r < miss + (1 - miss) * 0.06 AS zero
                FROM (
                    SELECT c.id AS company_id, c."order" AS company_order, i.id AS indicator_id, i.territory_id,
                           s.kind, s.miss, random() AS r, random() AS r2, random() AS r3
                    FROM governance_company c
                    JOIN indicators_indicator i ON i.territory_id = c.territory_id
                    JOIN (VALUES {spec_values}) s(code, kind, miss) ON s.code = i.code
                    WHERE c."order" < %s
                    ORDER BY c.id, i.id
                    OFFSET 0
                ) drawn
                WHERE r >= miss
            ) v
            """,
            [year, *spec_params, companies],
        )
        cursor.execute(
            """
            INSERT INTO indicators_indicatorvalue (
                "order", year, value, denominator, not_applicable, comment, proof, verification, public, updated_at,
                company_id, indicator_id, territory_id)
            SELECT 0, %s, round((random() * 500)::numeric, 1), NULL, false, '', '', 'public', true, now(), NULL,
                   i.id, i.territory_id
            FROM indicators_indicator i WHERE i.aggregation = 'territory' ORDER BY i.id
            """,
            [year],
        )
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE indicators_indicatorvalue ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("RESET session_replication_role")
    # What the FK triggers would have checked, at once.
    cursor.execute(
        """
        SELECT count(*) FROM indicators_indicatorvalue v
        JOIN indicators_indicator i ON i.id = v.indicator_id
        LEFT JOIN governance_company c ON c.id = v.company_id
        WHERE i.territory_id <> v.territory_id OR (v.company_id IS NOT NULL AND c.territory_id IS DISTINCT FROM
              v.territory_id)
        """
    )
    assert cursor.fetchone()[0] == 0, "values outside their territory"
    counts = {}
    for table in (
        "territories_territory",
        "governance_company",
        "governance_membership",
        "indicators_indicator",
        "indicators_indicatorvalue",
    ):
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


# --- measures ---------------------------------------------------------------------------------------------------


def timed(function, runs):
    function()  # warm-up
    timings = []
    for n in range(runs):
        start = time.perf_counter()
        function(n)
        timings.append(time.perf_counter() - start)
    return timings


def summary(timings):
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "max": max(timings),
    }


def check_against_rows(territory, dashboard):
    """The dashboard's values are those of collective_value on the raw rows (the rules' single source)."""
    from pacte.indicators.aggregation import collective_value
    from pacte.indicators.models import Aggregation, IndicatorValue
    from pacte.indicators.selectors import member_count

    members = member_count(territory=territory)
    rows = {}
    for indicator_id, year, company_id, value, den, na in IndicatorValue.objects.filter(
        territory=territory, year__in=YEARS
    ).values_list("indicator_id", "year", "company_id", "value", "denominator", "not_applicable"):
        own = company_id is None
        rows.setdefault((indicator_id, year, own), []).append((value, den, na))
    checked = withheld = 0
    for line in dashboard:
        indicator = line["indicator"]
        for year, got in line["years"].items():
            own = indicator.aggregation == Aggregation.TERRITORY
            expected = collective_value(
                aggregation=indicator.aggregation,
                value_type=indicator.value_type,
                rows=rows.get((indicator.pk, year, own), []),
                members=members,
            )
            assert got == expected, (indicator.code, year, got, expected)
            checked += 1
            withheld += got.withheld
    return checked, withheld


def measure(*, runs: int, seed: int = 7) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pacte.indicators.selectors import national_values, territory_dashboard
    from pacte.territories.models import Territory

    rng = random.Random(seed)
    territories = list(Territory.objects.order_by("pk"))
    sample = rng.sample(territories, min(5, len(territories)))
    dashboard = timed(lambda n=0: territory_dashboard(territory=sample[n % len(sample)], years=YEARS), runs)
    query_counts = []
    for territory in sample:
        with CaptureQueriesContext(connection) as queries:
            result = territory_dashboard(territory=territory, years=YEARS)
        query_counts.append(len(queries))
    checked, withheld = check_against_rows(sample[0], territory_dashboard(territory=sample[0], years=YEARS))

    def national(n=0):
        return national_values(code=NATIONAL_CODES[n % len(NATIONAL_CODES)], year=YEARS[n % len(YEARS)])

    national_timings = timed(national, runs)
    per_code = {}
    for code in NATIONAL_CODES:
        national_values(code=code, year=YEARS[-1])
        start = time.perf_counter()
        lines = national_values(code=code, year=YEARS[-1])
        per_code[code] = (time.perf_counter() - start, len(lines), sum(c.withheld for _t, _n, c in lines))
    with CaptureQueriesContext(connection) as queries:
        national_values(code="emplois", year=YEARS[-1])
    return {
        "dashboard": summary(dashboard),
        "dashboard_queries": sorted(set(query_counts)),
        "dashboard_lines": len(result),
        "dashboard_checked": (checked, withheld),
        "national": summary(national_timings),
        "national_queries": len(queries),
        "national_per_code": per_code,
        "sample": [t.slug for t in sample],
    }


# --- one scale --------------------------------------------------------------------------------------------------


def one_scale(scale: float, args, base_url: str) -> dict:
    from django.core.management import call_command
    from django.db import connection

    territories, companies = TERRITORIES, COMPANIES
    if args.scale_by == "territories":
        territories = max(1, round(TERRITORIES * scale))
    else:
        companies = max(1, round(COMPANIES * scale))
    name = f"pacte_indicators_scale_{os.getpid()}_{str(scale).replace('.', '_')}"
    with admin_connect(base_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        print(
            f"\n== scale {scale}: {territories} territories × {companies} member companies × "
            f"{len(INDICATORS)} company indicators (+1 territory indicator) × {len(YEARS)} years — database {name}"
        )
        start = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrate_time = time.perf_counter() - start
        start = time.perf_counter()
        with connection.cursor() as cursor:
            counts = generate(cursor, territories=territories, companies=companies)
        load_time = time.perf_counter() - start
        start = time.perf_counter()
        with connection.cursor() as cursor:
            if args.covering_index:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                cursor.execute(COVERING_INDEX)
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('indicators_indicatorvalue'))")
            values_size = cursor.fetchone()[0]
        analyse_time = time.perf_counter() - start
        print(
            f"generated: {counts['indicators_indicatorvalue']:,} values, {counts['indicators_indicator']:,} "
            f"indicators, {counts['governance_company']:,} companies, {counts['governance_membership']:,} "
            f"memberships in {load_time:.1f} s (+ migrate {migrate_time:.1f} s, "
            f"{'covering index + ' if args.covering_index else ''}VACUUM ANALYZE {analyse_time:.1f} s); "
            f"database {size}, values table with its indexes {values_size}"
        )
        result = measure(runs=args.runs)
        result.update(scale=scale, values=counts["indicators_indicatorvalue"], generation=load_time)
        d, n = result["dashboard"], result["national"]
        print(
            f"territory_dashboard ({result['dashboard_lines']} indicators × {len(YEARS)} years, "
            f"{len(result['sample'])} random territories): p50 {d['p50'] * 1000:.1f} ms, p95 {d['p95'] * 1000:.1f} ms, "
            f"max {d['max'] * 1000:.1f} ms; queries {result['dashboard_queries']}; "
            f"checked against collective_value on the raw rows: {result['dashboard_checked'][0]} values "
            f"({result['dashboard_checked'][1]} withheld)"
        )
        print(
            f"national_values ({len(NATIONAL_CODES)} codes × years): p50 {n['p50'] * 1000:.1f} ms, "
            f"p95 {n['p95'] * 1000:.1f} ms, max {n['max'] * 1000:.1f} ms; queries {result['national_queries']}"
        )
        print(
            "  per code ("
            + str(YEARS[-1])
            + "): "
            + ", ".join(
                f"{code} {t * 1000:.0f} ms ({lines} territories, {withheld} withheld)"
                for code, (t, lines, withheld) in result["national_per_code"].items()
            )
        )
        return result
    finally:
        connection.close()
        if args.keep:
            print(
                f"kept: DATABASE_URL={urllib.parse.urlunsplit(urllib.parse.urlsplit(base_url)._replace(path='/' + name))}"
            )
        else:
            with admin_connect(base_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--scale-by", choices=["companies", "territories"], default="companies")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--covering-index",
        action="store_true",
        help=f"add the index proposed for the models ({COVERING_INDEX}) before measuring",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases (their URL is printed)")
    parser.add_argument("--url", default=None, help="a postgres:// URL of the server (its database is not touched)")
    args = parser.parse_args()

    base_url = args.url or os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES
    if not base_url.startswith(("postgres://", "postgresql://")):
        base_url = DEFAULT_POSTGRES
    # Django's settings point to a database of that server; each scale switches to its own throwaway database.
    os.environ["DATABASE_URL"] = base_url
    import django

    django.setup()
    from django.db import connection

    with admin_connect(base_url) as admin, admin.cursor() as cursor:
        print(machine(cursor))
    results = [one_scale(scale, args, base_url) for scale in args.scale]
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(
            f"\n== growth from scale {first['scale']} to {last['scale']} ({args.scale_by}), "
            f"values ×{last['values'] / first['values']:.1f}"
        )
        for key in ("dashboard", "national"):
            a, b = first[key], last[key]
            print(
                f"{key:9}: p50 {a['p50'] * 1000:.1f} → {b['p50'] * 1000:.1f} ms (×{b['p50'] / a['p50']:.2f}), "
                f"p95 {a['p95'] * 1000:.1f} → {b['p95'] * 1000:.1f} ms (×{b['p95'] / a['p95']:.2f})"
            )
        print(
            f"dashboard queries: {first['dashboard_queries']} → {last['dashboard_queries']}; "
            f"national queries: {first['national_queries']} → {last['national_queries']}"
        )
    verdict = (
        all(r["dashboard"]["p50"] < TARGET_P50 and r["national"]["p50"] < TARGET_P50 for r in results)
        and len({tuple(r["dashboard_queries"]) for r in results}) == 1
    )
    print(
        f"\ntarget (p50 < {TARGET_P50 * 1000:.0f} ms each, dashboard queries constant): "
        f"{'met' if verdict else 'MISSED'}"
    )
    connection.close()
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())

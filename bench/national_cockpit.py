"""Benchmark: ANCT's cockpit page (/national/) with 183 Territoires d'industrie on real EPCI.

    .venv/bin/python bench/national_cockpit.py [--territories 183] [--runs 15]

Runs on a throwaway database (Django's test database: SQLite in memory by default, or a `test_…` PostgreSQL
database with DATABASE_URL). Loads every EPCI and commune of France, sets up the territories with the bulk import
(bench/bulk_setup.py's generated file), adds the reference case (Rochefort, a published pact, interviews, workshops)
and the national demo's territories at other steps, then measures the whole page over HTTP as ANCT gets it (table,
step of every territory, map of France coloured by step), once the outlines are in the cache (the first drawing
computes and caches them: timed apart), as the median of several runs, and counts its queries; the same at a tenth
of the territories, to show the count does not grow.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bulk_setup import generated_file, machine, reference_data  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def measure(client, runs: int, url: str = "/national/") -> tuple[float, int, int]:
    """Median wall-clock time of the page, its queries, its rows; and the median CPU time of this process (the
    machine may be shared: with SQLite, in-process, the CPU time is the page's cost without the waiting)."""
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200
    measure.cpu = statistics.median(cpu)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    rows = response.content.decode().count("<tr data-territory=")
    return statistics.median(timings), len(queries.captured_queries), rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--territories", type=int, default=183)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.contrib.auth import get_user_model

        from pacte.national.demo import national_demo_load
        from pacte.national.importing import territories_file_parse, territories_import_apply
        from pacte.replication.services import reference_case_load
        from pacte.roadmap.national import territories_progress
        from pacte.territories.models import Territory

        print(machine())
        print(f"database: {connection.vendor}")
        print(f"reference data: {reference_data():.1f} s")
        user = get_user_model().objects.create_superuser("anct", password=None)
        client = Client()
        client.force_login(user)

        reference_case_load()
        national_demo_load()
        small = max(1, args.territories // 10) - Territory.objects.count()
        content = generated_file(args.territories)
        lines = content.split(b"\r\n")
        header, body = lines[0], [line for line in lines[1:] if line]
        first = b"\r\n".join([header, *body[: max(small, 0)]])
        territories_import_apply(
            parsed=territories_file_parse(filename="a.csv", content=first), actor=user, base_url="https://x/"
        )
        started = time.perf_counter()
        client.get("/national/")
        cold = time.perf_counter() - started
        p50_small, queries_small, rows_small = measure(client, args.runs)
        cpu_small = measure.cpu

        rest = b"\r\n".join([header, *body[max(small, 0) :]])
        territories_import_apply(
            parsed=territories_file_parse(filename="b.csv", content=rest), actor=user, base_url="https://x/"
        )
        client.get("/national/")  # the new EPCI's outlines into the cache
        p50, queries, rows = measure(client, args.runs)
        cpu = measure.cpu
        started = time.perf_counter()
        progress = territories_progress()
        batched = time.perf_counter() - started
        steps = sorted({p.step_reached for p in progress})

        print(f"first drawing (départements of France and EPCI outlines computed and cached): {cold:.1f} s")
        print(
            f"{rows_small} territories: cockpit page p50 {p50_small * 1000:.0f} ms "
            f"(CPU {cpu_small * 1000:.0f} ms), {queries_small} queries"
        )
        print(
            f"{rows} territories: cockpit page p50 {p50 * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms), {queries} queries "
            f"(median of {args.runs})"
        )
        print(f"load average: {os.getloadavg()[0]:.1f}")
        print(
            f"  of which the steps of every territory (roadmap, batched): {batched * 1000:.0f} ms; steps seen {steps}"
        )
        print(
            "target: p50 < 150 ms —",
            "OK" if p50 < 0.150 else "MISSED",
            "; constant queries —",
            "OK" if queries == queries_small else "MISSED",
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""Benchmark: the key figures of a territory with 5,000 establishments in its register (target < 200 ms).

    .venv/bin/python bench/sirene_key_figures.py [--establishments 5000] [--runs 20]

Runs on Django's test database (SQLite in memory by default; with DATABASE_URL set to PostgreSQL, a `test_…`
database created and dropped here): a territory, its register imported from a synthetic stock (the import's own
code), then `sirene.key_figures()` timed, median of the runs, with its query count.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--establishments", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from pacte.companies import sirene
        from pacte.companies.models import Establishment
        from pacte.companies.synthetic import write_stock
        from pacte.territories.models import Commune, Intercommunality, Territory

        epci = Intercommunality.objects.create(siren="200000000", name="CA du banc d'essai", kind="CA")
        codes = [f"17{n:03d}" for n in range(1, 200, 2)]
        Commune.objects.bulk_create(Commune(insee_code=c, name=f"Commune {c}", intercommunality=epci) for c in codes)
        territory = Territory.objects.create(name="Banc d'essai", slug="banc-d-essai")
        territory.intercommunalities.add(epci)
        with tempfile.TemporaryDirectory() as directory:
            etab, units = write_stock(directory, rows=args.establishments, communes=codes, local_share=1.0)
            start = time.perf_counter()
            sirene.sirene_import(territory=territory, establishments_path=str(etab), units_path=str(units))
            imported = time.perf_counter() - start
        count = Establishment.objects.for_territory(territory).count()
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                figures = sirene.key_figures(territory=territory)
            timings.append((time.perf_counter() - start) * 1000)
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
        print(f"database: {connection.vendor}; {count} establishments imported in {imported:.2f} s")
        print(f"key figures: median {statistics.median(timings):.1f} ms over {args.runs} runs, {len(queries)} queries")
        print(f"  {figures}")
        print("target < 200 ms:", "OK" if statistics.median(timings) < 200 else "MISSED")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

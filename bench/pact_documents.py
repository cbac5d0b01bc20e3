"""Benchmark: the Rochefort pact's documents (PDF; PPTX), built from the pact document of the reference case.

    .venv/bin/python bench/pact_documents.py [--runs 5] [--write-pdf /tmp/pacte.pdf]

Runs on a throwaway database (Django's test database: SQLite in memory by default; with DATABASE_URL set to
PostgreSQL, a `test_…` database created and dropped by this script): loads the reference data of the 4 EPCI of
Rochefort-Royan-Marennes-Oléron and the reference case, builds the pact document (timed), then each format
(median of several runs). Targets (issue #5): PDF under 3 s, PPTX under 1 s.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from pact_pdf import bench_pdf  # noqa: E402
from pact_pptx import bench_pptx  # noqa: E402

ROCHEFORT_SIRENS = {"200041762", "241700640", "241700624", "241700699"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write-pdf", help="also write the PDF to this path")
    parser.add_argument("--write-json", help="also write the pact document (JSON) to this path")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from pacte.publications.document import pact_document
        from pacte.replication.services import reference_case_load
        from pacte.territories.services import reference_data_populate

        reference_data_populate(sirens=ROCHEFORT_SIRENS, geometry_for=ROCHEFORT_SIRENS)
        territory = reference_case_load()
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            document = pact_document(territory)
            timings.append(time.perf_counter() - start)
        build = statistics.median(timings)

        if args.write_json:
            Path(args.write_json).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
        print(f"database: {connection.vendor}; median of {args.runs} runs\n")
        commitments = sum(len(t["commitments"]) for t in document["themes"])
        print(f"document  {build:6.3f} s  ({len(document['themes'])} themes, {commitments} commitments)")

        pdf = bench_pdf(document, runs=args.runs)
        verdict = "OK" if pdf["median_s"] < 3 else "OVER TARGET"
        print(
            f"PDF       {pdf['median_s']:6.3f} s  (min {pdf['min_s']:.3f}, max {pdf['max_s']:.3f}; "
            f"{pdf['pages']} pages, {pdf['bytes'] / 1024:.0f} KiB) target < 3 s: {verdict}"
        )
        if args.write_pdf:
            Path(args.write_pdf).write_bytes(pdf["pdf"])
        pptx = bench_pptx(document, runs=args.runs)
        verdict = "OK" if pptx["median_s"] < 1 else "OVER TARGET"
        print(
            f"PPTX      {pptx['median_s']:6.3f} s  (min {pptx['min_s']:.3f}; {pptx['slides']} slides, "
            f"{pptx['bytes'] / 1024:.0f} KiB) target < 1 s: {verdict}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

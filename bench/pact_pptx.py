"""Benchmark: the full Rochefort pact as an editable PowerPoint file (issue #5 target: under 1 s).

    .venv/bin/python bench/pact_pptx.py [--runs 5]

`bench_pptx(document)` times pact_pptx() on a pact document (median of 5 runs); bench/pact_documents.py
calls it. Run as a script, it sets up a throwaway database (Django's test database: SQLite in memory by
default), loads the reference data of the four Rochefort intercommunalities and the reference case, and times
the file of the published version.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path


def bench_pptx(document: dict, *, runs: int = 5) -> dict:
    """Median time of pact_pptx(document) over `runs` runs, with the size and slide count of the file."""
    import io

    from pptx import Presentation

    from pacte.publications.slides import pact_pptx

    timings, content = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        content = pact_pptx(document)
        timings.append(time.perf_counter() - start)
    return {
        "name": "pptx",
        "median_s": statistics.median(timings),
        "min_s": min(timings),
        "runs": runs,
        "bytes": len(content),
        "slides": len(Presentation(io.BytesIO(content)).slides),
        "target_s": 1.0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import translation

    setup_test_environment()
    translation.activate("fr")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from pacte.publications.models import PactVersion
        from pacte.replication.services import reference_case_load
        from pacte.territories.services import reference_data_populate

        sirens = {"200041762", "241700640", "241700624", "241700699"}
        reference_data_populate(sirens=sirens, geometry_for=sirens)
        territory = reference_case_load()
        document = PactVersion.objects.for_territory(territory).order_by("-number").first().content
        result = bench_pptx(document, runs=args.runs)
        print(f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
        print(
            f"PPTX {territory.name}: median {result['median_s']:.3f} s (min {result['min_s']:.3f} s) over "
            f"{result['runs']} runs, {result['slides']} slides, {result['bytes'] / 1024:.0f} KiB "
            f"(target < {result['target_s']:.0f} s)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

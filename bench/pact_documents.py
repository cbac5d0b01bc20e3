"""Benchmark: the Rochefort pact's documents (PDF; PPTX), built from the pact document of the reference case,
then served: a published version's stored documents vs their generation, and its public page cached vs not.

    .venv/bin/python bench/pact_documents.py [--runs 5] [--serve-runs 50] [--redis redis://127.0.0.1:6379/13]
        [--write-pdf /tmp/pacte.pdf]

Runs on a throwaway database (Django's test database: SQLite in memory by default; with DATABASE_URL set to
PostgreSQL, a `test_…` database created and dropped by this script): loads the reference data of the 4 EPCI of
Rochefort-Royan-Marennes-Oléron and the reference case, builds the pact document (timed), then each format
(median of several runs). Targets (issue #5): PDF under 3 s, PPTX under 1 s.

Serving (issue #13), through the real views and middleware with Django's test client (in process, no network;
wall and CPU time per request, medians), as an anonymous visitor:
- /territoires/<slug>/pacte.pdf and .pptx of the published version: generated (the stored document deleted
  before each request: what every download cost before), stored (200 with the bytes), and 304 (If-None-Match);
- the public page /territoires/<slug>/: uncached (its cache entry deleted before each request) vs cached,
  with the number of queries of each. The cache is local memory unless --redis is given.
"""

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("STATIC_MANIFEST", "0")  # the page renders without collectstatic
if "--redis" in sys.argv:
    os.environ["REDIS_URL"] = sys.argv[sys.argv.index("--redis") + 1]
else:
    os.environ.setdefault("CACHE", "locmem")

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
    parser.add_argument("--serve-runs", type=int, default=50, help="requests per served measurement")
    parser.add_argument("--redis", help="measure the page cache on this Redis (a db of your own), not local memory")
    parser.add_argument("--write-pdf", help="also write the PDF to this path")
    parser.add_argument("--write-json", help="also write the pact document (JSON) to this path")
    args = parser.parse_args()

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # one line per embedded font otherwise
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
        bench_serving(territory, runs=args.runs, serve_runs=args.serve_runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _timed(request, runs: int, before=None) -> dict:
    """Median wall and CPU seconds of `request()` over `runs` calls (`before()` untimed before each)."""
    walls, cpus, response = [], [], None
    for _ in range(runs):
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        response = request()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "response": response}


def _line(label: str, figures: dict, extra: str = "") -> None:
    print(f"{label:<34} {figures['wall'] * 1000:9.2f} ms  (CPU {figures['cpu'] * 1000:8.2f} ms){extra}")


def bench_serving(territory, *, runs: int, serve_runs: int) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from pacte.publications.models import PactDocument
    from pacte.publications.page_cache import public_page_cache_key

    logging.getLogger("pacte.request").setLevel(logging.WARNING)  # one line per request otherwise
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed here
    client = Client()
    print(
        f"\nserved to an anonymous visitor (test client, in process; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]})"
    )
    for kind in ("pdf", "pptx"):
        url = reverse(f"documents:{kind}", args=[territory.slug])

        def forget(kind=kind):
            PactDocument.objects.filter(version__territory=territory, kind=kind).delete()

        generated = _timed(lambda url=url: client.get(url), runs, before=forget)
        stored = _timed(lambda url=url: client.get(url), serve_runs)
        etag = stored["response"]["ETag"]
        not_modified = _timed(lambda url=url, etag=etag: client.get(url, headers={"if-none-match": etag}), serve_runs)
        assert generated["response"].status_code == stored["response"].status_code == 200
        assert not_modified["response"].status_code == 304
        size = len(stored["response"].content) / 1024
        _line(f"{kind.upper()} generated at each download", generated, f"  {size:.0f} KiB")
        _line(f"{kind.upper()} stored (200)", stored, f"  ×{generated['wall'] / stored['wall']:.0f} faster")
        _line(f"{kind.upper()} stored, 304 If-None-Match", not_modified)

    url = reverse("public:pact", args=[territory.slug])
    key_request = client.get(url).wsgi_request  # a request like the visitor's, to name its cache key
    key = public_page_cache_key(key_request, territory)
    uncached = _timed(lambda: client.get(url), serve_runs, before=lambda: cache.delete(key))
    cache.delete(key)
    with CaptureQueriesContext(django_connection()) as first:
        client.get(url)
    uncached_queries = len(first.captured_queries)  # read now: the next request empties the log
    cached = _timed(lambda: client.get(url), serve_runs)
    with CaptureQueriesContext(django_connection()) as hit:
        client.get(url)
    assert uncached["response"].content == cached["response"].content
    cache.delete(key)  # leave nothing behind in a shared cache
    _line("public page, uncached", uncached, f"  {uncached_queries} queries")
    _line(
        "public page, cached",
        cached,
        f"  {len(hit.captured_queries)} queries, ×{uncached['wall'] / cached['wall']:.1f} faster",
    )


def django_connection():
    from django.db import connection

    return connection


if __name__ == "__main__":
    main()

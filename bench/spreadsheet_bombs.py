"""Benchmark: hostile spreadsheets refused by the tracking-file import, in time and memory.

    .venv/bin/python bench/spreadsheet_bombs.py [--runs 3]

Builds the bomb corpus of tests/test_spreadsheet_bombs.py (a 4 KB sheet claiming A1:XFD1048576, a ~100 MB zip bomb,
too many zip entries, 50,001 rows, a value beyond column 100, a 10,001-character cell, a non-zip .xlsx, an old
.xls, a nested archive, a row numbered 99,999,999, a DTD, CSV bombs: a 4 MB line of delimiters, a 200,000-character
field, 50,001 rows, 5 million blank lines), plus a shared-strings part at its size cap (16 MB, 800,000 strings no cell uses), and, for each, reads it as the upload does (tracking_file_parse, no
database needed), measuring the median time and the peak memory growth (tracemalloc: Python allocations, which is
what openpyxl and the csv module use). Targets: < 1 s and < 100 MB for each bomb.
"""

import argparse
import io
import os
import platform
import statistics
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from pacte.stakeholders.tracking_file import TrackingFileError, tracking_file_parse  # noqa: E402
from tests import test_spreadsheet_bombs as corpus  # noqa: E402

SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def shared_strings_at_the_cap():
    """A shared-strings part just under its cap (16 MB), which openpyxl loads whole: about 800,000 distinct
    strings, none used by the sheet (the worst case for memory among files that pass the archive checks)."""
    with zipfile.ZipFile(io.BytesIO(corpus.BASE)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS}"/></Types>'.encode()
    )
    items, size, i = [], 200, 0
    while size < 16 * 2**20 - 100:
        item = f"<si><t>{i:x}</t></si>".encode()
        items.append(item)
        size += len(item)
        i += 1
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{corpus.NS}" count="{i}" uniqueCount="{i}">'.encode()
        + b"".join(items[:-1])
        + b"</sst>"
    )
    return corpus.rezip(corpus.BASE, replace={"[Content_Types].xml": types}, add=[("xl/sharedStrings.xml", xml)])


BOMBS = [(label, filename, build) for label, filename, build, _message in corpus.BOMBS]
BOMBS.insert(0, ("claimed A1:XFD1048576 (read)", "b.xlsx", corpus.claimed_huge_dimension))
BOMBS.append(("800,000 unused shared strings", "b.xlsx", shared_strings_at_the_cap))


def read(filename, content) -> str:
    try:
        parsed = tracking_file_parse(filename=filename, content=content)
        return f"read: {len(parsed.rows)} row(s)"
    except TrackingFileError as error:
        return str(error)


def elapsed(filename, content) -> float:
    start = time.perf_counter()
    read(filename, content)
    return time.perf_counter() - start


def memory_growth(filename, content) -> tuple[int, str]:
    """Peak growth of Python allocations while reading (a separate run: tracing slows the code down)."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    outcome = read(filename, content)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
    print(f"time: median of {args.runs} runs; memory: peak growth of Python allocations (tracemalloc, one more run)\n")
    print(f"{'bomb':30} {'file':>9} {'time':>8} {'memory':>9}  outcome")
    worst_time, worst_memory = 0.0, 0
    for label, filename, build in BOMBS:
        content = build()
        seconds = statistics.median(elapsed(filename, content) for _ in range(args.runs))
        peak, outcome = memory_growth(filename, content)
        worst_time, worst_memory = max(worst_time, seconds), max(worst_memory, peak)
        print(
            f"{label:30} {len(content) / 1024:7.0f} K {seconds:6.3f} s {peak / 2**20:6.1f} MB  "
            f"{outcome[:90]}{'…' if len(outcome) > 90 else ''}"
        )
    verdict = "OK" if worst_time < 1 and worst_memory < 100 * 2**20 else "OVER TARGET"
    print(f"\nworst: {worst_time:.3f} s, {worst_memory / 2**20:.1f} MB (targets < 1 s, < 100 MB): {verdict}")


if __name__ == "__main__":
    main()

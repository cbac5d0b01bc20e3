"""Benchmark: filter a national-size SIRENE establishment stock to one territory, streamed.

    nice -n 19 .venv/bin/python bench/sirene_filter.py [--rows 10000000] [--format csv|zip|parquet] [--keep]

Writes a synthetic StockEtablissement (INSEE's 53 columns, about 215 bytes a row in CSV: 10 million rows are
about 2.1 GB) in /tmp, then filters it to one territory (100 communes) with the import's own reader
(pacte.companies.sirene.read_establishments: pyarrow's streaming CSV reader, 15 of the 53 columns, each batch
filtered with pyarrow.compute.is_in; only the kept rows become Python objects). The filter runs in a child
process so that its peak memory is its own (VmHWM of the child: ru_maxrss would count the forking parent's pages). Targets: < 60 s and < 1 GB. The file is
deleted at the end unless --keep.
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COMMUNES = [f"17{n:03d}" for n in range(1, 500, 5)]  # 100 communes of one département


def filter_only(path: str) -> None:
    from pacte.companies.sirene import read_establishments

    start = time.perf_counter()
    result = read_establishments(path, set(COMMUNES))
    seconds = time.perf_counter() - start
    print(f"{result.rows_read} {len(result.rows)} {seconds:.2f} {_peak_mb():.0f}")


def _peak_mb() -> float:
    """This process's peak memory: VmHWM (reset by exec, unlike ru_maxrss which keeps the forking parent's)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--format", default="csv", choices=["csv", "zip", "parquet"])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--filter", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if args.filter:
        filter_only(args.filter)
        return
    from pacte.companies.synthetic import write_stock

    directory = Path(tempfile.mkdtemp(prefix="sirene-bench-"))
    try:
        start = time.perf_counter()
        etab, _units = write_stock(
            directory, rows=args.rows, communes=COMMUNES, local_share=0.003, fmt=args.format, with_units=False
        )
        written = time.perf_counter() - start
        size = etab.stat().st_size
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
        print(f"stock written: {args.rows:,} rows, {size / 1e9:.2f} GB ({args.format}) in {written:.1f} s")
        child = subprocess.run(
            [sys.executable, __file__, "--filter", str(etab)], capture_output=True, text=True, check=True
        )
        rows_read, kept, seconds, peak = child.stdout.split()[-4:]
        peak = float(peak)
        print(f"filtered: {int(rows_read):,} rows read, {int(kept):,} kept, {float(seconds):.1f} s, peak {peak:.0f} MB")
        print("target: < 60 s and < 1024 MB:", "OK" if float(seconds) < 60 and peak < 1024 else "MISSED")
    finally:
        if not args.keep:
            for path in directory.iterdir():
                path.unlink()
            directory.rmdir()


if __name__ == "__main__":
    main()

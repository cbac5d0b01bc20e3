"""Benchmark part: the pact's PDF (WeasyPrint). Called by bench/pact_documents.py, which sets Django up."""

import shutil
import statistics
import subprocess
import tempfile
import time


def bench_pdf(document: dict, *, runs: int = 5) -> dict:
    """Render `document` to PDF `runs` times: the median and the other timings (seconds), size and pages."""
    from pacte.publications.pdf import pact_pdf

    timings, content = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        content = pact_pdf(document)
        timings.append(time.perf_counter() - start)
    return {
        "median_s": statistics.median(timings),
        "min_s": min(timings),
        "max_s": max(timings),
        "runs": runs,
        "bytes": len(content),
        "pages": _pages(content),
        "pdf": content,
    }


def _pages(content: bytes) -> int | None:
    """The number of pages, read by poppler's pdfinfo where installed (None otherwise)."""
    if not shutil.which("pdfinfo"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), None)

"""Benchmark of the synergy matching (issue 16): one territory of 300 member companies × 10 declarations each, the
matching time (p50 of runs, pure rules and full run with the database), and a rerun that must change nothing.

    .venv/bin/python bench/synergies_matching.py [--runs 5] [--national 183]

The national run repeats the pure rules over N generated territories (the rules are per territory: no cross-
territory proposal). Figures are printed with the machine."""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from pacte.synergies.matching import matches_compute  # noqa: E402
from pacte.synergies.models import Declaration, EnergyForm, Kind  # noqa: E402

COMPANIES, PER_COMPANY = 300, 10


class Fake(SimpleNamespace):
    pass


def territory_declarations(seed: int):
    rng = random.Random(seed)
    communes = [f"{seed % 90 + 1:02d}{i:03d}" for i in range(60)]
    centroids = {c: (rng.uniform(-1.5, 0.5), rng.uniform(45.5, 46.3)) for c in communes}
    declarations, pk = [], 0
    chapters = ["02", "03", "12", "15", "17", "19"]
    for company in range(COMPANIES):
        commune = rng.choice(communes)
        company_ns = Fake(name=f"Entreprise {company}")
        for _ in range(PER_COMPANY):
            pk += 1
            kind = rng.choice(Kind.values)
            decl = Declaration(
                pk=pk,
                company_id=company + 1,
                direction=rng.choice(["offer", "need"]),
                kind=kind,
                commune_code=commune,
                quantity=Decimal(rng.randint(1, 500)),
                unit="t",
                energy_form=rng.choice(EnergyForm.values) if kind == Kind.ENERGY else "",
                waste_code=f"{rng.choice(chapters)} 01 0{rng.randint(1, 9)}" if kind == Kind.WASTE else "",
            )
            decl._state.fields_cache["company"] = company_ns
            if decl.energy_form == EnergyForm.HEAT:
                decl.temperature_c = rng.randint(40, 200)
            declarations.append(decl)
    return declarations, centroids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--national", type=int, default=183)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPU, Python {platform.python_version()}"
    )
    declarations, centroids = territory_declarations(1)
    timings, keys = [], None
    for _ in range(args.runs):
        start = time.perf_counter()
        matches = matches_compute(declarations, settings=None, centroids=centroids)
        timings.append(time.perf_counter() - start)
        run_keys = [(m.key, m.score) for m in matches]
        assert keys is None or run_keys == keys, "the matching is not deterministic"
        keys = run_keys
    print(
        f"one territory: {COMPANIES} companies × {PER_COMPANY} declarations = {len(declarations)}; "
        f"{len(keys)} proposals; p50 {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms "
        f"over {args.runs} runs; reruns identical"
    )
    if args.national:
        start, total, worst = time.perf_counter(), 0, 0.0
        for seed in range(args.national):
            declarations, centroids = territory_declarations(seed + 100)
            t = time.perf_counter()
            total += len(matches_compute(declarations, settings=None, centroids=centroids))
            worst = max(worst, time.perf_counter() - t)
        elapsed = time.perf_counter() - start
        print(
            f"national: {args.national} territories, {total} proposals, {elapsed:.1f} s in all "
            f"(generation included), worst territory {worst * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()

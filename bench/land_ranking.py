"""Benchmark: the land committee's aggregation and ranking, then the 10,000-draw stability analysis.

    .venv/bin/python bench/land_ranking.py [--applications 200] [--criteria 25] [--members 10] [--draws 10000]
                                           [--runs 7] [--no-db]

Generates 200 applications × 25 criteria × 10 members (scores 0–5, a few eliminatory criteria, a few declared
conflicts of interest) and measures, as the median of several runs:

- `pacte.land.scoring.ranking` (aggregation, eliminatory criteria, weighted mean, ranking);
- `pacte.land.scoring.stability` with 10,000 draws of the weights (±20 %);
- both together (the figure to keep under 2 s);
- when `pacte.land.selectors.call_ranking(call)` exists: the same data written to a throwaway database (Django's
  test database, SQLite in memory by default, as bench/tracking_import.py does) and `call_ranking` timed on it.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import numpy as np  # noqa: E402

from pacte.land.scoring import CriterionRule, ranking, stability  # noqa: E402

TARGET = 2.0  # seconds, for ranking + stability


def generate(*, applications: int, criteria: int, members: int, seed: int = 1):
    """(application ids, criterion rules, scores, conflicts): most applications decent, some weak."""
    rng = random.Random(seed)
    rules = []
    for c in range(1, criteria + 1):
        eliminatory = c % 8 == 0  # 3 eliminatory criteria out of 25
        rules.append(
            CriterionRule(
                c, weight=rng.choice([1, 1, 2, 2, 3, 4]), eliminatory=eliminatory, threshold=2 if eliminatory else None
            )
        )
    application_ids = list(range(1, applications + 1))
    conflicts = set()
    for member in range(1, members + 1):
        for application in rng.sample(application_ids, 2):  # each member declares two conflicts
            conflicts.add((member, application))
    scores = []
    for application in application_ids:
        quality = rng.uniform(1.5, 4.5)  # the application's level; members scatter around it
        for member in range(1, members + 1):
            for rule in rules:
                value = min(5, max(0, round(rng.gauss(quality, 1.0))))
                scores.append((member, application, rule.id, value))
    return application_ids, rules, scores, conflicts


def median_time(function, runs: int) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def machine() -> str:
    return (
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPU, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def pure(args, data):
    application_ids, rules, scores, conflicts = data

    def rank():
        return ranking(applications=application_ids, criteria=rules, scores=scores, conflicts=conflicts)

    def draws(results):
        stability(results=results, criteria=rules, draws=args.draws)
        return results

    def both():
        return draws(rank())

    rank_time, results = median_time(rank, args.runs)
    stability_time, _ = median_time(lambda: draws(results), args.runs)
    total_time, results = median_time(both, args.runs)
    ranked = [r for r in results if r.rank is not None]
    eliminated = sum(r.eliminated for r in results)
    print(
        f"ranking {rank_time:6.3f} s | stability ({args.draws} draws) {stability_time:6.3f} s | "
        f"ranking + stability {total_time:6.3f} s (target < {TARGET:.0f} s: {'OK' if total_time < TARGET else 'MISSED'})"
    )
    print(
        f"     {len(ranked)} ranked, {eliminated} eliminated; stability of the first: {ranked[0].stability:.3f}, "
        f"median stability {statistics.median(r.stability for r in ranked):.3f}"
    )
    return total_time


def database(args, data):
    """Time `call_ranking(call)` on the same data in a throwaway database, when it exists."""
    import django

    django.setup()
    try:
        from pacte.land.selectors import call_ranking
    except ImportError:
        print("database: pacte.land.selectors.call_ranking does not exist (yet): skipped")
        return
    import datetime

    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from stdnum.fr import siren

        from pacte.land import models as land
        from pacte.territories.models import Commune, Territory

        application_ids, rules, scores, conflicts = data
        territory = Territory.objects.create(name="Banc d'essai", slug="banc-essai")
        commune = Commune.objects.create(insee_code="99999", name="Commune du banc")
        parcel = land.Parcel.objects.create(territory=territory, name="Parcelle", area_ha=20, commune=commune)
        call = land.LandCall.objects.create(
            territory=territory,
            title="Appel du banc d'essai",
            opens_on=datetime.date(2025, 1, 1),
            closes_on=datetime.date(2025, 3, 1),
            status=land.CallStatus.CLOSED,
        )
        call.parcels.add(parcel)
        criteria = {
            r.id: land.Criterion(
                territory=territory,
                call=call,
                name=f"Critère {r.id}",
                weight=r.weight,
                levels=[f"Niveau {n}" for n in range(6)],
                eliminatory=r.eliminatory,
                threshold=r.threshold,
                order=r.id,
            )
            for r in rules
        }
        land.Criterion.objects.bulk_create(criteria.values())
        applications = {}
        for a in application_ids:
            base = f"{100_000_000 + a:09d}"[:8]
            applications[a] = land.Application(
                territory=territory,
                call=call,
                company_name=f"Entreprise {a}",
                siren=base + siren.luhn.calc_check_digit(base),
                contact_email=f"contact{a}@example.org",
                project="Projet",
                surface_ha=2,
                status=land.ApplicationStatus.COMPLETE,
            )
        land.Application.objects.bulk_create(applications.values())
        members = {
            m: land.CommitteeMember(territory=territory, call=call, name=f"Membre {m}") for m in {s[0] for s in scores}
        }
        land.CommitteeMember.objects.bulk_create(members.values())
        land.ConflictOfInterest.objects.bulk_create(
            land.ConflictOfInterest(territory=territory, member=members[m], application=applications[a], reason="Lien")
            for m, a in conflicts
        )
        land.Score.objects.bulk_create(
            (
                land.Score(
                    territory=territory,
                    member=members[m],
                    application=applications[a],
                    criterion=criteria[c],
                    value=v,
                )
                for m, a, c, v in scores
            ),
            batch_size=5000,
        )
        db_time, _ = median_time(lambda: call_ranking(call), args.runs)
        print(
            f"database: {connection.vendor}; call_ranking(call) on {land.Score.objects.count()} scores "
            f"{db_time:6.3f} s (median of {args.runs})"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--criteria", type=int, default=25)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-db", action="store_true", help="skip the database path")
    args = parser.parse_args()

    data = generate(applications=args.applications, criteria=args.criteria, members=args.members)
    print(machine())
    print(
        f"data: {args.applications} applications × {args.criteria} criteria × {args.members} members = "
        f"{len(data[2])} scores, {sum(r.eliminatory for r in data[1])} eliminatory criteria, "
        f"{len(data[3])} conflicts; median of {args.runs} runs\n"
    )
    pure(args, data)
    if not args.no_db:
        database(args, data)


if __name__ == "__main__":
    main()

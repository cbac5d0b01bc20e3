"""Benchmark: ANCT's bulk set-up of 183 Territoires d'industrie from one file (real EPCI of the reference data).

    .venv/bin/python bench/bulk_setup.py [--territories 183]

Runs on a throwaway database (Django's test database: SQLite in memory by default, or a `test_…` PostgreSQL
database with DATABASE_URL). Loads every EPCI and commune of France (without outlines), generates a CSV file of
183 territories (1 to 3 real EPCI each, a region, 2 team addresses), then measures:
- preview: the file read and every row checked (what the preview page computes);
- apply: the territories created from the generic template with their outlines, 366 invitations sent (one
  transaction) — the figure the issue asks under 60 s;
- re-import: the same file again (nothing to create, no invitation).
"""

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("CACHE", "locmem")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def generated_file(n: int, seed: int = 7) -> bytes:
    """A CSV file (semicolons, Windows-1252) of `n` territories on real EPCI of metropolitan France, each EPCI used
    once, whose communes all have an outline."""
    from pacte.territories.geography import department_region
    from pacte.territories.models import Commune, Intercommunality

    rows = (
        Commune.objects.exclude(insee_code__startswith="97")
        .exclude(intercommunality=None)
        .values_list("intercommunality__siren", "insee_code")
        .order_by("intercommunality__siren", "insee_code")
    )
    department_of = {}
    for siren, insee in rows:
        department_of.setdefault(siren, insee[:3] if insee.startswith("97") else insee[:2])
    taken = set(Intercommunality.objects.filter(territories__isnull=False).values_list("siren", flat=True))
    sirens = sorted(set(Intercommunality.objects.values_list("siren", flat=True)) & set(department_of) - taken)
    rng = random.Random(seed)
    rng.shuffle(sirens)
    lines = ["Territoire;Région;SIREN des EPCI;Courriels de l'équipe"]
    for number in range(n):
        group = [sirens.pop() for _ in range(rng.randint(1, 3))]
        region = department_region(department_of[group[0]])
        emails = f"chef.projet{number}@territoire{number}.fr, dev.eco{number}@territoire{number}.fr"
        lines.append(f"Territoire d'industrie n° {number + 1};{region};{', '.join(group)};{emails}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def machine() -> str:
    return f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}"


def reference_data() -> float:
    from pacte.territories.services import reference_data_populate

    started = time.perf_counter()
    reference_data_populate()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--territories", type=int, default=183)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.contrib.auth import get_user_model
        from django.core import mail

        from pacte.national.importing import territories_file_parse, territories_import_apply, territories_plan
        from pacte.territories.models import Territory

        print(machine())
        print(f"database: {connection.vendor}")
        print(f"reference data (every EPCI and commune of France, once): {reference_data():.1f} s")
        content = generated_file(args.territories)
        user = get_user_model().objects.create_superuser("anct", password=None)

        started = time.perf_counter()
        plan = territories_plan(territories_file_parse(filename="territoires.csv", content=content))
        preview = time.perf_counter() - started
        assert not plan.errors, [r.errors for r in plan.rows if r.errors][:3]

        started = time.perf_counter()
        parsed = territories_file_parse(filename="territoires.csv", content=content)
        territories_import_apply(parsed=parsed, actor=user, base_url="https://pacte.example/")
        apply = time.perf_counter() - started
        created, sent = Territory.objects.count(), len(mail.outbox)

        started = time.perf_counter()
        again = territories_plan(territories_file_parse(filename="territoires.csv", content=content))
        territories_import_apply(
            parsed=parsed, actor=user, base_url="https://pacte.example/"
        ) if again.applicable else None
        reimport = time.perf_counter() - started

        print(f"file: {args.territories} territories, {len(content) // 1024} KB")
        print(f"preview (read + check every row): {preview * 1000:.0f} ms")
        print(f"apply (create {created} territories from the template, {sent} invitations): {apply:.1f} s")
        print(
            f"re-import of the same file: {reimport * 1000:.0f} ms, {again.summary['unchanged']} unchanged, "
            f"{len(mail.outbox) - sent} new invitations"
        )
        print("target: apply < 60 s —", "OK" if apply < 60 else "MISSED")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

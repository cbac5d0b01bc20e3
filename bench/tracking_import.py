"""Benchmark: preview and import of a 10,000-row tracking file (XLSX and CSV), as the territory team sends it.

    .venv/bin/python bench/tracking_import.py [--rows 10000] [--runs 5]

Runs on a throwaway database: Django's test database (SQLite in memory by default; with DATABASE_URL set to
PostgreSQL, a `test_…` database created and dropped by this script). Generates a messy file (a title above the
header, the typology once per block in merged cells, stray spaces, priorities in any case, near-identical
entity names, nameless rows, Excel dates and phone numbers, a few bad rows), then measures, each as the median
of several runs:

- upload: the file read once (archive and extent checks, streamed rows, caps) and kept with its rows;
- preview: plan of the kept rows (what GET of the preview page computes), and the whole preview page over HTTP;
- import: confirmation (plan again + bulk writes), rolled back after each run;
- re-import of the same file once imported (nothing to write: the idempotent case).
"""

import argparse
import csv
import datetime
import io
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("STATIC_MANIFEST", "0")  # pages rendered without collectstatic

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from pacte.stakeholders.models import name_key  # noqa: E402

CATEGORIES = [
    "Collectivités et partenaires",
    "Institutionnels et services de l'Etat",
    "Entreprises",
    "Société civile",
    "Partenaires du pacte",
]
PRIORITIES = ["Prioritaire", " PRIORITAIRE ", "souhaitable", "Souhaitable", "facultatif", "Facultative", ""]
STATUSES = ["", "À contacter", "contacté", "Entretien planifié", "entretien réalisé", "Déclinée"]
FIRST_NAMES = ["Élise", "Paul", "Hélène", "Zoé", "Luc", "Anne", "François", "Maëlle", "", ""]
HEADER = [
    "Typologie",
    "Entité",
    "Nom",
    "Prénom",
    "Priorité",
    "Qui contacte ?",
    "Statut",
    "Dernier échange",
    "Courriel",
    "Téléphone",
    "Commentaire",
]


def messy_rows(n: int, seed: int = 1):
    """(rows, merged ranges): blocks of one typology; the typology cell written once per block."""
    rng = random.Random(seed)
    rows, merges = [["Fichier de suivi des acteurs — banc d'essai"], [], HEADER], []
    number, data = len(rows), 0
    entity = 0
    while data < n:
        category = CATEGORIES[entity % len(CATEGORIES)]
        block = []
        for _ in range(rng.randint(5, 40)):  # one block of a typology: several entities, several contacts each
            entity += 1
            name = f"Entreprise {entity} Charente-Maritime"
            for k in range(rng.randint(1, 6)):
                spelling = name if k != 2 else f"  {name.upper().replace('-', ' ')} "  # near-identical spelling
                first = rng.choice(FIRST_NAMES)
                last = f"Nom{entity}-{k}" if first else ""
                date = datetime.datetime(2025, rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.5 else ""
                priority = rng.choice(PRIORITIES)
                if rng.random() < 0.002:
                    priority = "Urgente"  # refused
                block.append(
                    [
                        None,
                        spelling,
                        last,
                        first,
                        priority,
                        rng.choice(["Chef de projet", "Président", "...", ""]),
                        rng.choice(STATUSES),
                        date,
                        f"{name_key(first) or 'contact'}.{entity}.{k}@example.org" if first else "",
                        546000000 + entity * 10 + k if rng.random() < 0.5 else "05 46 00 00 00",
                        "Vu au salon, à relancer" if rng.random() < 0.1 else "",
                    ]
                )
                if data + len(block) >= n:
                    break
            if data + len(block) >= n:
                break
        block[0][0] = category
        merges.append(f"A{number + 1}:A{number + len(block)}")
        rows.extend(block)
        data += len(block)
        number += len(block)
        if rng.random() < 0.3:
            rows.append([])  # an empty row between blocks
            number += 1
    return rows, merges


def xlsx_bytes(rows, merges) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_bytes(rows) -> bytes:
    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=";")
    for row in rows:
        writer.writerow([v.strftime("%d/%m/%Y") if isinstance(v, datetime.datetime) else v for v in row])
    return output.getvalue().encode("cp1252", errors="replace")


def median_time(function, runs: int) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


class Rollback(Exception):
    pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from pacte.replication.services import reference_case_load
        from pacte.stakeholders.models import Contact, TrackingFileImport
        from pacte.stakeholders.services import (
            tracking_file_import_confirm,
            tracking_file_import_create,
            tracking_file_import_plan,
        )
        from pacte.territories.services import reference_data_populate

        sirens = {"200041762", "241700640", "241700624", "241700699"}
        reference_data_populate(sirens=sirens)
        territory = reference_case_load()
        user = get_user_model().objects.create_superuser("bench", password=None)
        client = Client()
        client.force_login(user)

        rows, merges = messy_rows(args.rows)
        files = {"xlsx": xlsx_bytes(rows, merges), "csv": csv_bytes(rows)}
        print(f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"file: {args.rows} data rows, {len(merges)} merged typology cells; median of {args.runs} runs\n")
        for kind, content in files.items():

            def upload(kind=kind, content=content):
                created = tracking_file_import_create(
                    territory=territory, filename=f"suivi.{kind}", content=content, uploaded_by=user
                )
                return created

            parse, tracking_import = median_time(upload, args.runs)
            TrackingFileImport.objects.exclude(pk=tracking_import.pk).delete()

            preview, plan = median_time(
                lambda ti=tracking_import: tracking_file_import_plan(tracking_import=ti), args.runs
            )
            url = reverse("stakeholders:import_preview", args=[territory.slug, tracking_import.pk])
            page, response = median_time(lambda url=url: client.get(url), args.runs)
            assert response.status_code == 200

            merges = {m.spelling for m in plan.merges}

            def import_and_rollback(ti=tracking_import, merges=merges):
                try:
                    with transaction.atomic():
                        result = tracking_file_import_confirm(
                            tracking_import=ti, confirmed_merges=merges, ignore_refused=True, actor=user
                        )
                        raise Rollback(result)
                except Rollback as done:
                    return done.args[0]

            confirm, result = median_time(import_and_rollback, args.runs)
            # Once imported, importing the same file again writes nothing.
            before = Contact.objects.count()
            with transaction.atomic():
                tracking_file_import_confirm(
                    tracking_import=tracking_import, confirmed_merges=merges, ignore_refused=True, actor=user
                )
                created = Contact.objects.count() - before

                def reimport(ti=tracking_import):
                    return tracking_file_import_plan(tracking_import=ti)

                again, replan = median_time(reimport, args.runs)
                transaction.set_rollback(True)
            print(
                f"{kind.upper():4} {len(content) / 1024:7.0f} KiB: upload (read once) {parse:5.2f} s | "
                f"preview (plan) {preview:5.2f} s | preview page (HTTP) {page:5.2f} s | import {confirm:5.2f} s | "
                f"total upload+preview+import {parse + page + confirm:5.2f} s | re-import preview {again:5.2f} s"
            )
            print(
                f"     {len(result.to_create)} contacts created, {len(result.new_stakeholders)} entities, "
                f"{len(result.merges)} merges confirmed, {len(result.refusals)} refused rows; "
                f"re-import: {len(replan.to_create)} to create, {len(replan.to_update)} to update, "
                f"{replan.unchanged} unchanged (created {created} once)"
            )
            tracking_import.delete()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

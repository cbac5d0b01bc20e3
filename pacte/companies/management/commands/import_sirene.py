"""manage.py import_sirene --territory SLUG ETABLISSEMENTS [--unites-legales UNITES] [--mois AAAA-MM] [--json]"""

import json
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pacte.companies import sirene
from pacte.companies.models import ImportStatus, SireneImport
from pacte.territories.models import Territory


class Bar:
    """A one-line progress bar on stderr: rows read, rows kept, share of the file read, rows per second."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled, self.start, self.last = stream, enabled, time.monotonic(), 0.0

    def __call__(self, progress):
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.5:
            return
        self.last = now
        share = progress.done / progress.total if progress.total else 0
        filled = int(30 * share)
        label = "établissements" if progress.step == "establishments" else "unités légales"
        rate = progress.rows_read / max(now - self.start, 1e-6)
        self.stream.write(
            f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {share:6.1%}  "
            f"{progress.rows_read:>12,} lus  {progress.rows_kept:>9,} retenus  {rate:>10,.0f} lignes/s".replace(
                ",", " "
            )
        )
        self.stream.flush()

    def end(self):
        if self.enabled:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Importe le stock Sirene (ou un extrait) pour un territoire : établissements de ses communes et leurs unités légales."

    def add_arguments(self, parser):
        parser.add_argument("etablissements", help="StockEtablissement : CSV, CSV zippé ou Parquet")
        parser.add_argument("--territory", required=True, help="identifiant d'adresse (slug) du territoire")
        parser.add_argument("--unites-legales", dest="units", help="StockUniteLegale : CSV, CSV zippé ou Parquet")
        parser.add_argument("--mois", dest="month", help="mois du stock, AAAA-MM (sinon lu dans le fichier)")
        parser.add_argument("--json", action="store_true", help="écrit un seul objet JSON sur la sortie standard")
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")

    def handle(self, *args, **options):
        territory = Territory.objects.filter(slug=options["territory"]).first()
        if territory is None:
            raise CommandError(f"Territoire inconnu : {options['territory']}")
        bar = Bar(sys.stderr, enabled=not options["no_progress"])
        record = SireneImport.objects.create(
            territory=territory,
            filename=os.path.basename(options["etablissements"])[:255],
            units_filename=os.path.basename(options["units"] or "")[:255],
            status=ImportStatus.RUNNING,
        )
        try:
            result = sirene.sirene_import(
                territory=territory,
                establishments_path=options["etablissements"],
                units_path=options["units"],
                stock_month=options["month"],
                report=bar,
                record=record,
            )
        except (sirene.SireneRefused, OSError) as error:
            bar.end()
            SireneImport.objects.filter(pk=record.pk).update(
                status=ImportStatus.FAILED, error=str(error), finished_at=timezone.now()
            )
            raise CommandError(str(error)) from error
        bar.end()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        figures = result.figures
        sizes = ", ".join(f"{k} {v} %" for k, v in figures["size_classes"].items())
        self.stdout.write(
            f"{territory.slug} (stock {result.stock_month}) : {result.rows_read} lignes lues, {result.rows_kept} "
            f"retenues ; {result.created} créés, {result.updated} mis à jour, {result.closed} fermés ; "
            f"{figures['industrial_employer_establishments']} établissements industriels employeurs ({sizes})."
        )

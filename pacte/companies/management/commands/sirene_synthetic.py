"""manage.py sirene_synthetic DOSSIER --lignes N [--territoire SLUG] [--format csv|zip|parquet]"""

from django.core.management.base import BaseCommand, CommandError

from pacte.companies.sirene import territory_communes
from pacte.companies.synthetic import write_stock
from pacte.territories.models import Territory


class Command(BaseCommand):
    help = "Écrit des fichiers Sirene synthétiques (colonnes réelles de l'Insee) pour les essais et les mesures."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--lignes", dest="rows", type=int, default=100_000)
        parser.add_argument("--territoire", dest="territory", help="place une part des lignes dans ses communes")
        parser.add_argument("--part-locale", dest="share", type=float, default=0.01)
        parser.add_argument("--format", dest="fmt", choices=["csv", "zip", "parquet"], default="csv")
        parser.add_argument("--mois", dest="month", default="2024-11")
        parser.add_argument("--graine", dest="seed", type=int, default=0)

    def handle(self, *args, **options):
        communes = []
        if options["territory"]:
            territory = Territory.objects.filter(slug=options["territory"]).first()
            if territory is None:
                raise CommandError(f"Territoire inconnu : {options['territory']}")
            communes = sorted(set(territory_communes(territory).values()))
        etab, units = write_stock(
            options["directory"],
            rows=options["rows"],
            communes=communes,
            local_share=options["share"],
            fmt=options["fmt"],
            stock_month=options["month"],
            seed=options["seed"],
        )
        self.stdout.write(f"{etab}\n{units}")

from django.core.management.base import BaseCommand, CommandError

from pacte.replication.services import territory_create_from_template
from pacte.territories.geography import region_names
from pacte.territories.services import TerritoryCreationError


class Command(BaseCommand):
    help = "Crée un Territoire d'industrie sur des EPCI réels, à partir du modèle générique du pacte."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Nom du Territoire d'industrie")
        parser.add_argument("--epci", nargs="+", required=True, help="SIREN des EPCI du périmètre")
        parser.add_argument("--region", default="", help="Région, parmi : " + ", ".join(region_names()))
        parser.add_argument(
            "--departement", dest="department", default="", help="Code du département principal (ex. 17)"
        )

    def handle(self, *args, name, epci, region, department, **options):
        try:
            territory = territory_create_from_template(name=name, sirens=epci, region=region, department=department)
        except TerritoryCreationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Territoire « {territory.name} » créé ({territory.intercommunalities.count()} EPCI) : /territoires/{territory.slug}/"
            )
        )

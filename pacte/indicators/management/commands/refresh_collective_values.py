"""Rebuild the stored collective values (CollectiveValue) from the companies' values and memberships.

    .venv/bin/python manage.py refresh_collective_values [--territory SLUG]

They are kept up to date by every write; run it after an upgrade, a restore or a change made outside the
application. Idempotent: a second run writes nothing. One territory at a time, each in its own transaction.
"""

from django.core.management.base import BaseCommand, CommandError

from pacte.core.models import ncount
from pacte.indicators.collective import collective_values_refresh_territory
from pacte.territories.models import Territory


class Command(BaseCommand):
    help = "Recalcule les valeurs collectives des indicateurs (toutes, ou celles d'un territoire)."

    def add_arguments(self, parser):
        parser.add_argument("--territory", help="Identifiant (slug) du territoire ; sans lui, tous les territoires.")

    def handle(self, *args, territory=None, **options):
        territories = Territory.objects.order_by("pk")
        if territory:
            territories = territories.filter(slug=territory)
            if not territories.exists():
                raise CommandError(f"Territoire inconnu : « {territory} ».")
        written = 0
        for one in territories.iterator():
            written += collective_values_refresh_territory(one)
        self.stdout.write(ncount("%(n)s valeur collective écrite.", "%(n)s valeurs collectives écrites.", written))

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from pacte.accounts.demo import demo_people_load
from pacte.accounts.models import Role, TerritoryMembership
from pacte.companies.demo import sirene_demo_load
from pacte.drafting.demo import evidence_demo_load
from pacte.national.demo import national_demo_load
from pacte.replication.services import (
    REFERENCE_CASE,
    content_read,
    reference_case_illustrations_load,
    reference_case_load,
)
from pacte.synergies.demo import synergies_demo_load
from pacte.territories.models import Intercommunality, Territory
from pacte.territories.services import reference_data_populate

DEMO_TEAM = ("equipe-rochefort", "rochefort-demo-2025")
DEMO_NATIONAL = ("anct", "anct-demo-2025")


class Command(BaseCommand):
    help = "Construit la démo : données de référence, territoire Rochefort-Royan-Marennes-Oléron, comptes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Reconstruit le territoire de démo (les modifications sont perdues)"
        )

    def handle(self, *args, reset=False, **options):
        info = content_read(REFERENCE_CASE)["territory"]
        if Intercommunality.objects.count() < 1000:
            reference_data_populate(geometry_for=set(info["intercommunalities"]))
        with transaction.atomic():
            territory = Territory.objects.filter(slug=info["slug"]).first()
            if territory is None or reset:
                territory = reference_case_load()
                reference_case_illustrations_load(territory=territory)
                evidence_demo_load(territory=territory)
                sirene_demo_load(territory=territory)
                synergies_demo_load(territory=territory)
                national = national_demo_load()
                self.stdout.write(
                    f"Territoires d'illustration du pilotage national : {len(national['created'])} créés."
                )
                self.stdout.write(self.style.SUCCESS(f"Démo chargée : {territory.name}."))
            else:
                self.stdout.write(f"Démo déjà chargée : {territory.name} (--reset pour la reconstruire).")
            User = get_user_model()
            team, _ = User.objects.get_or_create(username=DEMO_TEAM[0])
            team.set_password(DEMO_TEAM[1])
            team.is_staff = True
            team.first_name, team.last_name = "Équipe", "Rochefort-Royan-Marennes-Oléron"
            team.save()
            TerritoryMembership.objects.update_or_create(user=team, territory=territory, defaults={"role": Role.TEAM})
            national, _ = User.objects.get_or_create(username=DEMO_NATIONAL[0])
            national.set_password(DEMO_NATIONAL[1])
            national.is_staff = national.is_superuser = True
            national.save()
            people = demo_people_load(territory)
        self.stdout.write(f"  Équipe du territoire : identifiant « {DEMO_TEAM[0]} », mot de passe « {DEMO_TEAM[1]} »")
        self.stdout.write(
            f"  ANCT (national)      : identifiant « {DEMO_NATIONAL[0]} », mot de passe « {DEMO_NATIONAL[1]} »"
        )
        for line in people:
            self.stdout.write(line)

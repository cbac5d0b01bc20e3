"""The demo command of `make run`: reference data of all France, the reference territory, the demo accounts."""

import io

from django.contrib.auth import authenticate
from django.core.management import call_command

from pacte.accounts.models import Role, TerritoryMembership
from pacte.commitments.models import Theme
from pacte.territories.models import Commune, Intercommunality


def test_it_builds_the_demo_with_its_accounts_and_is_idempotent(db, territory_a):
    Theme.objects.filter(territory=territory_a).first().delete()  # an edit made in the demo
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert Intercommunality.objects.count() > 1000  # every EPCI of France, for new territories
    assert Commune.objects.filter(insee_code="59183", intercommunality__siren="245900428").exists()
    team = authenticate(username="equipe-rochefort", password="rochefort-demo-2025")
    assert TerritoryMembership.objects.get(user=team).territory == territory_a
    assert TerritoryMembership.objects.get(user=team).role == Role.TEAM
    assert authenticate(username="anct", password="anct-demo-2025").is_superuser
    assert "equipe-rochefort" in out.getvalue() and "rochefort-demo-2025" in out.getvalue()
    # The demo already existed: its edits are kept unless --reset is asked for.
    assert Theme.objects.filter(territory=territory_a).count() == 5
    assert "déjà chargée" in out.getvalue()


def test_it_rebuilds_the_demo_on_reset(db, territory_a):
    Theme.objects.filter(territory=territory_a).first().delete()

    call_command("load_demo", "--reset", stdout=io.StringIO())

    assert Theme.objects.filter(territory__slug=territory_a.slug).count() == 6

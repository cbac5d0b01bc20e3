"""People of the demo territory: a read-only member and a pending invitation, so that its team page lists them."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Invitation, Role, TerritoryMembership
from .services import invitation_create

DEMO_VIEWER = ("lecture-rochefort", "rochefort-lecture-2025")
DEMO_VIEWER_NAME = ("Élise", "Lecture (élue communautaire)")
DEMO_INVITED_EMAIL = "charge-de-mission@rochefort-ocean.example"
DEMO_INVITER = "equipe-rochefort"


@transaction.atomic
def demo_people_load(territory) -> list[str]:
    """Idempotent. Returns the lines to print (accounts and their passwords, the invitation's link if sent now)."""
    User = get_user_model()
    viewer, _created = User.objects.get_or_create(username=DEMO_VIEWER[0])
    viewer.set_password(DEMO_VIEWER[1])
    viewer.first_name, viewer.last_name = DEMO_VIEWER_NAME
    viewer.email = f"{DEMO_VIEWER[0]}@rochefort-ocean.example"
    viewer.save()
    TerritoryMembership.objects.update_or_create(user=viewer, territory=territory, defaults={"role": Role.VIEWER})
    lines = [f"  Lecture seule        : identifiant « {DEMO_VIEWER[0]} », mot de passe « {DEMO_VIEWER[1]} »"]
    # Once made, the invitation is left as the demo's visitors leave it (re-sent, cancelled, accepted).
    if not Invitation.objects.filter(territory=territory, email=DEMO_INVITED_EMAIL).exists():
        invitation = invitation_create(
            territory=territory,
            email=DEMO_INVITED_EMAIL,
            role=Role.TEAM,
            invited_by=User.objects.filter(username=DEMO_INVITER).first(),
            base_url=settings.SITE_URL,
        )
        lines.append(f"  Invitation en attente : {DEMO_INVITED_EMAIL}, lien {invitation.link}")
    return lines

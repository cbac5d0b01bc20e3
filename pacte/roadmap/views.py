from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from pacte.core.access import get_territory_for_user, user_can_write

from .services import roadmap_for


@login_required
def roadmap(request, slug):
    territory = get_territory_for_user(request, slug)
    can_write = user_can_write(request, territory)
    return render(
        request,
        "roadmap/roadmap.html",
        {"territory": territory, "steps": roadmap_for(territory), "can_write": can_write},
    )

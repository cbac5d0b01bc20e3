from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from pacte.core.access import territories_for_user


@login_required
def home(request):
    """The signed-in user's space: the territories they work on."""
    territories = territories_for_user(request.user).select_related("pact").order_by("name")
    return render(request, "accounts/home.html", {"territories": territories})

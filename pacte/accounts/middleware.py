"""Sessions: a rolling expiry after inactivity, and "se déconnecter partout".

A session remembers the account's session generation it was opened in (stored at sign-in by the user_logged_in
signal, pacte.accounts.signals); when the account signs out everywhere the generation grows, and every older
session is ended on its next request. The generation comes with the user (pacte.accounts.backends): no query."""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from .services import SESSION_GENERATION_KEY, session_generation

SESSION_TOUCHED_KEY = "pacte_session_touched"
TOUCH_EVERY_SECONDS = 5 * 60


class SessionSecurityMiddleware:
    """After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "sessionless", False):  # health probes: no session, no user query
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            opened_in = request.session.get(SESSION_GENERATION_KEY, 0)
            if opened_in < session_generation(user):
                logout(request)
                messages.info(request, _("Votre session a été fermée : reconnectez-vous."))
            else:
                # Saving a modified session renews its expiry (SESSION_COOKIE_AGE from now): at most one write per
                # session every 5 minutes, so that the expiry counts from the last activity.
                now = int(time.time())
                if now - request.session.get(SESSION_TOUCHED_KEY, 0) >= TOUCH_EVERY_SECONDS:
                    request.session[SESSION_TOUCHED_KEY] = now
        return None

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import SESSION_GENERATION_KEY, session_generation
from .session import session_territories_refresh


@receiver(user_logged_in, dispatch_uid="pacte.accounts.session_at_sign_in")
def session_at_sign_in(sender, request, user, **kwargs):
    """A new session belongs to the account's current generation (see pacte.accounts.middleware) and knows the
    person's territories (the workspace's switcher)."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_GENERATION_KEY] = session_generation(user)
    request.session["pacte_session_touched"] = int(time.time())
    request.user = user
    session_territories_refresh(request)

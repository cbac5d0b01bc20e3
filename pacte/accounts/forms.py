"""Password sign-in, throttled: after a few failures an account (and, more loosely, a client address) is locked for
the rest of a 15-minute window. The same form serves the team's sign-in page and the admin's.

An administrator unlocks an account at once with `manage.py unlock_sign_in USERNAME` (or by emptying the cache).
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from pacte.core.throttle import (
    Throttled,
    client_address,
    retry_after_text,
    throttle,
    throttle_count,
    throttle_reset,
)

FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 30
WINDOW_SECONDS = 15 * 60


def _account_key(username: str) -> str:
    return (username or "").strip().lower()


def sign_in_locked_for(*, username: str, address: str) -> int:
    """Seconds until sign-in is possible again for this account or address; 0 if it is possible now."""
    for scope, key, limit in (
        ("sign-in-account", _account_key(username), FAILURES_PER_ACCOUNT),
        ("sign-in-address", address, FAILURES_PER_ADDRESS),
    ):
        failures, wait = throttle_count(scope=scope, key=key, period=WINDOW_SECONDS)
        if failures >= limit:
            return wait
    return 0


def sign_in_failed(*, username: str, address: str) -> None:
    for scope, key, limit in (
        ("sign-in-account", _account_key(username), FAILURES_PER_ACCOUNT),
        ("sign-in-address", address, FAILURES_PER_ADDRESS),
    ):
        try:
            throttle(scope=scope, key=key, limit=limit, period=WINDOW_SECONDS)
        except Throttled:
            pass  # already locked: the next attempt is refused before the password is checked


def sign_in_unlock(*, username: str) -> None:
    throttle_reset(scope="sign-in-account", key=_account_key(username), period=WINDOW_SECONDS)


class ThrottledSignInMixin:
    error_messages_locked = _(
        "Trop de tentatives de connexion ont échoué : par sécurité, la connexion à ce compte est suspendue. "
        "Réessayez %(when)s."
    )

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request is not None else "unknown"
        wait = sign_in_locked_for(username=username, address=address)
        if wait:
            raise forms.ValidationError(
                self.error_messages_locked, code="locked", params={"when": retry_after_text(wait)}
            )
        try:
            return super().clean()
        except forms.ValidationError:
            sign_in_failed(username=username, address=address)
            raise


class SignInForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass

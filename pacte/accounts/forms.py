"""Password sign-in, throttled: after a few failures an account (and, more loosely, a client address) is locked for
the rest of a 15-minute window. The same form serves the team's sign-in page and the admin's.

An administrator unlocks an account at once with `manage.py unlock_sign_in USERNAME` (or by emptying the cache).
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.accounts.models import Role
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


# ---------------------------------------------------------------------------------------------------------------
# Team: invitations, roles, accounts created from an invitation


class InvitationForm(DsfrBaseForm):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        help_text=_("La personne reçoit un lien à usage unique, valable 7 jours."),
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.TEAM)


class RoleForm(DsfrBaseForm):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class InvitedAccountForm(DsfrBaseForm):
    """A new account for an invited address: the identifier is the address, the person gives a name and a
    password (checked by AUTH_PASSWORD_VALIDATORS: 12 characters at least, not a common one)."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères, pas un mot de passe courant."),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            candidate = get_user_model()(
                username=self.email,
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

"""Password sign-in, loading the account's security row with the user (one query per request, not two)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied


class PasswordBackend(ModelBackend):
    """django's ModelBackend whose get_user() also brings AccountSecurity, read on every request by
    SessionSecurityMiddleware ("se déconnecter partout").

    django's ModelBackend stays listed after this one for the sessions opened with it (company sign-in links), so a
    wrong password stops here: it is not hashed and checked a second time by that backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        User = get_user_model()
        user = User._default_manager.select_related("security").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pacte.accounts"
    label = "accounts"
    verbose_name = "Comptes et accès"

    def ready(self):
        from . import signals  # noqa: F401  (sessions remember their generation at sign-in)

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pacte.accounts"
    label = "accounts"
    verbose_name = "Comptes et accès"

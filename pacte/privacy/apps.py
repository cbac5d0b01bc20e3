from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "pacte.privacy"
    label = "privacy"
    verbose_name = "Données personnelles"

from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "pacte.opendata"
    label = "opendata"
    verbose_name = "Données ouvertes et API"

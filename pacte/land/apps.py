from django.apps import AppConfig


class LandConfig(AppConfig):
    name = "pacte.land"
    label = "land"
    verbose_name = "Foncier industriel"

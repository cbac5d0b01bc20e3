from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "pacte.national"
    label = "national"
    verbose_name = "Pilotage national (ANCT)"

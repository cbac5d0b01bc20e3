from django.apps import AppConfig


class SynergiesConfig(AppConfig):
    name = "pacte.synergies"
    label = "synergies"
    verbose_name = "Mutualisation et écologie industrielle"

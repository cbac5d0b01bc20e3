from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "pacte.workshops"
    label = "workshops"
    verbose_name = "Ateliers de co-construction (étape 2)"

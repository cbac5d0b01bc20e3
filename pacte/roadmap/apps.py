from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "pacte.roadmap"
    label = "roadmap"
    verbose_name = "Feuille de route"

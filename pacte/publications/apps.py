from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "pacte.publications"
    label = "publications"
    verbose_name = "Pacte"

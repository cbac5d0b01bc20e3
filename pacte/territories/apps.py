from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "pacte.territories"
    label = "territories"
    verbose_name = "Territoire et chiffres clés"

from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "pacte.indicators"
    label = "indicators"
    verbose_name = "Indicateurs"

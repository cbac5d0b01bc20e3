from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "pacte.indicators"
    label = "indicators"
    verbose_name = "Indicateurs"

    def ready(self):
        from pacte.companies.signals import memberships_changed

        from .collective import collective_values_refresh_territory

        def refresh(sender, territory, **kwargs):
            collective_values_refresh_territory(territory)

        memberships_changed.connect(refresh, dispatch_uid="indicators_memberships_changed", weak=False)

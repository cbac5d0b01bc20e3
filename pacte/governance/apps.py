from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "pacte.governance"
    label = "governance"
    verbose_name = "Gouvernance (étape 5)"

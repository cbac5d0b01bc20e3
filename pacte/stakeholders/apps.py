from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "pacte.stakeholders"
    label = "stakeholders"
    verbose_name = "Parties prenantes (étape 1)"

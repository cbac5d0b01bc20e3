from django.apps import AppConfig


class DraftingConfig(AppConfig):
    name = "pacte.drafting"
    label = "drafting"
    verbose_name = "Rédaction du pacte"

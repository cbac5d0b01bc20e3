from django.apps import AppConfig


class AppropriationConfig(AppConfig):
    name = "pacte.appropriation"
    label = "appropriation"
    verbose_name = "Appropriation du pacte (étape 4)"

from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "pacte.public"
    label = "public"
    verbose_name = "Pages publiques"

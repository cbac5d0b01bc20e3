from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "pacte.public"
    label = "public"

from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "pacte.interviews"
    label = "interviews"
    verbose_name = "Entretiens, diagnostic et fiertés (étape 1)"

from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "pacte.interviews"
    label = "interviews"

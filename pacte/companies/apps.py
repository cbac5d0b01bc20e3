from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "pacte.companies"
    label = "companies"
    verbose_name = "Entreprises et établissements (Sirene)"

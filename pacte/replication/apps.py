from django.apps import AppConfig


class ReplicationConfig(AppConfig):
    name = "pacte.replication"
    label = "replication"
    verbose_name = "Réplication du pacte"

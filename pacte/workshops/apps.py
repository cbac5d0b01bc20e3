from django.apps import AppConfig
from django.db.models.signals import post_save


class WorkshopsConfig(AppConfig):
    name = "pacte.workshops"
    label = "workshops"
    verbose_name = "Ateliers de co-construction (étape 2)"

    def ready(self):
        from pacte.commitments.models import CommitmentsVersion

        from .decisions import on_commitments_frozen

        # The team freezes the commitments after the workshops: the decisions taken are then final and sent to
        # the invited participants (one email each, once).
        post_save.connect(on_commitments_frozen, sender=CommitmentsVersion, dispatch_uid="workshops-decisions-sent")

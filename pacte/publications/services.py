"""The life cycle of a pact: draft → validated (by the workshops) → published (v1, v2…)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.core.models import journal_write

from .models import Pact, PactStatus


class PactTransitionError(ValueError):
    pass


@transaction.atomic
def pact_validate(*, pact: Pact, actor=None) -> Pact:
    """The commitments were validated collectively (step 2 of the method)."""
    pact = Pact.objects.select_for_update().get(pk=pact.pk)
    if pact.status != PactStatus.DRAFT:
        raise PactTransitionError(_("Seul un pacte en brouillon peut être validé."))
    pact.status = PactStatus.VALIDATED
    pact.save(update_fields=["status"])
    journal_write(territory=pact.territory, verb="pact_validated", actor=actor, message=_("Pacte validé."))
    return pact


@transaction.atomic
def pact_publish(*, pact: Pact, actor=None) -> Pact:
    """Publish a validated pact (or republish a published one after changes) as the next version."""
    pact = Pact.objects.select_for_update().get(pk=pact.pk)
    if pact.status == PactStatus.DRAFT:
        raise PactTransitionError(_("Le pacte doit être validé avant d'être publié."))
    pact.status = PactStatus.PUBLISHED
    pact.version += 1
    pact.published_on = timezone.localdate()
    pact.save(update_fields=["status", "version", "published_on"])
    journal_write(
        territory=pact.territory,
        verb="pact_published",
        actor=actor,
        message=_("Version %(v)s publiée.") % {"v": pact.version},
    )
    return pact

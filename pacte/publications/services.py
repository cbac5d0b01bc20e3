"""The life cycle of a pact: draft → validated (by the workshops) → published (v1, v2…)."""

import posixpath

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.core.models import journal_write
from pacte.workshops.models import ReactionKind
from pacte.workshops.services import unresolved

from .document import document_changes, pact_document
from .models import Pact, PactStatus, PactVersion


class PactTransitionError(ValueError):
    pass


def _refuse_unresolved_vetoes(territory) -> None:
    """Step 2 of the method: vetoes are lifted before the commitments are validated."""
    vetoes = list(
        unresolved(territory=territory, kinds=[ReactionKind.VETO])
        .select_related("commitment")
        .order_by("commitment__theme__order", "commitment__order", "commitment_id", "pk")
    )
    if not vetoes:
        return
    titles = list(dict.fromkeys(f"« {veto.commitment.title} »" for veto in vetoes))
    n = len(vetoes)
    raise PactTransitionError(
        (
            _("Le pacte ne peut pas être validé : %(n)s veto n'a pas encore été tranché (%(titles)s).")
            if n == 1
            else _("Le pacte ne peut pas être validé : %(n)s vetos n'ont pas encore été tranchés (%(titles)s).")
        )
        % {"n": n, "titles": ", ".join(titles)}
        + " "
        + _("Tranchez-les dans « Vetos et ajustements ».")
    )


@transaction.atomic
def pact_validate(*, pact: Pact, actor=None) -> Pact:
    """The commitments were validated collectively (step 2 of the method)."""
    pact = Pact.objects.select_for_update().get(pk=pact.pk)
    if pact.status != PactStatus.DRAFT:
        raise PactTransitionError(_("Seul un pacte en brouillon peut être validé."))
    _refuse_unresolved_vetoes(pact.territory)
    pact.status = PactStatus.VALIDATED
    pact.save(update_fields=["status"])
    journal_write(territory=pact.territory, verb="pact_validated", actor=actor, message=_("Pacte validé."))
    return pact


def _pictures_freeze(content: dict, *, folder: str) -> None:
    """Copy the prides' pictures into a folder of the version: replacing or deleting a pride later (which
    deletes its file) never changes a published version."""
    for pride in content["prides"]:
        if not pride["image"] or not default_storage.exists(pride["image"]):
            pride["image"] = ""
            continue
        with default_storage.open(pride["image"], "rb") as stream:
            name = f"{folder}/{posixpath.basename(pride['image'])}"
            pride["image"] = default_storage.save(name, File(stream))


def pact_version_freeze(*, pact: Pact, actor=None) -> PactVersion:
    """Freeze the pact as it reads now as its published version `pact.version` (dated `pact.published_on`)."""
    territory = pact.territory
    content = pact_document(territory)
    _pictures_freeze(content, folder=f"versions/{territory.pk}/v{pact.version}")
    previous = PactVersion.objects.for_territory(territory).filter(number__lt=pact.version).order_by("-number").first()
    return PactVersion.objects.create(
        territory=territory,
        number=pact.version,
        published_on=pact.published_on,
        content=content,
        changes=document_changes(previous.content, content) if previous else [],
        published_by=actor,
    )


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
    pact_version_freeze(pact=pact, actor=actor)
    journal_write(
        territory=pact.territory,
        verb="pact_published",
        actor=actor,
        message=_("Version %(v)s publiée.") % {"v": pact.version},
    )
    return pact

"""The life cycle of a pact: draft → validated (by the workshops) → published (v1, v2…)."""

import hashlib
import logging
import posixpath
import threading

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.core.models import journal_write
from pacte.workshops.models import ReactionKind
from pacte.workshops.services import unresolved

from . import pdf, slides
from .document import document_changes, pact_document
from .models import DocumentKind, Pact, PactDocument, PactStatus, PactVersion

logger = logging.getLogger(__name__)


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
    version = pact_version_freeze(pact=pact, actor=actor)
    # Once the publication is committed (its failure never undoes it): the version's PDF and PowerPoint file.
    transaction.on_commit(lambda: _documents_after_publication(version.pk))
    journal_write(
        territory=pact.territory,
        verb="pact_published",
        actor=actor,
        message=_("Version %(v)s publiée.") % {"v": pact.version},
    )
    return pact


# --- the documents of a published version: generated once, stored with it ------------------------------------


def document_render(document: dict, kind: str, *, version: PactVersion | None = None) -> bytes:
    """The pact document as PDF or PowerPoint bytes; `version` dates it, None marks a preview of the live text.

    The renderers are looked up on their modules at each call (tests count the calls by patching them).
    """
    if kind == DocumentKind.PDF:
        return pdf.pact_pdf(
            document,
            version=version.number if version is not None else None,
            published_on=version.published_on if version is not None else None,
            preview=version is None,
        )
    if kind == DocumentKind.PPTX:
        return slides.pact_pptx(document, version=version)
    raise ValueError(f"unknown document kind {kind!r}")


def _stored(version: PactVersion, kind: str) -> PactDocument | None:
    return PactDocument.objects.filter(version=version, kind=kind).defer("content").first()


def pact_document_store(*, version: PactVersion, kind: str) -> PactDocument:
    """Generate the document of a published version and store it (the one already stored wins a race)."""
    content = document_render(version.content, kind, version=version)
    try:
        with transaction.atomic():
            return PactDocument.objects.create(
                version=version,
                kind=kind,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            )
    except IntegrityError:  # another request or the publication stored it meanwhile: serve that one
        stored = _stored(version, kind)
        if stored is None:
            raise
        return stored


def pact_document_get(*, version: PactVersion, kind: str) -> PactDocument:
    """The stored document of a published version (its bytes not read yet), generated on first use if missing."""
    return _stored(version, kind) or pact_document_store(version=version, kind=kind)


def pact_documents_generate(*, version: PactVersion) -> list[PactDocument]:
    """Every document of a published version, generating the missing ones."""
    return [pact_document_get(version=version, kind=kind) for kind in DocumentKind.values]


def _documents_generate_quietly(version_pk: int) -> None:
    """Generate the documents of a version just published; a failure is logged, the first download retries."""
    try:
        version = PactVersion.objects.filter(pk=version_pk).first()
        if version is not None:
            pact_documents_generate(version=version)
    except Exception:
        logger.exception("documents of pact version %s not generated at publication", version_pk)


def _documents_in_thread(version_pk: int) -> None:
    close_old_connections()
    try:
        _documents_generate_quietly(version_pk)
    finally:
        connections.close_all()  # this thread's own connections


def _documents_after_publication(version_pk: int) -> None:
    """The PDF and the PowerPoint file take 2 to 3 s of CPU: in a thread of their own, so that publishing
    answers at once (PACT_DOCUMENTS_IN_BACKGROUND=False generates them before answering, e.g. in tests)."""
    if getattr(settings, "PACT_DOCUMENTS_IN_BACKGROUND", True):
        threading.Thread(
            target=_documents_in_thread, args=(version_pk,), name=f"pact-documents-{version_pk}", daemon=True
        ).start()
    else:
        _documents_generate_quietly(version_pk)

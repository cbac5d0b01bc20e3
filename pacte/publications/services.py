"""The life cycle of a pact: draft → validated (by the workshops) → published (v1, v2…)."""

import hashlib
import logging
import posixpath
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.appropriation.models import Presentation
from pacte.commitments.models import Commitment, CompanyAction, TerritoryAction, Theme
from pacte.core.models import JournalEntry, JournalVerb, journal_write, ncount
from pacte.interviews.models import Interview, InterviewStatus, Pride
from pacte.interviews.services import INTERVIEW_MINIMUM, INTERVIEW_TARGET
from pacte.stakeholders.models import Category, Stakeholder
from pacte.workshops.models import ReactionKind, Workshop, WorkshopStatus
from pacte.workshops.services import unresolved

from . import pdf, slides
from .document import document_changes, pact_document
from .models import DocumentKind, Pact, PactDocument, PactStatus, PactVersion

logger = logging.getLogger(__name__)


class PactTransitionError(ValueError):
    pass


# --- readiness: what blocks a validation or a publication, and what is only worth a warning --------------------


@dataclass
class ReadinessItem:
    label: str
    detail: str = ""
    url: str = ""  # where it is fixed


@dataclass
class Readiness:
    blocking: list[ReadinessItem] = field(default_factory=list)
    warnings: list[ReadinessItem] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blocking


def _from_template(territory) -> bool:
    return JournalEntry.objects.filter(territory=territory, verb=JournalVerb.TEMPLATE_LOADED).exists()


def _readiness_blocking(territory, pact) -> list[ReadinessItem]:
    # The roadmap's rule for the template's text (pacte.roadmap.services), imported here to avoid an import cycle.
    from pacte.roadmap.services import is_own_text, template_texts

    slug = territory.slug
    items = []
    pending = list(
        unresolved(territory=territory)
        .select_related("commitment")
        .order_by("commitment__theme__order", "commitment__order", "commitment_id", "pk")
    )
    if pending:
        vetoes = sum(r.kind == ReactionKind.VETO for r in pending)
        titles = list(dict.fromkeys(f"« {r.commitment.title} »" for r in pending))
        items.append(
            ReadinessItem(
                ncount(
                    _("%(n)s veto ou ajustement sans décision"),
                    _("%(n)s vetos ou ajustements sans décision"),
                    len(pending),
                ),
                ncount(_("dont %(n)s veto"), _("dont %(n)s vetos"), vetoes) + " — " + ", ".join(titles),
                reverse("workshops:resolutions", args=[slug]),
            )
        )
    for workshop in Workshop.objects.for_territory(territory).filter(status=WorkshopStatus.OPEN).order_by("pk"):
        items.append(
            ReadinessItem(
                _("Atelier encore ouvert aux réactions : « %(t)s »") % {"t": workshop.title},
                _("Clos-le avant de valider ou de publier le pacte."),
                reverse("workshops:detail", args=[slug, workshop.pk]),
            )
        )
    step3 = reverse("drafting:index", args=[slug])  # the pact editor
    title_page = reverse("drafting:part", args=[slug, "titre"])
    editorial_page = reverse("drafting:part", args=[slug, "edito"])
    if not (pact.title or "").strip():
        items.append(ReadinessItem(_("Le titre du pacte est vide"), "", title_page))
    template = template_texts(_from_template(territory))
    if not (pact.editorial or "").strip():
        items.append(ReadinessItem(_("L'édito est vide"), "", editorial_page))
    elif not is_own_text(pact.editorial, template["editorial"]):
        items.append(
            ReadinessItem(_("L'édito est encore au texte du modèle"), _("texte du modèle, à adapter"), editorial_page)
        )
    commitments = Commitment.objects.filter(theme=OuterRef("pk"))
    themes = list(
        Theme.objects.for_territory(territory)
        .annotate(
            reciprocal=Exists(
                commitments.filter(
                    Exists(CompanyAction.objects.filter(commitment=OuterRef("pk"))),
                    Exists(TerritoryAction.objects.filter(commitment=OuterRef("pk"))),
                )
            ),
            adapted=Exists(commitments.filter(from_template=False)),
        )
        .order_by("order", "pk")
    )
    if not themes:
        items.append(ReadinessItem(_("Aucune thématique d'engagements"), "", step3))
    empty = [t.name for t in themes if not t.reciprocal]
    if empty:
        items.append(
            ReadinessItem(
                _("Section « Engagements réciproques » vide pour : %(t)s") % {"t": ", ".join(empty)},
                _("Chaque thématique porte au moins un engagement avec des actions des deux côtés."),
                step3,
            )
        )
    generic = [t.name for t in themes if t.reciprocal and not t.adapted]
    if generic:
        items.append(
            ReadinessItem(
                ncount(
                    _("%(n)s thématique encore au texte du modèle"),
                    _("%(n)s thématiques encore au texte du modèle"),
                    len(generic),
                ),
                ", ".join(generic),
                step3,
            )
        )
    return items


def _readiness_warnings(territory) -> list[ReadinessItem]:
    slug = territory.slug
    items = []
    done = Interview.objects.for_territory(territory).filter(status=InterviewStatus.DONE)
    count = done.count()
    if count < INTERVIEW_MINIMUM:
        items.append(
            ReadinessItem(
                _("Peu d'entretiens réalisés"),
                _("%(n)s/%(t)s entretiens réalisés") % {"n": count, "t": INTERVIEW_TARGET},
                reverse("interviews:campaign", args=[slug]),
            )
        )
    interviewed = set(done.values_list("interviewees__stakeholder__category", flat=True)) | set(
        done.filter(interviewees__isnull=True).values_list("stakeholder__category", flat=True)
    )
    missing = [str(label) for value, label in Category.choices if value not in interviewed]
    if missing:
        items.append(
            ReadinessItem(
                _("Catégories d'acteurs sans entretien"),
                ", ".join(missing),
                reverse("interviews:campaign", args=[slug]),
            )
        )
    if not Pride.objects.for_territory(territory).exists():
        items.append(ReadinessItem(_("Aucune fierté locale"), "", reverse("interviews:prides", args=[slug])))
    if not Stakeholder.objects.for_territory(territory).filter(acknowledged=True).exists():
        items.append(
            ReadinessItem(_("Personne n'est remercié"), "", reverse("stakeholders:tracking_file", args=[slug]))
        )
    if not Presentation.objects.for_territory(territory).filter(held=True).exists() and not (
        Presentation.objects.for_territory(territory).filter(date__isnull=False).exists()
    ):
        items.append(
            ReadinessItem(
                _("Restitution pas encore engagée"),
                _("aucune restitution tenue ni datée"),
                reverse("appropriation:plan", args=[slug]),
            )
        )
    return items


def pact_readiness(territory) -> Readiness:
    """What blocks the validation or the publication of the pact (each with where it is fixed), and the warnings."""
    pact = Pact.objects.get(territory=territory)
    return Readiness(blocking=_readiness_blocking(territory, pact), warnings=_readiness_warnings(territory))


def _refuse_unless_ready(territory, what: str) -> None:
    blocking = pact_readiness(territory).blocking
    if not blocking:
        return
    raise PactTransitionError(
        (
            _("Le pacte ne peut pas être validé : %(items)s.")
            if what == "validate"
            else _("Le pacte ne peut pas être publié : %(items)s.")
        )
        % {"items": " ; ".join(item.label for item in blocking)}
        + " "
        + _("Voir « Préparer la publication ».")
    )


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
    _refuse_unless_ready(pact.territory, "validate")
    pact.status = PactStatus.VALIDATED
    pact.reopened_at, pact.reopened_reason = None, ""
    pact.save(update_fields=["status", "reopened_at", "reopened_reason"])
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
    _refuse_unless_ready(pact.territory, "publish")
    pact.status = PactStatus.PUBLISHED
    pact.version += 1
    pact.published_on = timezone.localdate()
    pact.withdrawn_at, pact.withdrawn_by, pact.withdrawal_reason = None, None, ""
    pact.save(update_fields=["status", "version", "published_on", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
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


def publication_preview(territory) -> dict:
    """What the next publication makes public: its version number, the sections with what each holds, and what
    changed since the last published version (the versions' own comparison, document_changes)."""
    pact = Pact.objects.get(territory=territory)
    document = pact_document(territory)
    commitments = sum(len(theme["commitments"]) for theme in document["themes"])
    sections = [
        (
            _("Édito et ambitions"),
            ncount(_("%(n)s paragraphe"), _("%(n)s paragraphes"), len(document["pact"]["editorial"])),
        ),
        (_("Chiffres clés"), ncount(_("%(n)s chiffre"), _("%(n)s chiffres"), len(document["key_figures"]))),
        (
            _("Périmètre"),
            ncount(
                _("%(n)s intercommunalité"),
                _("%(n)s intercommunalités"),
                len(document["perimeter"]["intercommunalities"]),
            ),
        ),
        (_("Diagnostic industriel"), ncount(_("%(n)s axe"), _("%(n)s axes"), len(document["diagnostic"]))),
        (_("Fiertés locales"), ncount(_("%(n)s fierté"), _("%(n)s fiertés"), len(document["prides"]))),
        (
            _("Engagements réciproques"),
            ncount(_("%(n)s thématique"), _("%(n)s thématiques"), len(document["themes"]))
            + ", "
            + ncount(_("%(n)s engagement"), _("%(n)s engagements"), commitments),
        ),
        (_("Principes de gouvernance"), ncount(_("%(n)s principe"), _("%(n)s principes"), len(document["principles"]))),
        (_("Rencontres économiques"), ncount(_("%(n)s rencontre"), _("%(n)s rencontres"), len(document["events"]))),
        (
            _("Remerciements"),
            ncount(
                _("%(n)s acteur remercié"),
                _("%(n)s acteurs remerciés"),
                sum(len(group["names"]) for group in document["acknowledged"]),
            ),
        ),
    ]
    previous = PactVersion.objects.for_territory(territory).order_by("-number").first()
    return {
        "pact": pact,
        "document": document,
        "number": pact.version + 1,
        "sections": sections,
        "previous": previous,
        "changes": document_changes(previous.content, document) if previous else [],
    }


WITHDRAWAL_REASON_MAX_LENGTH = 1000


@transaction.atomic
def pact_withdraw(*, pact: Pact, reason: str, actor=None) -> Pact:
    """Withdraw a published pact: its public page shows the reason instead of the text, its documents are no
    longer served and its home card disappears. Republishing makes a new version."""
    pact = Pact.objects.select_for_update().get(pk=pact.pk)
    if pact.status != PactStatus.PUBLISHED:
        raise PactTransitionError(_("Seul un pacte publié peut être retiré."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise PactTransitionError(_("Indiquez la raison du retrait : elle est affichée sur la page publique."))
    if len(reason) > WITHDRAWAL_REASON_MAX_LENGTH:
        raise PactTransitionError(
            _("La raison du retrait ne peut dépasser %(n)s caractères.") % {"n": WITHDRAWAL_REASON_MAX_LENGTH}
        )
    pact.status = PactStatus.WITHDRAWN
    pact.withdrawn_at, pact.withdrawn_by, pact.withdrawal_reason = timezone.now(), actor, reason
    pact.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    journal_write(
        territory=pact.territory,
        verb=JournalVerb.PACT_WITHDRAWN,
        actor=actor,
        message=_("Pacte retiré de la publication (version %(v)s) : %(r)s") % {"v": pact.version, "r": reason},
    )
    return pact


def pact_reaction_arrived(*, reaction) -> bool:
    """A veto or an adjustment waiting for a decision arrived: a VALIDATED pact (not yet published) goes back to
    draft, with a message for the roadmap. Returns whether it did."""
    if reaction.kind not in (ReactionKind.VETO, ReactionKind.ADJUST) or reaction.resolution_id is not None:
        return False
    reason = (
        _("Un veto est arrivé après la validation : le pacte est repassé en brouillon.")
        if reaction.kind == ReactionKind.VETO
        else _("Un ajustement est arrivé après la validation : le pacte est repassé en brouillon.")
    )
    # One conditional UPDATE (atomic by itself): the reaction's hot path pays one query when nothing changes.
    reopened = Pact.objects.filter(territory_id=reaction.territory_id, status=PactStatus.VALIDATED).update(
        status=PactStatus.DRAFT, reopened_at=timezone.now(), reopened_reason=reason
    )
    if not reopened:
        return False
    JournalEntry.objects.create(territory_id=reaction.territory_id, verb=JournalVerb.PACT_REOPENED, message=reason)
    return True


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

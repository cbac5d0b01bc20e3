"""The pact of a territory: its editorial content and its life cycle draft → validated → published."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned, lines


class PactStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    VALIDATED = "validated", _("Validé")
    PUBLISHED = "published", _("Publié")
    WITHDRAWN = "withdrawn", _("Retiré de la publication")


class Pact(models.Model):
    territory = models.OneToOneField(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="pact",
        verbose_name=_("territoire"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=PactStatus, default=PactStatus.DRAFT)
    version = models.PositiveIntegerField(
        _("version publiée"), default=0, help_text=_("0 tant qu'aucune version n'est publiée.")
    )
    published_on = models.DateField(_("publié le"), null=True, blank=True)
    title = models.CharField(_("titre"), max_length=300)
    subtitle = models.CharField(_("sous-titre"), max_length=300, blank=True)
    # JPEG or PNG, checked by content (pacte.drafting.services.cover_image_check), served by an access-checked view.
    cover_image = models.FileField(_("image de couverture"), upload_to="couvertures/", blank=True)
    editorial_title = models.CharField(_("titre de l'édito"), max_length=300, blank=True)
    editorial = models.TextField(_("édito"), blank=True, help_text=_("Un paragraphe par bloc."))
    ambitions = models.TextField(_("ambitions (une par ligne)"), blank=True)
    acknowledgements = models.TextField(_("remerciements"), blank=True)
    # Withdrawn from publication: the public page shows the reason instead of the pact (republishing clears it).
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("retiré par"),
    )
    withdrawal_reason = models.TextField(_("raison du retrait"), blank=True)
    # Sent back to draft by a reaction arrived after validation: said on the roadmap until the next validation.
    reopened_at = models.DateTimeField(_("repassé en brouillon le"), null=True, blank=True)
    reopened_reason = models.TextField(_("raison du retour en brouillon"), blank=True)

    class Meta:
        verbose_name = _("pacte")
        verbose_name_plural = _("pactes")

    def __str__(self):
        return self.title

    @property
    def is_public(self):
        """Whether the pact's pages are public (its text, prides, calendar, indicators): published, not withdrawn.
        A withdrawn pact keeps only its public notice (pacte.public.views.pact_detail)."""
        return self.status == PactStatus.PUBLISHED

    @property
    def is_withdrawn(self):
        return self.status == PactStatus.WITHDRAWN

    @property
    def editorial_paragraphs(self):
        return [p.strip() for p in (self.editorial or "").split("\n\n") if p.strip()]

    @property
    def ambition_list(self):
        return lines(self.ambitions)


class PactVersion(TerritoryOwned):
    """A published version of the pact, frozen: what it said on the day it was published (v1, v2…).

    `content` is the whole document (pacte.publications.document.pact_document); `changes` says in words
    what changed since the previous version. Later edits of the data never change a published version.
    """

    number = models.PositiveIntegerField(_("version"))
    published_on = models.DateField(_("publiée le"))
    content = models.JSONField(_("contenu"))
    changes = models.JSONField(_("changements"), default=list, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("publiée par"),
    )
    created_at = models.DateTimeField(_("figée le"), auto_now_add=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("version publiée du pacte")
        verbose_name_plural = _("versions publiées du pacte")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["territory", "number"], name="unique_pact_version")]

    def __str__(self):
        return f"v{self.number} ({self.published_on:%d/%m/%Y})"


class DocumentKind(models.TextChoices):
    PDF = "pdf", _("PDF")
    PPTX = "pptx", _("PowerPoint")


class PactDocument(TerritoryOwned):
    """The PDF or the PowerPoint file of a published version, generated once and kept with it.

    The bytes live in the database, not in MEDIA_ROOT: a published document is public, but it has no file path
    that a path-based server could expose or that a traversal could reach; it is written in the same database
    as its version (backups and restores carry both together, every application server sees it without a shared
    volume), and it is small (about 120 KB each for the reference case, a few versions per territory). `sha256` is the
    ETag it is served with; `content` is read only when the bytes are sent (never for a 304).
    """

    territory_parent = "version"

    version = models.ForeignKey(
        PactVersion, on_delete=models.CASCADE, related_name="documents", verbose_name=_("version publiée")
    )
    kind = models.CharField(_("format"), max_length=4, choices=DocumentKind)
    content = models.BinaryField(_("contenu"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("taille (octets)"))
    created_at = models.DateTimeField(_("produit le"), auto_now_add=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("document d'une version publiée")
        verbose_name_plural = _("documents des versions publiées")
        constraints = [models.UniqueConstraint(fields=["version", "kind"], name="unique_pact_document")]

    def __str__(self):
        return f"{self.version} — {self.get_kind_display()}"

"""Base models shared by every domain app, and the audit journal."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritoryQuerySet(models.QuerySet):
    def for_territory(self, territory):
        return self.filter(territory=territory)


class TerritoryOwned(models.Model):
    """Every territory-owned row carries its territory, so every query can be scoped by it."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("territoire"),
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)

    objects = TerritoryQuerySet.as_manager()

    # Name of the FK whose target must belong to the same territory (e.g. "commitment").
    territory_parent: str | None = None

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def _parent(self):
        if self.territory_parent and getattr(self, f"{self.territory_parent}_id"):
            return getattr(self, self.territory_parent)
        return None

    def clean(self):
        super().clean()
        parent = self._parent()
        if parent is not None and self.territory_id and parent.territory_id != self.territory_id:
            raise ValidationError(
                _("Cet élément doit appartenir au même territoire que « %(parent)s ».") % {"parent": parent}
            )

    def save(self, *args, **kwargs):
        parent = self._parent()
        if parent is not None:
            if not self.territory_id:
                self.territory_id = parent.territory_id
            elif parent.territory_id != self.territory_id:
                raise ValueError(f"{self!r} and its {self.territory_parent} belong to different territories")
        super().save(*args, **kwargs)


def ncount(singular: str, plural: str, n: int) -> str:
    """French plural rule (0 and 1 take the singular) for messages built in Python: "%(n)s" is replaced by n."""
    return (plural if n > 1 else singular) % {"n": n}


def lines(text: str) -> list[str]:
    """A text field kept as one item per line, read as a list (blank lines dropped)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class JournalVerb(models.TextChoices):
    TERRITORY_CREATED = "territory_created", _("Territoire créé")
    TEMPLATE_LOADED = "template_loaded", _("Modèle générique chargé")
    REFERENCE_CASE_LOADED = "reference_case_loaded", _("Cas de référence chargé")
    PACT_VALIDATED = "pact_validated", _("Pacte validé")
    PACT_PUBLISHED = "pact_published", _("Pacte publié")
    TRACKING_FILE_IMPORTED = "tracking_file_imported", _("Fichier de suivi importé")
    INTERVIEW_RECORDED = "interview_recorded", _("Entretien enregistré")
    FINDINGS_MERGED = "findings_merged", _("Constats fusionnés")
    RESOLUTION_RECORDED = "resolution_recorded", _("Veto ou ajustement tranché")
    COMMITMENTS_VERSION_FROZEN = "commitments_version_frozen", _("Version des engagements figée")
    COMPANY_INVITED = "company_invited", _("Entreprise invitée au pacte")
    MEMBERSHIP_STARTED = "membership_started", _("Adhésion au pacte")
    MEMBERSHIP_ENDED = "membership_ended", _("Adhésion terminée")
    REVIEW_HELD = "review_held", _("Revue annuelle tenue")
    MEMBER_INVITED = "member_invited", _("Membre invité")
    INVITATION_RESENT = "invitation_resent", _("Invitation renvoyée")
    INVITATION_CANCELLED = "invitation_cancelled", _("Invitation annulée")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation acceptée")
    MEMBER_ROLE_CHANGED = "member_role_changed", _("Rôle d'un membre modifié")
    MEMBER_REMOVED = "member_removed", _("Membre retiré")
    ACCESS_REQUESTED = "access_requested", _("Accès demandé")
    ACCESS_REQUEST_DECIDED = "access_request_decided", _("Demande d'accès tranchée")
    COMMITTEE_MEMBER_INVITED = "committee_member_invited", _("Membre de comité invité")
    TERRITORY_ARCHIVED = "territory_archived", _("Territoire archivé")
    TERRITORY_RESTORED = "territory_restored", _("Territoire restauré")
    TERRITORY_DELETED = "territory_deleted", _("Territoire supprimé")
    PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Données personnelles exportées")
    PERSONAL_DATA_ERASED = "personal_data_erased", _("Données personnelles effacées")
    PACT_WITHDRAWN = "pact_withdrawn", _("Pacte retiré de la publication")
    PACT_REOPENED = "pact_reopened", _("Pacte repassé en brouillon")
    TERRITORY_PERIMETER_EXTENDED = "territory_perimeter_extended", _("Périmètre étendu")
    NATIONAL_DEMO_LOADED = "national_demo_loaded", _("Démo nationale chargée")
    SYNERGY_DECLARATION_SAVED = "synergy_declaration_saved", _("Offre ou besoin déclaré")
    SYNERGY_DECLARATION_DELETED = "synergy_declaration_deleted", _("Offre ou besoin retiré")
    SYNERGIES_PROPOSED = "synergies_proposed", _("Synergies proposées")
    SYNERGY_STATUS_CHANGED = "synergy_status_changed", _("Statut d'une synergie modifié")
    SYNERGY_CONSENT = "synergy_consent", _("Mise en relation acceptée ou déclinée")
    SYNERGY_SETTINGS_CHANGED = "synergy_settings_changed", _("Distances de mise en relation modifiées")


class JournalEntry(models.Model):
    """Append-only journal of what happened to a territory's central objects."""

    # Kept when its territory is deleted (the deletion itself is journalled, naming the territory).
    territory = models.ForeignKey(
        "territories.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="journal",
        verbose_name=_("territoire"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("auteur")
    )
    verb = models.CharField(_("événement"), max_length=64, choices=JournalVerb)
    message = models.TextField(_("détail"))
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb}: {self.message}"


def journal_write(*, territory, verb: str, message: str, actor=None) -> JournalEntry:
    return JournalEntry.objects.create(territory=territory, verb=verb, message=message, actor=actor)

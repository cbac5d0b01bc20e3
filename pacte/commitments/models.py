"""Themes and the reciprocal commitments of the pact (company side / territory side)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pacte.core.models import TerritoryOwned, lines


class Theme(TerritoryOwned):
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("nom"), max_length=100)
    short_name = models.CharField(
        _("intitulé court"), max_length=40, blank=True, help_text=_("Pour les menus et les onglets ; le nom sinon.")
    )

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")
        constraints = [models.UniqueConstraint(fields=["territory", "code"], name="unique_theme_code")]

    def __str__(self):
        return self.name


class Commitment(TerritoryOwned):
    """A reciprocal commitment: what companies commit to, and what the territory commits to."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("thématique"))
    short_title = models.CharField(_("intitulé court"), max_length=300)
    title = models.CharField(_("intitulé"), max_length=300)
    company_intro = models.TextField(_("les entreprises s'engagent à…"), blank=True)
    territory_intro = models.TextField(_("le territoire s'engage à…"), blank=True)
    note = models.TextField(_("remarque"), blank=True)
    from_template = models.BooleanField(
        _("texte du modèle"),
        default=False,
        editable=False,
        help_text=_("Encore au texte du modèle générique : pas encore adapté avec les acteurs locaux."),
    )

    territory_parent = "theme"

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")

    def __str__(self):
        return self.title


class Action(TerritoryOwned):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("action"))
    details = models.TextField(_("précisions (une par ligne)"), blank=True)

    territory_parent = "commitment"

    class Meta(TerritoryOwned.Meta):
        abstract = True

    def __str__(self):
        return self.text

    @property
    def detail_list(self):
        return lines(self.details)


class CompanyAction(Action):
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="company_actions",
        verbose_name=_("engagement"),
    )

    class Meta(Action.Meta):
        verbose_name = _("action des entreprises")
        verbose_name_plural = _("actions des entreprises")


class TerritoryAction(Action):
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="territory_actions",
        verbose_name=_("engagement"),
    )

    class Meta(Action.Meta):
        verbose_name = _("action du territoire")
        verbose_name_plural = _("actions du territoire")


class CommitmentsVersion(TerritoryOwned):
    """A frozen version of all the reciprocal commitments of a territory (v1 from interviews → v2 after workshops).

    `content` holds every theme, commitment and action as they read at that moment; `changelog` says, in
    words, what changed since the previous version.
    """

    number = models.PositiveIntegerField(_("version"))
    label = models.CharField(_("intitulé"), max_length=200)
    content = models.JSONField(_("contenu"))
    changelog = models.TextField(_("changements"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("figée par"),
    )
    created_at = models.DateTimeField(_("figée le"), auto_now_add=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("version des engagements")
        verbose_name_plural = _("versions des engagements")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["territory", "number"], name="unique_commitments_version")]

    def __str__(self):
        return f"v{self.number} — {self.label}"


class EditRecord(TerritoryOwned):
    """One field of one item of the pact as it read before and after a save in the pact editor (append-only).

    `item_type` names the kind of item ("pact", "key_figure", "principle", "theme"); `item_id` its primary key (the
    item may since have been removed: its history stays readable). A creation has an empty `old_text`, a removal an
    empty `new_text`.
    """

    item_type = models.CharField(_("type d'élément"), max_length=30)
    item_id = models.PositiveBigIntegerField(_("élément"))
    field = models.CharField(_("champ"), max_length=50)
    old_text = models.TextField(_("ancien texte"), blank=True)
    new_text = models.TextField(_("nouveau texte"), blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("modifié par"),
    )
    edited_at = models.DateTimeField(_("modifié le"), auto_now_add=True)

    class Meta(TerritoryOwned.Meta):
        verbose_name = _("modification du pacte")
        verbose_name_plural = _("historique des modifications du pacte")
        ordering = ["-edited_at", "-pk"]
        indexes = [models.Index(fields=["territory", "item_type", "item_id"], name="edit_record_item")]

    def __str__(self):
        return f"{self.item_type} {self.item_id} {self.field} ({self.edited_at:%Y-%m-%d %H:%M})"

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.core.widgets import UploadInput

from .sirene import UPLOAD_LIMITS

ACCEPT = ".csv,.zip,.parquet"
MiB = 1024 * 1024


class SireneUploadForm(DsfrBaseForm):
    establishments = forms.FileField(
        label=_("Établissements (StockEtablissement)"),
        help_text=_(
            "L'extrait d'un département au format de l'Insee : CSV en UTF-8 séparé par des virgules, CSV compressé en "
            "zip, ou Parquet ; 50 Mo au plus. Seuls les établissements des communes du territoire sont gardés."
        ),
        widget=UploadInput(attrs={"accept": ACCEPT}),
    )
    units = forms.FileField(
        label=_("Unités légales (StockUniteLegale), facultatif"),
        required=False,
        help_text=_("Donne la catégorie d'entreprise (PME, ETI, GE) et le nom des entreprises ; même format."),
        widget=UploadInput(attrs={"accept": ACCEPT}),
    )
    stock_month = forms.RegexField(
        label=_("Mois du stock (facultatif)"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        help_text=_("Au format AAAA-MM, par exemple 2024-11 ; sinon lu dans le fichier (date du dernier traitement)."),
        error_messages={"invalid": _("Écrivez le mois au format AAAA-MM, par exemple 2024-11.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("establishments", "units"):
            self.fields[name].widget.group_class = "fr-upload-group"

    def _check(self, upload):
        if upload and upload.size == 0:
            raise forms.ValidationError(_("Le fichier est vide."))
        if upload and upload.size > UPLOAD_LIMITS.max_bytes:
            raise forms.ValidationError(
                _("Le fichier dépasse %(n)s Mo : déposez l'extrait d'un département, compressé en zip.")
                % {"n": UPLOAD_LIMITS.max_bytes // MiB}
            )
        return upload

    def clean_establishments(self):
        return self._check(self.cleaned_data["establishments"])

    def clean_units(self):
        return self._check(self.cleaned_data.get("units"))


class FiguresApplyForm(DsfrBaseForm):
    count_mode = forms.ChoiceField(
        label=_("Chiffre clé « établissements industriels employeurs »"),
        choices=[
            ("", _("Ne pas modifier les chiffres clés")),
            ("beside", _("L'ajouter à côté des chiffres saisis (ou mettre à jour celui issu de Sirene)")),
            ("replace", _("Remplacer le chiffre saisi de même libellé")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    sizes = forms.BooleanField(
        label=_("Remplacer la répartition par taille d'entreprise du pacte par celle calculée"), required=False
    )

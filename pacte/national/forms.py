from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.territories.geography import region_choices

from .cockpit import SORTS, STEP_LABELS


class TerritoriesFileForm(DsfrBaseForm):
    file = forms.FileField(
        label=_("Liste des territoires (CSV ou Excel .xlsx)"),
        help_text=_(
            "Une ligne par territoire, avec les colonnes « Territoire », « Région », « SIREN des EPCI » (plusieurs "
            "par cellule, séparés par des virgules, des espaces ou des points-virgules) et « Courriels de l'équipe ». "
            "CSV en UTF-8 ou Windows-1252, séparé par des virgules ou des points-virgules."
        ),
    )


class CockpitFilterForm(DsfrBaseForm):
    region = forms.ChoiceField(label=_("Région"), required=False)
    etape = forms.TypedChoiceField(label=_("Étape atteinte"), required=False, coerce=int, empty_value=None)
    tri = forms.ChoiceField(label=_("Trier par"), required=False, choices=[(k, k) for k in SORTS])
    ordre = forms.ChoiceField(label=_("Ordre"), required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Toutes les régions")), *region_choices()]
        self.fields["etape"].choices = [("", _("Toutes les étapes")), *((str(k), v) for k, v in STEP_LABELS.items())]


class CommuneSearchForm(forms.Form):
    q = forms.CharField(label=_("Nom de votre commune ou code postal"), max_length=100, required=False)

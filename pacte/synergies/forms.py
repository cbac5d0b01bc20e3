"""Forms of the mutualisation app (DSFR, French errors; the rules live in the models and services)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import Declaration, Kind


class DeclarationForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Declaration
        fields = [
            "direction",
            "kind",
            "energy_form",
            "temperature_c",
            "waste_code",
            "description",
            "quantity",
            "unit",
            "frequency",
            "starts_on",
            "ends_on",
            "commune_code",
            "visibility",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "visibility": _("Rien n'est montré au-delà de ce que vous choisissez."),
        }


class KindFilterForm(forms.Form):
    nature = forms.ChoiceField(label=_("Nature"), required=False, choices=[("", _("Toutes")), *Kind.choices])


class RealisedForm(DsfrBaseForm):
    """Quantities as text: "12,5" or "1 200" are read by the service, which says in French what is wrong."""

    year = forms.IntegerField(label=_("Année de réalisation"))
    tonnes_per_year = forms.CharField(label=_("Tonnes échangées par an"), required=False, max_length=20)
    mwh_per_year = forms.CharField(label=_("MWh échangés par an"), required=False, max_length=20)
    m3_per_year = forms.CharField(label=_("m³ échangés par an"), required=False, max_length=20)
    euros_per_year = forms.CharField(label=_("Euros économisés par an"), required=False, max_length=20)


class SettingsForm(DsfrBaseForm):
    """One field per kind: the maximum distance in km."""

    def __init__(self, *args, current: dict, **kwargs):
        for kind, label in Kind.choices:
            self.base_fields[kind] = forms.FloatField(
                label=_("%(k)s : distance maximale (km)") % {"k": label},
                min_value=0.1,
                max_value=1000,
                initial=current[kind],
            )
        super().__init__(*args, **kwargs)

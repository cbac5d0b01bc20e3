"""Forms of indicator values (company side and team side) and of an indicator's definition.

The forms collect; the checks live in services.indicator_value_save, whose French errors name the field and are
put back on the form's field by `errors_to_form`.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr

from pacte.core.widgets import UploadInput

from .models import Aggregation, Indicator, Level, Source, ValueType, Verification
from .services import takes_denominator


def rebind(form) -> None:
    """Bind the form's fields again after __init__ changed them.

    DsfrBaseForm binds (and caches) every field as soon as it is built: a field replaced afterwards (the Oui/Non
    choice of a yes/no indicator) would still render as the old one — a free text box that refuses "Oui" — and
    a changed label or help text would not show.
    """
    form._bound_fields_cache.clear()
    for visible in form.visible_fields():
        dsfr_input_class_attr(visible)


def errors_to_form(form, error: ValidationError) -> None:
    """A service's ValidationError put on the form: on the field it names, or on top of the form."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class ValueForm(DsfrBaseForm):
    """One indicator's value for one year, as a company (or the team for it) enters it."""

    value = forms.CharField(label=_("Valeur"), required=False, max_length=40)
    denominator = forms.CharField(label=_("Dénominateur"), required=False, max_length=40)
    not_applicable = forms.BooleanField(
        label=_("Sans objet"),
        required=False,
        help_text=_("L'indicateur ne s'applique pas à l'entreprise (différent de zéro, et d'une valeur manquante)."),
    )
    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    proof = forms.FileField(
        label=_("Justificatif"),
        required=False,
        widget=UploadInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        help_text=_("Facultatif. PDF, JPEG ou PNG, 5 Mo au plus."),
    )
    public = forms.BooleanField(
        label=_("Publiable"),
        required=False,
        help_text=_("L'entreprise accepte que cette valeur soit publiée sur la page publique du pacte."),
    )

    def __init__(self, *args, indicator: Indicator, **kwargs):
        self.indicator = indicator
        super().__init__(*args, **kwargs)
        if indicator.value_type == ValueType.BOOLEAN:
            self.fields["value"] = forms.ChoiceField(
                label=_("Réponse"),
                required=False,
                choices=[("1", _("Oui")), ("0", _("Non"))],
                widget=forms.RadioSelect,
            )
        elif takes_denominator(indicator):
            self.fields["value"].label = _("Numérateur")
            self.fields["value"].help_text = indicator.definition[:300]
            self.fields["denominator"].help_text = _("Obligatoire, strictement positif.")
        else:
            unit = indicator.unit or indicator.get_value_type_display()
            self.fields["value"].label = _("Valeur (%(u)s)") % {"u": unit}
        if not takes_denominator(indicator):
            del self.fields["denominator"]
        if indicator.aggregation == Aggregation.TERRITORY:
            del self.fields["public"]  # the territory's own value is public data
        rebind(self)


class TeamValueForm(ValueForm):
    """The team enters a value for a member company (or the territory's own value) and its verification."""

    year = forms.IntegerField(label=_("Année"))
    verification = forms.ChoiceField(label=_("Vérification"), choices=Verification.choices)

    field_order = ["company", "year", "value", "denominator", "not_applicable", "comment", "proof"]

    def __init__(self, *args, indicator: Indicator, companies, **kwargs):
        super().__init__(*args, indicator=indicator, **kwargs)
        self.fields.pop("public", None)  # only the company consents to publishing its own value
        if indicator.aggregation != Aggregation.TERRITORY:
            self.fields["company"] = forms.ModelChoiceField(
                label=_("Entreprise"), queryset=companies, empty_label=_("Choisir une entreprise adhérente")
            )
        if indicator.source != Source.PUBLIC:
            self.fields["verification"].choices = [
                (Verification.DECLARED, Verification.DECLARED.label),
                (Verification.CHECKED, Verification.CHECKED.label),
            ]
        self.order_fields(self.field_order)
        rebind(self)


class DefinitionForm(DsfrBaseForm):
    code = forms.SlugField(label=_("Code"), max_length=60, help_text=_("Stable d'une année à l'autre."))
    definition = forms.CharField(label=_("Définition"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    unit = forms.CharField(label=_("Unité"), required=False, max_length=40)
    value_type = forms.ChoiceField(label=_("Type de valeur"), choices=ValueType.choices)
    level = forms.ChoiceField(label=_("Niveau"), choices=Level.choices)
    aggregation = forms.ChoiceField(
        label=_("Agrégation"),
        choices=Aggregation.choices,
        help_text=_("Les taux sont toujours le rapport des sommes, jamais la moyenne des taux des entreprises."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    vsme_reference = forms.CharField(
        label=_("Référence VSME"),
        required=False,
        max_length=60,
        help_text=_("Le point de données de la norme VSME (EFRAG) correspondant, par ex. « B3 » ; vide sinon."),
    )
    baseline = forms.DecimalField(label=_("Valeur de référence"), required=False, max_digits=16, decimal_places=4)
    baseline_year = forms.IntegerField(label=_("Année de référence"), required=False)
    target_1y = forms.DecimalField(label=_("Cible à 1 an"), required=False, max_digits=16, decimal_places=4)
    target_3y = forms.DecimalField(label=_("Cible à 3 ans"), required=False, max_digits=16, decimal_places=4)

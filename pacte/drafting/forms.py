"""Forms of the pact editor: each carries the fingerprint of the texts it was loaded from (`loaded`)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.governance.models import Cadence
from pacte.indicators.models import Aggregation, Level, Source, ValueType
from pacte.territories.models import SizeClass

from .services import (
    TITLE_MAX_LENGTH,
    cover_image_check,
    figure_date_clean,
    indicator_code_taken,
    percentage_parse,
    size_classes_check,
    theme_name_taken,
)


def _required(message):
    return {"required": message}


class EditorForm(DsfrBaseForm):
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    item_fields: tuple[str, ...] = ()

    def __init__(self, *args, territory=None, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory, self.item = territory, item

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.item_fields}

    def clean(self):
        cleaned = super().clean()
        for name in self.item_fields:  # a text of only spaces is an empty text
            value = cleaned.get(name)
            if isinstance(value, str):
                cleaned[name] = value.strip()
        return cleaned


class TitleForm(EditorForm):
    item_fields = ("title", "subtitle")
    title = forms.CharField(
        label=_("Titre du pacte"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("Le titre de la couverture, de la page publique et du PowerPoint (%(n)s caractères au plus).")
        % {"n": TITLE_MAX_LENGTH},
        error_messages={
            "required": _("Donnez un titre au pacte."),
            "max_length": _(
                "Le titre ne peut dépasser %(limit_value)s caractères (il en compte %(show_value)s) : "
                "au-delà, il ne tient plus sur la couverture ni dans le PowerPoint."
            ),
        },
    )
    subtitle = forms.CharField(
        label=_("Sous-titre"),
        max_length=TITLE_MAX_LENGTH,
        required=False,
        help_text=_("Sous le titre, sur la couverture (facultatif)."),
        error_messages={"max_length": _("Le sous-titre ne peut dépasser %(limit_value)s caractères.")},
    )


class CoverImageForm(DsfrBaseForm):
    """The cover's image: a JPEG or PNG of at most 5 Mo and 6000 × 6000 pixels, checked by its content."""

    image = forms.FileField(
        label=_("Image de couverture"),
        help_text=_("JPEG ou PNG, 5 Mo et 6000 × 6000 pixels au plus."),
        error_messages={"required": _("Choisissez une image."), "empty": _("Ce fichier est vide.")},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def clean_image(self):
        image = self.cleaned_data["image"]
        cover_image_check(image)
        return image


class EditorialForm(EditorForm):
    item_fields = ("editorial_title", "editorial", "ambitions")
    editorial_title = forms.CharField(
        label=_("Titre de l'édito"),
        max_length=300,
        required=False,
        error_messages={"max_length": _("Le titre de l'édito ne peut dépasser %(limit_value)s caractères.")},
    )
    editorial = forms.CharField(
        label=_("Édito"),
        help_text=_("Le mot de la collectivité ; séparez les paragraphes par une ligne vide."),
        widget=forms.Textarea(attrs={"rows": 14}),
        error_messages=_required(_("L'édito ne peut pas être vide.")),
    )
    ambitions = forms.CharField(
        label=_("Ambitions"),
        required=False,
        help_text=_("Une ambition par ligne (« Ce pacte a pour ambition… »)."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AcknowledgementsForm(EditorForm):
    item_fields = ("acknowledgements",)
    acknowledgements = forms.CharField(
        label=_("Remerciements"),
        help_text=_("Les acteurs remerciés par le pacte (entretiens, ateliers)."),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required(_("Les remerciements ne peuvent pas être vides.")),
    )


class KeyFigureForm(EditorForm):
    item_fields = ("value", "label", "source", "date")
    value = forms.CharField(
        label=_("Valeur"),
        max_length=50,
        help_text=_("Par exemple « 12 500 » ou « 18 % »."),
        error_messages={
            "required": _("Indiquez la valeur du chiffre clé."),
            "max_length": _("La valeur ne peut dépasser %(limit_value)s caractères."),
        },
    )
    label = forms.CharField(
        label=_("Libellé"),
        max_length=300,
        error_messages={
            "required": _("Indiquez ce que mesure ce chiffre."),
            "max_length": _("Le libellé ne peut dépasser %(limit_value)s caractères."),
        },
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("Par exemple « Insee, Flores »."),
        error_messages={"max_length": _("La source ne peut dépasser %(limit_value)s caractères.")},
    )
    date = forms.CharField(
        label=_("Date"),
        max_length=40,
        required=False,
        help_text=_("L'année (« 2021 ») ou le mois (« novembre 2024 ») que décrit le chiffre."),
    )

    def clean_date(self):
        return figure_date_clean(self.cleaned_data["date"])


class PrincipleForm(EditorForm):
    item_fields = ("title", "text")
    title = forms.CharField(
        label=_("Titre du principe"),
        max_length=200,
        error_messages={
            "required": _("Donnez un titre à ce principe."),
            "max_length": _("Le titre ne peut dépasser %(limit_value)s caractères."),
        },
    )
    text = forms.CharField(
        label=_("Texte"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required(_("Le texte du principe ne peut pas être vide.")),
    )


class ThemeForm(EditorForm):
    item_fields = ("name", "short_name")
    name = forms.CharField(
        label=_("Nom de la thématique"),
        max_length=100,
        error_messages={
            "required": _("Donnez un nom à la thématique."),
            "max_length": _("Le nom ne peut dépasser %(limit_value)s caractères."),
        },
    )
    short_name = forms.CharField(
        label=_("Intitulé court"),
        max_length=40,
        required=False,
        help_text=_("Pour les menus et les onglets (40 caractères au plus) ; le nom sinon."),
        error_messages={"max_length": _("L'intitulé court ne peut dépasser %(limit_value)s caractères.")},
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if theme_name_taken(territory=self.territory, name=name, exclude_pk=self.item.pk if self.item else None):
            raise forms.ValidationError(_("Une autre thématique porte déjà ce nom."))
        return name


class FrenchDecimalField(forms.CharField):
    """A number as French people type it: "12,5", "1 250,75", "12.5"."""

    default_error_messages = {"invalid": _("Saisissez un nombre, par exemple « 12,5 ».")}

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return percentage_parse(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f").replace(".", ",")
        return value


def _decimal(label, help_text=""):
    return FrenchDecimalField(label=label, required=False, help_text=help_text)


class IndicatorForm(EditorForm):
    item_fields = (
        "name",
        "code",
        "definition",
        "unit",
        "value_type",
        "aggregation",
        "level",
        "source",
        "baseline",
        "baseline_year",
        "target_1y",
        "target_3y",
    )
    name = forms.CharField(
        label=_("Indicateur"),
        max_length=500,
        error_messages={
            "required": _("Donnez un nom à l'indicateur."),
            "max_length": _("Le nom ne peut dépasser %(limit_value)s caractères."),
        },
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        required=False,
        help_text=_(
            "Stable d'une année à l'autre, unique dans le territoire (lettres sans accents, chiffres, tirets)."
        ),
        error_messages={
            "invalid": _(
                "Le code ne contient que des lettres sans accents, des chiffres, des tirets et des tirets bas."
            ),
            "max_length": _("Le code ne peut dépasser %(limit_value)s caractères."),
        },
    )
    definition = forms.CharField(label=_("Définition"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.CharField(
        label=_("Unité"),
        max_length=40,
        required=False,
        error_messages={"max_length": _("L'unité ne peut dépasser %(limit_value)s caractères.")},
    )
    value_type = forms.ChoiceField(label=_("Type de valeur"), choices=ValueType.choices)
    aggregation = forms.ChoiceField(label=_("Agrégation"), choices=Aggregation.choices)
    level = forms.ChoiceField(label=_("Niveau de suivi"), choices=Level.choices)
    source = forms.ChoiceField(label=_("Source des valeurs"), choices=Source.choices)
    baseline = _decimal(_("Valeur de référence"))
    baseline_year = forms.IntegerField(
        label=_("Année de référence"),
        required=False,
        min_value=1990,
        max_value=2100,
        error_messages={
            "invalid": _("Saisissez une année, par exemple 2024."),
            "min_value": _("L'année de référence ne peut précéder %(limit_value)s."),
            "max_value": _("L'année de référence ne peut dépasser %(limit_value)s."),
        },
    )
    target_1y = _decimal(_("Cible à 1 an"))
    target_3y = _decimal(_("Cible à 3 ans"))

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        exclude = self.item.pk if self.item else None
        if code and indicator_code_taken(territory=self.territory, code=code, exclude_pk=exclude):
            raise forms.ValidationError(
                _("Le code « %(c)s » est déjà celui d'un autre indicateur du territoire.") % {"c": code}
            )
        return code


class ThematicGroupForm(EditorForm):
    item_fields = ("name", "objectives", "participants", "animation", "example_indicators", "partners", "cadence")
    name = forms.CharField(
        label=_("Nom du groupe"),
        max_length=200,
        error_messages={
            "required": _("Donnez un nom au groupe thématique."),
            "max_length": _("Le nom ne peut dépasser %(limit_value)s caractères."),
        },
    )
    objectives = forms.CharField(
        label=_("Objectifs"),
        required=False,
        help_text=_("Un objectif par ligne."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    participants = forms.CharField(label=_("Participants"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    animation = forms.CharField(label=_("Animation"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    example_indicators = forms.CharField(
        label=_("Exemples d'indicateurs"),
        required=False,
        help_text=_("Un indicateur par ligne."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    partners = forms.CharField(
        label=_("Partenaires"),
        required=False,
        help_text=_("Un partenaire par ligne."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cadence = forms.ChoiceField(label=_("Cadence"), required=False, choices=[("", _("Non précisée")), *Cadence.choices])


class EventForm(EditorForm):
    item_fields = ("name", "date", "end_date", "organiser", "description")
    name = forms.CharField(
        label=_("Nom de la rencontre"),
        max_length=200,
        error_messages={
            "required": _("Donnez un nom à la rencontre."),
            "max_length": _("Le nom ne peut dépasser %(limit_value)s caractères."),
        },
    )
    date = forms.DateField(
        label=_("Date (ou date de début)"),
        help_text=_("Au format jj/mm/aaaa."),
        error_messages={
            "required": _("Indiquez la date de la rencontre."),
            "invalid": _("Cette date n'existe pas : écrivez-la au format jj/mm/aaaa, par exemple 25/11/2024."),
        },
    )
    end_date = forms.DateField(
        label=_("Date de fin"),
        required=False,
        help_text=_("Pour une rencontre de plusieurs jours (facultatif)."),
        error_messages={"invalid": _("Cette date n'existe pas : écrivez-la au format jj/mm/aaaa.")},
    )
    organiser = forms.CharField(
        label=_("Organisée par"),
        max_length=300,
        required=False,
        error_messages={"max_length": _("L'organisateur ne peut dépasser %(limit_value)s caractères.")},
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La date de fin ne peut précéder la date de début."))
        return cleaned


SIDES = (("territory", _("Part dans le territoire (%)")), ("national", _("Part dans les TI de France (%)")))


class SizeClassesForm(DsfrBaseForm):
    """The 4 company sizes, their share in the territory and in all TI, edited as one table."""

    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in SizeClass.choices:
            for side, side_label in SIDES:
                self.fields[f"{side}_{code}"] = FrenchDecimalField(
                    label=f"{label} — {side_label}", required=False, help_text=_("Entre 0 et 100, par exemple 12,5.")
                )

    def rows(self):
        """[(label, (territory field, national field))] for the template's table."""
        return [(label, (self[f"territory_{code}"], self[f"national_{code}"])) for code, label in SizeClass.choices]

    def clean(self):
        cleaned = super().clean()
        shares = {}
        for code, label in SizeClass.choices:
            pair, row_ok = [], True
            for side, _side_label in SIDES:
                name = f"{side}_{code}"
                number = cleaned.get(name)
                if name in self.errors:  # not a number
                    row_ok = False
                elif number is not None and not 0 <= number <= 100:
                    self.add_error(name, _("%(size)s : une part est comprise entre 0 et 100.") % {"size": label})
                    number, row_ok = None, False
                elif number is not None and number != round(number, 1):
                    self.add_error(name, _("%(size)s : une décimale au plus (par exemple 12,5).") % {"size": label})
                    number, row_ok = None, False
                pair.append(number)
            if row_ok and (pair[0] is None) != (pair[1] is None):
                missing = "national" if pair[1] is None else "territory"
                self.add_error(
                    f"{missing}_{code}",
                    _("%(size)s : indiquez les deux parts, ou laissez les deux cases vides.") % {"size": label},
                )
            shares[code] = tuple(pair)
        if not self.errors:
            try:
                size_classes_check(shares)
            except forms.ValidationError as error:
                self.add_error(None, error)
        cleaned["shares"] = shares
        return cleaned

"""Forms of the pact editor: each carries the fingerprint of the texts it was loaded from (`loaded`)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .services import TITLE_MAX_LENGTH, theme_name_taken


def _required(message):
    return {"required": message}


class EditorForm(DsfrBaseForm):
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    item_fields: tuple[str, ...] = ()

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
    item_fields = ("title",)
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
    item_fields = ("value", "label", "source")
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
        label=_("Source et date"),
        max_length=200,
        required=False,
        help_text=_("Par exemple « INSEE, 2021 »."),
        error_messages={"max_length": _("La source ne peut dépasser %(limit_value)s caractères.")},
    )


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

    def __init__(self, *args, territory, theme, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory, self.theme = territory, theme

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if theme_name_taken(territory=self.territory, name=name, exclude_pk=self.theme.pk):
            raise forms.ValidationError(_("Une autre thématique porte déjà ce nom."))
        return name

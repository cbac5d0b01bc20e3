import re

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.core.identifiers import siren_compact, siren_is_valid
from pacte.territories.models import Intercommunality


class TerritoryFromTemplateForm(DsfrBaseForm):
    name = forms.CharField(label=_("Nom du Territoire d'industrie"), max_length=200)
    region = forms.CharField(label=_("Région"), max_length=100, required=False)
    sirens = forms.CharField(
        label=_("SIREN des intercommunalités"),
        help_text=_(
            "Les numéros SIREN des EPCI du périmètre, séparés par des virgules, des espaces ou des retours à la ligne."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_sirens(self):
        raw = []
        for chunk in re.split(r"[,;\n]+", self.cleaned_data["sirens"]):
            pending = ""  # "241 700 434" is one SIREN written the French way: join digit groups up to 9
            for token in chunk.split():
                if token.isdigit() and len(pending + token) <= 9 and (pending or len(token) < 9):
                    pending += token
                    if len(pending) == 9:
                        raw.append(pending)
                        pending = ""
                else:
                    if pending:
                        raw.append(pending)
                        pending = ""
                    raw.append(token)
            if pending:
                raw.append(pending)
        errors, sirens = [], []
        for value in raw:
            if not siren_is_valid(value):
                errors.append(
                    _("« %(v)s » n'est pas un numéro SIREN valide (9 chiffres, clé de contrôle).") % {"v": value}
                )
            else:
                sirens.append(siren_compact(value))
        known = set(Intercommunality.objects.filter(siren__in=sirens).values_list("siren", flat=True))
        errors += [
            _("Le SIREN %(v)s ne correspond à aucune intercommunalité connue.") % {"v": s}
            for s in sirens
            if s not in known
        ]
        if errors:
            raise forms.ValidationError(errors)
        if not sirens:
            raise forms.ValidationError(_("Indiquez au moins une intercommunalité."))
        return list(dict.fromkeys(sirens))

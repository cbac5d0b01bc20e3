import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.core.identifiers import siren_compact, siren_is_valid
from pacte.territories.geography import department_choices, department_region, region_choices
from pacte.territories.models import Intercommunality

MAX_FIRST_MEMBERS = 10


def _with_blank(choices):
    return lambda: [("", _("— Choisir —")), *choices()]


class TerritoryFromTemplateForm(DsfrBaseForm):
    name = forms.CharField(label=_("Nom du Territoire d'industrie"), max_length=200)
    region = forms.ChoiceField(label=_("Région"), choices=_with_blank(region_choices))
    department = forms.ChoiceField(
        label=_("Département principal"),
        required=False,
        choices=_with_blank(department_choices),
        help_text=_("Facultatif ; il doit appartenir à la région choisie."),
    )
    team_emails = forms.CharField(
        label=_("Premiers membres de l'équipe du territoire"),
        help_text=_(
            "Leurs adresses électroniques, séparées par des virgules, des espaces ou des retours à la ligne : "
            "chacun reçoit une invitation à rejoindre l'équipe (lecture et écriture)."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sirens = forms.CharField(
        label=_("SIREN des intercommunalités"),
        help_text=_(
            "Les numéros SIREN des EPCI du périmètre, séparés par des virgules, des espaces ou des retours à la ligne."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["name", "region", "department", "sirens", "team_emails"]

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

    def clean_team_emails(self):
        emails, errors = [], []
        for value in re.split(r"[\s,;]+", self.cleaned_data["team_emails"]):
            value = value.strip().strip("<>").lower()
            if not value:
                continue
            try:
                validate_email(value)
            except ValidationError:
                errors.append(_("« %(v)s » n'est pas une adresse électronique valide.") % {"v": value})
            else:
                emails.append(value)
        if errors:
            raise forms.ValidationError(errors)
        emails = list(dict.fromkeys(emails))
        if not emails:
            raise forms.ValidationError(_("Indiquez l'adresse d'au moins un membre de l'équipe."))
        if len(emails) > MAX_FIRST_MEMBERS:
            raise forms.ValidationError(
                _("Au plus %(n)s adresses ici ; l'équipe invitera les autres depuis sa page.")
                % {"n": MAX_FIRST_MEMBERS}
            )
        return emails

    def clean(self):
        cleaned = super().clean()
        region, department = cleaned.get("region"), cleaned.get("department")
        if region and department and department_region(department) != region:
            self.add_error(
                "department",
                _("Le département %(d)s n'est pas dans la région %(r)s.") % {"d": department, "r": region},
            )
        return cleaned


class TerritoryDeleteForm(DsfrBaseForm):
    confirmation = forms.CharField(
        label=_("Pour confirmer, recopiez le nom du territoire"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

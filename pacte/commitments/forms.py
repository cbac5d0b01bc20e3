"""Forms of the commitments' versions."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

DEFAULT_LABEL = _("Version après les ateliers")
FIRST_LABEL = _("Première version, issue des entretiens")


class VersionFreezeForm(DsfrBaseForm):
    label = forms.CharField(
        label=_("Intitulé de la version"),
        max_length=200,
        help_text=_("Par exemple « Version après les ateliers »."),
        error_messages={"required": _("Donnez un intitulé à la version.")},
    )

    def clean_label(self):
        label = " ".join(self.cleaned_data["label"].split())
        if not label:
            raise forms.ValidationError(_("Donnez un intitulé à la version."))
        return label


class VersionCompareForm(DsfrBaseForm):
    """Two versions to compare; 0 is the live text, not frozen yet."""

    old = forms.TypedChoiceField(label=_("Comparer la version"), coerce=int)
    new = forms.TypedChoiceField(label=_("avec"), coerce=int)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v.number, f"v{v.number} — {v.label}") for v in versions]
        choices.append((0, str(_("Texte actuel (non figé)"))))
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices

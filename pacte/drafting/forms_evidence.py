"""Forms of "utiliser" on a source: create an action from it, amend an action with it, or link it without text."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.interviews.models import IdeaSide

TEXT_ERRORS = {"required": _("Écrivez le texte de l'action.")}


class _CommitmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.short_title or obj.title


def _commitment_field():
    return _CommitmentChoice(
        label=_("Engagement"),
        queryset=None,
        empty_label=_("Choisissez un engagement"),
        error_messages={
            "required": _("Choisissez l'engagement."),
            "invalid_choice": _("Choisissez un engagement de cette thématique."),
        },
    )


class _SourceForm(DsfrBaseForm):
    def __init__(self, *args, commitments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "commitment" in self.fields:
            self.fields["commitment"].queryset = commitments

    def clean_text(self):
        text = (self.cleaned_data.get("text") or "").replace("\r\n", "\n").strip()
        if not text:
            raise forms.ValidationError(TEXT_ERRORS["required"])
        return text


class ActionCreateForm(_SourceForm):
    commitment = _commitment_field()
    side = forms.ChoiceField(
        label=_("Côté de l'engagement"),
        choices=IdeaSide.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez le côté : ce que les entreprises ou ce que le territoire s'engagent à faire."),
            "invalid_choice": _("Choisissez le côté entreprises ou le côté territoire."),
        },
    )
    text = forms.CharField(
        label=_("Texte de la nouvelle action"),
        help_text=_("Prérempli avec le texte de la source : reformulez-le comme une action du pacte."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=TEXT_ERRORS,
    )


class ActionAmendForm(_SourceForm):
    action = forms.CharField(widget=forms.HiddenInput)
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("Nouveau texte de l'action"),
        help_text=_("Il remplace le texte actuel de l'action ; l'ancien reste dans l'historique."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=TEXT_ERRORS,
    )


class LinkForm(_SourceForm):
    commitment = _commitment_field()

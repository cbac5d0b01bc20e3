"""Forms of the ad hoc committee: members, conflicts of interest, opinions, the elected officials' decision.
(The scoring sheet is a grid read by the view: one 0–5 choice and one comment per application and criterion.)"""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import Opinion


class MemberForm(DsfrBaseForm):
    name = forms.CharField(label=_("Nom"), max_length=200)
    role = forms.CharField(
        label=_("Qualité"),
        max_length=200,
        required=False,
        help_text=_(
            "Ex. : Direction de l'Économie de l'EPCI, agence de développement (ADI), dirigeant nouvellement "
            "arrivé, ambassadeur local."
        ),
    )
    email = forms.EmailField(
        label=_("Courriel de la personne (facultatif)"),
        max_length=254,
        required=False,
        help_text=_(
            "La personne reçoit un lien à usage unique pour saisir sa propre grille de notation (elle se connecte ou "
            "crée son compte). Elle ne voit rien d'autre de l'espace du territoire. Sans courriel, l'équipe saisit "
            "sa grille pour elle."
        ),
    )


class ConflictForm(DsfrBaseForm):
    member = forms.ModelChoiceField(label=_("Membre"), queryset=None)
    application = forms.ModelChoiceField(label=_("Candidature"), queryset=None)
    reason = forms.CharField(label=_("Nature du lien"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["application"].queryset = applications


class OpinionForm(DsfrBaseForm):
    application = forms.ModelChoiceField(label=_("Candidature"), queryset=None, widget=forms.HiddenInput)
    opinion = forms.ChoiceField(label=_("Avis du comité"), choices=Opinion.choices)
    justification = forms.CharField(label=_("Justification"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications


class DissentForm(DsfrBaseForm):
    dissent = forms.CharField(
        label=_("Avis divergents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Les positions minoritaires exprimées en séance, avec leurs auteurs s'ils l'acceptent."),
    )


class FinalDecisionForm(DsfrBaseForm):
    application = forms.ModelChoiceField(label=_("Projet retenu par les élus"), queryset=None)
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire si le projet retenu n'est pas le premier classé avec un avis favorable."),
    )

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications

"""Forms of the commitments editor: each carries the fingerprint of the texts it was loaded from (`loaded`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pacte.commitments.models import Commitment

from .forms import EditorForm
from .services_commitments import ACTION_FIELDS, COMMITMENT_FIELDS


def _max(name) -> int:
    return Commitment._meta.get_field(name).max_length


class CommitmentForm(EditorForm):
    item_fields = COMMITMENT_FIELDS
    short_title = forms.CharField(
        label=_("Intitulé court"),
        max_length=_max("short_title"),
        help_text=_("Quelques mots, pour les listes et les ateliers (%(n)s caractères au plus).")
        % {"n": _max("short_title")},
        error_messages={
            "required": _("Donnez un intitulé court à l'engagement."),
            "max_length": _(
                "L'intitulé court ne peut dépasser %(limit_value)s caractères (il en compte %(show_value)s)."
            ),
        },
    )
    title = forms.CharField(
        label=_("Intitulé de l'engagement"),
        max_length=_max("title"),
        help_text=_("La phrase qui ouvre l'engagement dans le pacte (%(n)s caractères au plus).")
        % {"n": _max("title")},
        error_messages={
            "required": _("Donnez un intitulé à l'engagement."),
            "max_length": _("L'intitulé ne peut dépasser %(limit_value)s caractères (il en compte %(show_value)s)."),
        },
    )
    company_intro = forms.CharField(
        label=_("Les entreprises s'engagent à…"),
        required=False,
        help_text=_("L'introduction du côté des entreprises ; leurs actions se rédigent ensuite, une par une."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    territory_intro = forms.CharField(
        label=_("Le territoire s'engage à…"),
        required=False,
        help_text=_("L'introduction du côté du territoire ; ses actions se rédigent ensuite, une par une."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=_("Remarque"),
        required=False,
        help_text=_("Une remarque imprimée sous l'engagement (facultative)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActionForm(EditorForm):
    item_fields = ACTION_FIELDS
    text = forms.CharField(
        label=_("Texte de l'action"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Une action ne peut pas être sans texte.")},
    )
    details = forms.CharField(
        label=_("Précisions"),
        required=False,
        help_text=_("Une précision par ligne (facultatif)."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, autofocus=False, **kwargs):
        super().__init__(*args, **kwargs)
        if autofocus:  # the form swapped in place of the action's text (HTMX): the cursor goes to the text
            self.fields["text"].widget.attrs["autofocus"] = True

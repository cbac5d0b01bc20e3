"""The team's decision on the vetoes and adjustments of one commitment."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.core.models import lines

from .models import Reaction, ReactionKind, Resolution

WORDING_FIELDS = ("title", "company_intro", "company_actions", "territory_intro", "territory_actions")


def pending_reactions(commitment):
    """The vetoes and adjustments of a commitment that wait for a decision (the only ones a form may pick)."""
    return (
        Reaction.objects.filter(
            commitment=commitment,
            resolution__isnull=True,
            kind__in=[ReactionKind.VETO, ReactionKind.ADJUST],
        )
        .select_related("participant__contact__stakeholder", "participant__workshop")
        .order_by("participant__workshop__starts_at", "created_at", "pk")
    )


class ResolutionForm(DsfrBaseForm):
    reactions = forms.ModelMultipleChoiceField(
        label=_("Réactions tranchées par cette décision"),
        queryset=Reaction.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins une réaction à traiter."),
            "invalid_choice": _("Une des réactions choisies n'est pas en attente de décision sur cet engagement."),
            "invalid_pk_value": _("Une des réactions choisies n'est pas en attente de décision sur cet engagement."),
        },
    )
    outcome = forms.ChoiceField(
        label=_("Décision"),
        choices=Resolution.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une décision : modification acceptée ou texte maintenu.")},
    )
    title = forms.CharField(label=_("Intitulé"), max_length=300, required=False)
    company_intro = forms.CharField(
        label=_("Les entreprises s'engagent à…"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    company_actions = forms.CharField(
        label=_("Actions des entreprises"),
        required=False,
        help_text=_("Une action par ligne."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    territory_intro = forms.CharField(
        label=_("Le territoire s'engage à…"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    territory_actions = forms.CharField(
        label=_("Actions du territoire"),
        required=False,
        help_text=_("Une action par ligne."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reason = forms.CharField(
        label=_("Motif du maintien du texte"),
        required=False,
        help_text=_("Obligatoire si le texte est maintenu : il sera communiqué aux participants."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, commitment, company_actions, territory_actions, **kwargs):
        """`company_actions` and `territory_actions`: the current actions' texts, to prefill the new wording."""
        self.pending = list(pending_reactions(commitment))
        kwargs.setdefault(
            "initial",
            {
                "reactions": [r.pk for r in self.pending],
                "title": commitment.title,
                "company_intro": commitment.company_intro,
                "company_actions": "\n".join(company_actions),
                "territory_intro": commitment.territory_intro,
                "territory_actions": "\n".join(territory_actions),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["reactions"].queryset = pending_reactions(commitment)

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome == Resolution.Outcome.ACCEPTED and not " ".join((cleaned.get("title") or "").split()):
            self.add_error("title", _("Un engagement garde un intitulé : écrivez la nouvelle rédaction."))
        if outcome == Resolution.Outcome.KEPT and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Donnez le motif pour lequel le texte est maintenu."))
        return cleaned

    @property
    def wording_fields(self):
        return [self[name] for name in WORDING_FIELDS]

    def wording(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "company_intro": data["company_intro"],
            "company_actions": lines(data["company_actions"]),
            "territory_intro": data["territory_intro"],
            "territory_actions": lines(data["territory_actions"]),
        }

    def selected(self) -> set[int]:
        """The reactions ticked (as sent, or all of them by default), to render the checkboxes."""
        if self.is_bound:
            return {int(v) for v in self.data.getlist(self.add_prefix("reactions")) if str(v).isdigit()}
        return {r.pk for r in self.pending}

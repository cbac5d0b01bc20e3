"""Forms of the participants' pages (no account) and of the paper entry. They only check the shape of the
input; the rules (open workshop, one reaction per commitment, idempotent post-its, rate limit) are the services'."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import GovernanceQuestion, ReactionKind, WorkshopKind
from .services import IDEA_MAX_LENGTH


def new_client_key() -> str:
    """A fresh key for one post-it form: the same form sent twice carries the same key and adds one post-it."""
    return uuid.uuid4().hex


class JoinForm(forms.Form):
    name = forms.CharField(label=_("Votre prénom ou structure (facultatif)"), max_length=200, required=False)


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Votre réaction"),
        choices=ReactionKind.choices,
        error_messages={"required": _("Choisissez une réaction : d'accord, question ou ajustement, ou veto.")},
    )
    comment = forms.CharField(
        label=_("Précision (obligatoire pour un veto)"), max_length=IDEA_MAX_LENGTH, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ReactionKind.VETO and not (cleaned.get("comment") or "").strip():
            self.add_error(
                "comment",
                _("Donnez la raison de votre veto : l'équipe du territoire pourra ainsi vous répondre."),
            )
        return cleaned


class IdeaForm(forms.Form):
    text = forms.CharField(
        label=_("Votre idée"),
        max_length=IDEA_MAX_LENGTH,
        error_messages={
            "required": _("Le post-it est vide."),
            "max_length": _("Un post-it tient en %(limit_value)s caractères au plus."),
        },
    )
    commitment = forms.IntegerField(required=False, min_value=1)
    question = forms.ChoiceField(choices=[("", "")] + GovernanceQuestion.choices, required=False)
    client_key = forms.CharField(max_length=64, required=False)

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop

    def clean(self):
        cleaned = super().clean()
        if self.workshop.kind == WorkshopKind.COMMITMENTS and not cleaned.get("commitment"):
            raise forms.ValidationError(_("Ce post-it ne dit pas à quel engagement il se rapporte."))
        if self.workshop.kind == WorkshopKind.GOVERNANCE and not cleaned.get("question"):
            raise forms.ValidationError(_("Ce post-it ne dit pas à quelle question il répond."))
        return cleaned


class PaperForm(DsfrBaseForm):
    """The facilitator types in the post-its of a paper workshop: one target, one post-it per line."""

    target = forms.ChoiceField(label=_("Post-its de"))
    lines = forms.CharField(
        label=_("Post-its, un par ligne"),
        widget=forms.Textarea(attrs={"rows": 10, "autofocus": True, "spellcheck": "true"}),
        error_messages={"required": _("Tapez au moins un post-it.")},
    )
    client_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, workshop, commitments, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        self.commitments = {f"c{c.pk}": c for c in commitments}
        if workshop.kind == WorkshopKind.COMMITMENTS:
            choices = [
                (f"c{c.pk}", _("Engagement %(n)s — %(t)s") % {"n": n, "t": c.title})
                for n, c in enumerate(commitments, 1)
            ]
            self.fields["target"].help_text = _("L'engagement sur lequel portent les post-its tapés ci-dessous.")
        else:
            choices = [(f"q{value}", label) for value, label in GovernanceQuestion.choices]
            self.fields["target"].help_text = _("La question à laquelle répondent les post-its tapés ci-dessous.")
        self.fields["target"].choices = choices

    def target_kwargs(self) -> dict:
        """The keyword arguments of paper_type_in() for the chosen target."""
        target = self.cleaned_data["target"]
        if target.startswith("c"):
            return {"commitment": self.commitments[target]}
        return {"question": target[1:]}

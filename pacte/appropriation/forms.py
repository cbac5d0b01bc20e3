"""The form of one restitution (a circle of the plan, or an extra one)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.publications.models import PactVersion

from .models import Circle, Presentation
from .services import presentation_contradiction

QUESTION_ROWS_EXTRA = 2  # empty rows offered under the questions already recorded (no script needed to add one)


def version_label(version: PactVersion) -> str:
    return _("v%(n)s du %(d)s") % {"n": version.number, "d": version.published_on.strftime("%d/%m/%Y")}


class QuestionForm(DsfrBaseForm):
    """One question raised at a restitution and its answer, each in its own field."""

    question = forms.CharField(label=_("Question posée"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(
        label=_("Réponse apportée"),
        required=False,
        help_text=_("Laissée vide tant que la réponse reste à apporter."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("answer") or "").strip() and not (cleaned.get("question") or "").strip():
            self.add_error("question", _("Écrivez la question à laquelle cette réponse a été apportée."))
        return cleaned


class BaseQuestionFormSet(forms.BaseFormSet):
    def pairs(self) -> list[tuple[str, str]]:
        """The (question, answer) pairs typed, in their order, the empty rows and the rows to remove left out."""
        return [
            (f.cleaned_data["question"].strip(), f.cleaned_data.get("answer", "").strip())
            for f in self.forms
            if f.cleaned_data.get("question", "").strip() and not f.cleaned_data.get("DELETE")
        ]


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=QUESTION_ROWS_EXTRA, can_delete=True, max_num=200
)


def question_formset(data=None, *, presentation=None) -> BaseQuestionFormSet:
    initial = [{"question": q, "answer": a} for q, a in presentation.question_answers] if presentation else []
    formset = QuestionFormSet(data, initial=initial, prefix="questions")
    for form in formset.forms:
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Retirer cette question")
    return formset


class PresentationForm(DsfrBaseForm, forms.ModelForm):
    """`with_circle=True` for an extra restitution: its circle is chosen, its title is required."""

    class Meta:
        model = Presentation
        fields = ["circle", "title", "contents", "date", "audience", "version", "held"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contents": forms.Textarea(attrs={"rows": 3}),
            "audience": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"held": _("Cochez une fois la restitution tenue ; elle doit alors avoir une date.")}

    def __init__(self, *args, territory, with_circle=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = (
            PactVersion.objects.for_territory(territory).defer("content", "changes").order_by("-number")
        )
        self.fields["version"].label_from_instance = version_label
        self.fields["version"].empty_label = _("Aucune version publiée présentée")
        if with_circle:
            # An extra restitution is told from the circle's own by its title: required, and the help says so.
            self.fields["circle"].choices = Circle.choices
            self.fields["title"].required = True
            self.fields["title"].help_text = _(
                "Obligatoire : ce qui distingue cette restitution de celle du cercle (ex. « Deuxième rencontre "
                "économique, Boost'éco »)."
            )
            self.fields["contents"].help_text = _(
                "Un élément par ligne ; laissé vide, ce que la méthode prévoit pour ce cercle."
            )
        else:
            del self.fields["circle"]
        hint = self.instance.audience_hint if self.instance.circle else ""
        if hint:
            self.fields["audience"].help_text = " ".join(
                [str(_("Prévu par la méthode : %(hint)s") % {"hint": hint}), str(self.fields["audience"].help_text)]
            )

        # The bound fields were made (and their help texts copied) by DsfrBaseForm.__init__: make them again so
        # that the help texts changed above are the ones shown.
        self._bound_fields_cache.clear()

    def clean(self):
        cleaned = super().clean()
        if "date" in self.errors or "version" in self.errors:
            return cleaned
        contradiction = presentation_contradiction(
            date=cleaned.get("date"), held=bool(cleaned.get("held")), version=cleaned.get("version")
        )
        if contradiction is not None:
            self.add_error(*contradiction)
        return cleaned

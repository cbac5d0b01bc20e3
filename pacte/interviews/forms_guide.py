"""Forms of the interview guide page: the guide's title, one form per section, moving a section."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.core.models import lines

from .services_guide import SectionChange

MAX_SECTIONS = 30


class GuideForm(DsfrBaseForm):
    title = forms.CharField(
        label=_("Titre du guide"),
        max_length=300,
        error_messages={"required": _("Donnez un titre au guide d'entretien.")},
    )


class GuideSectionForm(DsfrBaseForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("Titre de la partie"),
        max_length=200,
        error_messages={"required": _("Donnez un titre à cette partie.")},
    )
    minutes = forms.IntegerField(
        label=_("Durée (minutes)"),
        required=False,
        min_value=1,
        max_value=180,
        help_text=_("Entre 1 et 180 minutes ; laissez vide si la partie n'a pas de durée indicative."),
        error_messages={
            "invalid": _("Indiquez la durée en nombre entier de minutes."),
            "min_value": _("La durée doit être comprise entre 1 et 180 minutes."),
            "max_value": _("La durée doit être comprise entre 1 et 180 minutes."),
        },
    )
    questions = forms.CharField(
        label=_("Questions"),
        help_text=_("Une question par ligne."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Indiquez au moins une question (une par ligne).")},
    )
    by_theme = forms.BooleanField(
        label=_("Poser les questions pour chaque thématique du pacte"),
        required=False,
    )

    def __init__(self, *args, section_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section_ids = section_ids

    def clean(self):
        cleaned = super().clean()
        pk = cleaned.get("id")
        if pk is not None and pk not in self.section_ids:  # hidden field: reported at the form's top
            raise forms.ValidationError(_("Cette partie n'existe plus dans le guide : rechargez la page."))
        return cleaned

    def clean_questions(self):
        questions = lines(self.cleaned_data["questions"])
        if not questions:
            raise forms.ValidationError(_("Indiquez au moins une question (une par ligne)."))
        too_long = [q for q in questions if len(q) > 1000]
        if too_long:
            raise forms.ValidationError(_("Une question dépasse 1 000 caractères : découpez-la."))
        return "\n".join(questions)


class BaseGuideSectionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Supprimer cette partie")

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen, remaining = set(), 0
        for form in self.forms:
            if not form.has_changed() and not form.cleaned_data.get("id"):
                continue  # the blank "new section" form
            pk = form.cleaned_data.get("id")
            if pk is not None:
                if pk in seen:
                    raise forms.ValidationError(_("Une même partie est envoyée deux fois : rechargez la page."))
                seen.add(pk)
            if not form.cleaned_data.get("DELETE"):
                remaining += 1
        if remaining == 0:
            raise forms.ValidationError(_("Le guide doit garder au moins une partie."))

    def changes(self, sections_by_pk: dict) -> list[SectionChange]:
        """The submitted sections, in their order, for interview_guide_update()."""
        result = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or (not form.has_changed() and not data.get("id")):
                continue
            result.append(
                SectionChange(
                    section=sections_by_pk.get(data["id"]) if data.get("id") else None,
                    title=data.get("title", ""),
                    minutes=data.get("minutes"),
                    questions=data.get("questions", ""),
                    by_theme=bool(data.get("by_theme")),
                    delete=bool(data.get("DELETE")),
                )
            )
        return result


GuideSectionFormSet = forms.formset_factory(
    GuideSectionForm,
    formset=BaseGuideSectionFormSet,
    extra=1,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_SECTIONS,
    validate_max=True,
    absolute_max=MAX_SECTIONS,
)


def section_initial(sections) -> list[dict]:
    return [
        {"id": s.pk, "title": s.title, "minutes": s.minutes, "questions": s.questions, "by_theme": s.by_theme}
        for s in sections
    ]


class SectionMoveForm(forms.Form):
    section = forms.IntegerField()
    direction = forms.ChoiceField(choices=[("up", _("Monter")), ("down", _("Descendre"))])

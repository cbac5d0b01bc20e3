"""Forms of the interview campaign and of the diagnostic (the guide and the prides have their own modules)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.commitments.models import Theme
from pacte.stakeholders.models import Contact, Stakeholder

from .models import DiagnosticAxis, Finding, FindingKind, IdeaSide, Interview, InterviewStatus


class InterviewForm(DsfrBaseForm, forms.ModelForm):
    """An interview record; `notes_<section pk>` fields are added for each section of the guide."""

    interviewees = forms.ModelMultipleChoiceField(
        label=_("Personnes interrogées"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_("Cochez les personnes du fichier de suivi des acteurs que l'entretien a réunies."),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Interview
        fields = ["held_on", "status", "interviewers", "stakeholder", "interviewees", "summary"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "interviewers": _("Qui a mené l'entretien (ex. « Chef de projet TI, CARO »)."),
            "stakeholder": _("Laissée vide, c'est l'entité de la première personne interrogée."),
        }

    def __init__(self, *args, territory, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.sections = sections
        self.fields["stakeholder"].queryset = Stakeholder.objects.for_territory(territory).order_by("name")
        self.fields["stakeholder"].required = False
        self.fields["interviewees"].queryset = (
            Contact.objects.for_territory(territory)
            .select_related("stakeholder")
            .order_by("stakeholder__name", "last_name", "first_name", "pk")
        )
        self.fields["interviewees"].label_from_instance = lambda c: f"{c.stakeholder.name} — {c.full_name}"
        existing = {}
        if self.instance.pk:
            existing = {n.section_id: n.text for n in self.instance.notes.all()}
        for section in sections:
            self.fields[f"notes_{section.pk}"] = forms.CharField(
                label=section.title + (f" ({section.minutes} min)" if section.minutes else ""),
                required=False,
                initial=existing.get(section.pk, ""),
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=" ".join(section.question_list),
            )

    def clean(self):
        cleaned = super().clean()
        held_on = cleaned.get("held_on")
        if cleaned.get("status") == InterviewStatus.DONE and not held_on and "held_on" not in self.errors:
            self.add_error("held_on", _("Indiquez la date à laquelle l'entretien a eu lieu."))
        elif cleaned.get("status") == InterviewStatus.DONE and held_on and held_on > timezone.localdate():
            self.add_error(
                "held_on",
                _(
                    "Un entretien daté du %(d)s n'a pas encore eu lieu : choisissez le statut « Planifié », ou "
                    "corrigez la date."
                )
                % {"d": held_on.strftime("%d/%m/%Y")},
            )
        if not cleaned.get("stakeholder") and not cleaned.get("interviewees"):
            self.add_error("interviewees", _("Choisissez au moins une personne interrogée ou une partie prenante."))
        return cleaned

    @property
    def note_fields(self):
        return [self[f"notes_{s.pk}"] for s in self.sections]

    @property
    def record_fields(self):
        return [self[name] for name in self.Meta.fields]

    def notes(self) -> dict[int, str]:
        return {s.pk: self.cleaned_data.get(f"notes_{s.pk}", "") for s in self.sections}


def _theme_field():
    return forms.ModelChoiceField(label=_("Thématique"), queryset=Theme.objects.none(), required=False)


class FindingRecordForm(DsfrBaseForm):
    """A finding brought out by an interview: a new one, or an existing finding it supports."""

    existing = forms.ModelChoiceField(
        label=_("Constat déjà relevé"),
        queryset=Finding.objects.none(),
        required=False,
        help_text=_("Si l'entretien confirme un constat existant, choisissez-le : il comptera un entretien de plus."),
    )
    kind = forms.ChoiceField(label=_("Nature"), choices=[("", "---------"), *FindingKind.choices], required=False)
    axis = forms.ModelChoiceField(label=_("Axe du diagnostic"), queryset=DiagnosticAxis.objects.none(), required=False)
    theme = _theme_field()
    text = forms.CharField(label=_("Nouveau constat"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"].queryset = (
            Finding.objects.for_territory(territory).select_related("axis").order_by("axis__order", "order", "pk")
        )
        self.fields["existing"].label_from_instance = lambda f: (
            f"{f.axis.name} — {'✓' if f.is_strength else '✗'} {f.text}"
        )
        self.fields["axis"].queryset = DiagnosticAxis.objects.for_territory(territory)
        self.fields["theme"].queryset = Theme.objects.for_territory(territory)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("existing"):
            return cleaned
        if not (cleaned.get("text") or "").strip():
            raise forms.ValidationError(_("Choisissez un constat déjà relevé ou écrivez-en un nouveau."))
        for name, message in (
            ("kind", _("Précisez s'il s'agit d'un atout ✓ ou d'une faiblesse ✗.")),
            ("axis", _("Rattachez le constat à un axe du diagnostic.")),
        ):
            if not cleaned.get(name):
                self.add_error(name, message)
        return cleaned


class IdeaForm(DsfrBaseForm):
    side = forms.ChoiceField(label=_("Côté"), choices=IdeaSide.choices)
    theme = _theme_field()
    text = forms.CharField(label=_("Idée d'engagement"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.for_territory(territory)


class FindingForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["axis", "kind", "text", "theme", "retained"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = DiagnosticAxis.objects.for_territory(territory)
        self.fields["theme"].queryset = Theme.objects.for_territory(territory)


class FindingsMergeForm(DsfrBaseForm):
    findings = forms.ModelMultipleChoiceField(queryset=Finding.objects.none())
    target = forms.ModelChoiceField(queryset=Finding.objects.none(), required=False)
    text = forms.CharField(required=False)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = Finding.objects.for_territory(territory).select_related("axis")
        self.fields["target"].queryset = Finding.objects.for_territory(territory)
        self.fields["findings"].error_messages["required"] = _("Cochez au moins deux constats à fusionner.")

    def clean(self):
        cleaned = super().clean()
        findings = list(cleaned.get("findings") or [])
        if len(findings) < 2:
            raise forms.ValidationError(_("Cochez au moins deux constats à fusionner."))
        if len({f.kind for f in findings}) > 1:
            raise forms.ValidationError(_("Un atout ✓ et une faiblesse ✗ ne peuvent pas être fusionnés."))
        target = cleaned.get("target")
        if target is None or target not in findings:  # the first ticked, in the order of the page
            cleaned["target"] = min(findings, key=lambda f: (f.axis.order, f.axis_id, f.order, f.pk))
        return cleaned

"""The form of one restitution (a circle of the plan, or an extra one)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.publications.models import PactVersion

from .models import Circle, Presentation


def version_label(version: PactVersion) -> str:
    return _("v%(n)s du %(d)s") % {"n": version.number, "d": version.published_on.strftime("%d/%m/%Y")}


class PresentationForm(DsfrBaseForm, forms.ModelForm):
    """`with_circle=True` for an extra restitution: its circle is chosen, its title is required."""

    class Meta:
        model = Presentation
        fields = ["circle", "title", "contents", "date", "audience", "version", "questions", "held"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contents": forms.Textarea(attrs={"rows": 3}),
            "audience": forms.Textarea(attrs={"rows": 2}),
            "questions": forms.Textarea(attrs={"rows": 5}),
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
            self.fields["circle"].choices = Circle.choices
            self.fields["title"].required = True
            self.fields["title"].help_text = _("Ex. « Deuxième rencontre économique, Boost'éco ».")
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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("held") and not cleaned.get("date") and "date" not in self.errors:
            self.add_error("date", _("Indiquez la date à laquelle la restitution a été tenue."))
        return cleaned

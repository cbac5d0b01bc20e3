from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .services import MIN_QUERY_LENGTH


class PersonSearchForm(DsfrBaseForm):
    q = forms.CharField(
        label=_("Courriel ou nom de la personne"),
        min_length=MIN_QUERY_LENGTH,
        max_length=200,
        help_text=_("Un courriel est cherché tel quel ; un nom, mot par mot dans les noms et prénoms."),
    )


class PersonEraseForm(DsfrBaseForm):
    """The records to erase (their keys, as listed by the search) and the team's explicit confirmation."""

    keys = forms.MultipleChoiceField(label=_("Éléments à effacer"), widget=forms.CheckboxSelectMultiple)
    confirm = forms.BooleanField(
        label=_("Je confirme l'effacement : il est définitif."),
        error_messages={"required": _("Cochez la confirmation pour effacer ces données.")},
    )

    def __init__(self, *args, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keys"].choices = [(r.key, f"{r.kind_label} — {r.title}") for r in records]
        self.fields["keys"].initial = [r.key for r in records]
        self.fields["keys"].error_messages["required"] = _("Choisissez au moins un élément à effacer.")

"""Forms of the thematic groups: cadence, meetings, follow-up actions."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import Cadence, FollowUpAction, Meeting, ThematicGroup


class CadenceForm(DsfrBaseForm, forms.ModelForm):
    cadence = forms.ChoiceField(
        label=_("Cadence des réunions"),
        choices=[("", _("À définir")), *Cadence.choices],
        required=False,
    )

    class Meta:
        model = ThematicGroup
        fields = ["cadence"]


class MeetingForm(DsfrBaseForm, forms.ModelForm):
    """A meeting: its date and time (Europe/Paris), place, agenda, minutes and decisions (one per line)."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez la date de la réunion."), "invalid": _("Date invalide (jj/mm/aaaa).")},
    )
    time = forms.TimeField(
        label=_("Heure"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Indiquez l'heure de la réunion."), "invalid": _("Heure invalide (hh:mm).")},
    )

    class Meta:
        model = Meeting
        fields = ["place", "agenda", "minutes", "decisions"]
        widgets = {
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "place": _("Par exemple « Maison des Industries, Rochefort » ou « visioconférence »."),
            "agenda": _("Les points à l'ordre du jour, un par ligne."),
            "minutes": _("Le compte rendu reste réservé à l'équipe : il n'est jamais publié."),
            "decisions": _("Une décision par ligne."),
        }

    field_order = ["date", "time", "place", "agenda", "minutes", "decisions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.starts_at:
            local = timezone.localtime(self.instance.starts_at)
            self.initial.setdefault("date", local.date())
            self.initial.setdefault("time", local.time().replace(second=0, microsecond=0))
        elif not self.is_bound:
            self.initial.setdefault("time", datetime.time(9, 30))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            naive = datetime.datetime.combine(cleaned["date"], cleaned["time"])
            self.instance.starts_at = timezone.make_aware(naive, timezone.get_current_timezone())
        return cleaned


class FollowUpForm(DsfrBaseForm, forms.ModelForm):
    """A follow-up action decided in a meeting: what, who, for when."""

    class Meta:
        model = FollowUpAction
        fields = ["text", "owner", "due_on"]
        widgets = {
            "text": forms.TextInput(),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"text": _("Action"), "owner": _("Responsable"), "due_on": _("Échéance")}
        error_messages = {
            "text": {"required": _("Décrivez l'action à mener.")},
            "owner": {"required": _("Indiquez qui est responsable de l'action.")},
            "due_on": {"invalid": _("Date d'échéance invalide (jj/mm/aaaa).")},
        }

"""Forms of the territory team's workshop pages."""

from itertools import groupby

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.stakeholders.models import Contact

from .models import Workshop, WorkshopKind, WorkshopStatus

DURATION_MIN, DURATION_MAX = 30, 600


class WorkshopForm(DsfrBaseForm, forms.ModelForm):
    """A workshop's data. With `creating=True` the kind is asked too (it cannot change afterwards)."""

    kind = forms.ChoiceField(label=_("Atelier"), choices=WorkshopKind.choices, initial=WorkshopKind.COMMITMENTS)
    starts_at = forms.DateTimeField(
        label=_("Date et heure"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Indiquez une date et une heure valides.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"),
        min_value=DURATION_MIN,
        max_value=DURATION_MAX,
        initial=180,
        help_text=_("3 heures (180 minutes) pour l'atelier en présentiel de la méthode."),
        error_messages={
            "min_value": _("Un atelier dure au moins %(limit_value)s minutes."),
            "max_value": _("Un atelier dure au plus %(limit_value)s minutes (10 heures)."),
        },
    )

    class Meta:
        model = Workshop
        fields = ["kind", "title", "starts_at", "place", "duration_minutes"]
        help_texts = {
            "title": _("Laissé vide, c'est l'intitulé de l'atelier choisi."),
            "place": _("Salle, adresse : imprimé sur le support et la feuille du lien."),
        }

    def __init__(self, *args, creating: bool = False, kind: str = WorkshopKind.COMMITMENTS, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        if creating:
            self.fields["kind"].initial = kind
            self.fields["title"].initial = WorkshopKind(kind).label
        else:
            del self.fields["kind"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or self.instance.kind
        title = " ".join((cleaned.get("title") or "").split())
        # Empty, or still the prefilled label of the other kind: the chosen kind's label.
        prefilled = "kind" in self.fields and title in {str(label) for label in WorkshopKind.labels}
        if kind and (not title or prefilled):
            title = str(WorkshopKind(kind).label)
        if not title:
            self.add_error("title", _("Donnez un titre à l'atelier."))
        cleaned["title"] = title
        return cleaned


class InviteForm(DsfrBaseForm):
    """Contacts of the tracking file to invite, grouped by entity; only the territory's contacts are accepted."""

    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts à inviter"),
        queryset=Contact.objects.none(),
        help_text=_(
            "Cochez les contacts du fichier de suivi des acteurs, rangés par entité. "
            "Chacun reçoit un lien personnel ; un contact déjà invité garde le sien."
        ),
        error_messages={
            "required": _("Choisissez au moins un contact à inviter."),
            "invalid_choice": _("Ce contact n'est pas dans le fichier de suivi de ce territoire."),
            "invalid_pk_value": _("Ce contact n'est pas dans le fichier de suivi de ce territoire."),
        },
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, territory, invited_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["contacts"]
        field.queryset = (
            Contact.objects.for_territory(territory)
            .select_related("stakeholder")
            .order_by("stakeholder__name_key", "stakeholder__pk", "last_name", "first_name", "pk")
        )
        already = str(_("déjà invité"))

        def label(contact):
            name = contact.full_name
            return f"{name} — {already}" if contact.pk in invited_ids else name

        # One group of checkboxes per entity; validation still goes through the scoped queryset.
        self.entities = [
            (entity.name, [(c.pk, label(c), c.pk in invited_ids) for c in contacts])
            for entity, contacts in groupby(field.queryset, key=lambda c: c.stakeholder)
        ]
        field.choices = [(entity, [(pk, text) for pk, text, _already in rows]) for entity, rows in self.entities]

    @property
    def has_contacts(self) -> bool:
        return bool(self.fields["contacts"].choices)


class StatusForm(DsfrBaseForm):
    """Open, close or reopen a workshop."""

    status = forms.ChoiceField(
        choices=[
            (WorkshopStatus.OPEN, WorkshopStatus.OPEN.label),
            (WorkshopStatus.CLOSED, WorkshopStatus.CLOSED.label),
        ],
        error_messages={"invalid_choice": _("Statut inconnu.")},
    )

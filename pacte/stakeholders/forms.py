import os

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.core.widgets import UploadInput

from .models import Category, ContactStatus, Priority
from .services import stakeholder_find
from .tracking_file import EXTENSIONS, MAX_UPLOAD_SIZE


class ContactForm(DsfrBaseForm):
    stakeholder_name = forms.CharField(
        label=_("Entité"),
        max_length=300,
        help_text=_(
            "Une entité déjà suivie est reconnue même écrite un peu autrement (accents, tirets, majuscules) ; "
            "sinon elle est créée."
        ),
        widget=forms.TextInput(attrs={"list": "pacte-stakeholders", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(
        label=_("Typologie"),
        choices=[("", "—"), *Category.choices],
        required=False,
        help_text=_("Obligatoire pour une nouvelle entité ; pour une entité existante, la modifie."),
    )
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    email = forms.EmailField(label=_("Courriel"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    priority = forms.ChoiceField(label=_("Priorité"), choices=Priority.choices, initial=Priority.MEDIUM)
    contacted_by = forms.CharField(
        label=_("Qui contacte ?"),
        max_length=150,
        required=False,
        help_text=_("La personne de l'équipe qui prend contact (ex. « Chef de projet TI »)."),
    )
    status = forms.ChoiceField(label=_("Statut"), choices=ContactStatus.choices, initial=ContactStatus.TO_CONTACT)
    last_action_on = forms.DateField(
        label=_("Dernier échange"),
        required=False,
        help_text=_("Laissé vide, il prend la date du jour quand le statut change."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, territory, **kwargs):
        self.territory = territory
        super().__init__(*args, **kwargs)

    def clean_stakeholder_name(self):
        name = " ".join(self.cleaned_data["stakeholder_name"].split())
        if not name:
            raise forms.ValidationError(_("Indiquez l'entité."))
        return name

    def clean_last_action_on(self):
        day = self.cleaned_data["last_action_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _(
                    "Le dernier échange ne peut pas être daté du %(d)s, qui n'est pas encore passé : indiquez la date "
                    "d'un échange qui a eu lieu (un rendez-vous à venir se note en commentaire ou comme entretien "
                    "planifié)."
                )
                % {"d": day.strftime("%d/%m/%Y")}
            )
        return day

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("stakeholder_name")
        if name and not cleaned.get("category"):
            if stakeholder_find(territory=self.territory, name=name) is None:
                self.add_error("category", _("Choisissez la typologie de cette nouvelle entité."))
        return cleaned

    @property
    def values(self) -> dict:
        fields = ["last_name", "first_name", "email", "phone", "priority", "contacted_by", "status"]
        values = {name: self.cleaned_data[name] for name in fields}
        values["last_action_on"] = self.cleaned_data["last_action_on"]
        values["notes"] = self.cleaned_data["notes"]
        return values


class ImportUploadForm(DsfrBaseForm):
    file = forms.FileField(
        label=_("Fichier de suivi"),
        help_text=_(
            "Un fichier Excel (.xlsx) ou CSV (.csv, séparateur « ; » ou « , ») de 10 Mo, 50 000 lignes, "
            "100 colonnes et 10 000 caractères par cellule au plus."
        ),
        widget=UploadInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.group_class = "fr-upload-group"  # the DSFR upload component

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = os.path.splitext(upload.name or "")[1].lower()
        if extension not in EXTENSIONS:
            raise forms.ValidationError(
                _("Format « %(ext)s » non pris en charge : déposez un fichier .xlsx ou .csv.")
                % {"ext": extension or _("sans extension")}
            )
        if upload.size > MAX_UPLOAD_SIZE:
            raise forms.ValidationError(
                _("Le fichier dépasse %(n)s Mo : allégez-le ou découpez-le.") % {"n": MAX_UPLOAD_SIZE // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Le fichier est vide."))
        return upload

"""Forms of the industrial land: parcels, envelope, calls, the grid, the application and its check."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr

from pacte.commitments.models import Commitment
from pacte.core.identifiers import siren_compact, siren_is_valid
from pacte.core.uploads import DOCUMENT_SIGNATURES, document_extension, image_readable, random_name
from pacte.core.widgets import UploadInput
from pacte.territories.models import Commune

from .models import Application, Attachment, Availability, LandCall, LandEnvelope, Parcel

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_SIGNATURES = DOCUMENT_SIGNATURES
ACCEPT = "application/pdf,image/jpeg,image/png"


def territory_communes(territory):
    return Commune.objects.filter(intercommunality__territories=territory).order_by("name")


def attachment_check(upload) -> None:
    """A PDF, JPEG or PNG of 10 Mo at most, recognised by its content (never its name); renamed to a random name."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise forms.ValidationError(
            _("Le fichier « %(n)s » dépasse 10 Mo."), code="file_too_large", params={"n": upload.name}
        )
    extension = document_extension(upload, ATTACHMENT_SIGNATURES)
    if extension is None:
        raise forms.ValidationError(
            _("Le fichier « %(n)s » n'est pas accepté : seuls les fichiers PDF, JPEG ou PNG le sont."),
            code="invalid_type",
            params={"n": upload.name},
        )
    if extension != ".pdf" and not image_readable(upload):
        raise forms.ValidationError(
            _("L'image « %(n)s » est illisible."), code="invalid_image", params={"n": upload.name}
        )
    random_name(upload, extension)


class ParcelForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Parcel
        fields = ["name", "area_ha", "commune", "vocation", "constraints", "availability", "land_use"]

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = territory_communes(territory)

    def clean_area_ha(self):
        area = self.cleaned_data["area_ha"]
        if area is not None and area <= 0:
            raise forms.ValidationError(_("La surface doit être positive."))
        return area


class EnvelopeForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = LandEnvelope
        fields = ["starts_on", "ends_on", "hectares", "note"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            raise forms.ValidationError(_("La fin de la période doit être postérieure à son début."))
        if data.get("hectares") is not None and data["hectares"] < 0:
            self.add_error("hectares", _("L'enveloppe ne peut pas être négative."))
        return data


class CallForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = LandCall
        fields = ["title", "description", "parcels", "opens_on", "closes_on"]
        widgets = {
            "parcels": forms.CheckboxSelectMultiple,
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parcels"].queryset = (
            Parcel.objects.for_territory(territory).exclude(availability=Availability.ALLOCATED).order_by("name")
        )

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] <= data["opens_on"]:
            self.add_error("closes_on", _("La clôture doit être postérieure à l'ouverture."))
        return data


class CriterionForm(DsfrBaseForm):
    name = forms.CharField(label=_("Critère"), max_length=300)
    commitment = forms.ModelChoiceField(
        label=_("Engagement du pacte"), queryset=Commitment.objects.none(), required=False
    )
    weight = forms.DecimalField(label=_("Poids"), min_value=0, max_digits=6, decimal_places=2)
    level_0 = forms.CharField(label=_("Niveau 0"), max_length=500)
    level_1 = forms.CharField(label=_("Niveau 1"), max_length=500)
    level_2 = forms.CharField(label=_("Niveau 2"), max_length=500)
    level_3 = forms.CharField(label=_("Niveau 3"), max_length=500)
    level_4 = forms.CharField(label=_("Niveau 4"), max_length=500)
    level_5 = forms.CharField(label=_("Niveau 5"), max_length=500)
    eliminatory = forms.BooleanField(label=_("Éliminatoire"), required=False)
    threshold = forms.IntegerField(
        label=_("Seuil éliminatoire (0–5)"),
        min_value=0,
        max_value=5,
        required=False,
        help_text=_("Sous ce niveau, la candidature est écartée quelles que soient ses autres notes."),
    )

    def __init__(self, *args, territory, criterion=None, **kwargs):
        if criterion is not None:
            levels = list(criterion.levels) + [""] * 6
            kwargs.setdefault(
                "initial",
                {
                    "name": criterion.name,
                    "commitment": criterion.commitment_id,
                    "weight": criterion.weight,
                    "eliminatory": criterion.eliminatory,
                    "threshold": criterion.threshold,
                }
                | {f"level_{i}": levels[i] for i in range(6)},
            )
        super().__init__(*args, **kwargs)
        self.fields["commitment"].queryset = (
            Commitment.objects.for_territory(territory).select_related("theme").order_by("theme__order", "order", "pk")
        )

    def clean(self):
        data = super().clean()
        if data.get("eliminatory") and data.get("threshold") is None:
            self.add_error("threshold", _("Un critère éliminatoire a un seuil entre 0 et 5."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "commitment": data["commitment"],
            "weight": data["weight"],
            "levels": [data[f"level_{i}"] for i in range(6)],
            "eliminatory": data["eliminatory"],
            "threshold": data["threshold"],
        }


class ScreeningRuleForm(DsfrBaseForm):
    text = forms.CharField(
        label=_("Exigence légale (conforme / non conforme)"),
        max_length=400,
        help_text=_("Par exemple « Toitures : part solarisée ou végétalisée conforme à la loi »."),
    )


class ApplyForm(DsfrBaseForm, forms.ModelForm):
    siren = forms.CharField(label=_("SIREN"), max_length=20, help_text=_("9 chiffres ; la clé est vérifiée."))
    plan = forms.FileField(label=_("Plan masse"), required=False, widget=UploadInput(attrs={"accept": ACCEPT}))
    business = forms.FileField(label=_("Plan d'affaires"), required=False, widget=UploadInput(attrs={"accept": ACCEPT}))
    kbis = forms.FileField(label=_("Extrait Kbis"), required=False, widget=UploadInput(attrs={"accept": ACCEPT}))
    other_1 = forms.FileField(label=_("Autre pièce"), required=False, widget=UploadInput(attrs={"accept": ACCEPT}))
    other_2 = forms.FileField(label=_("Autre pièce"), required=False, widget=UploadInput(attrs={"accept": ACCEPT}))

    FILES = (
        ("plan", Attachment.Kind.PLAN),
        ("business", Attachment.Kind.BUSINESS),
        ("kbis", Attachment.Kind.KBIS),
        ("other_1", Attachment.Kind.OTHER),
        ("other_2", Attachment.Kind.OTHER),
    )

    class Meta:
        model = Application
        fields = [
            "company_name",
            "siren",
            "contact_email",
            "project",
            "jobs_created",
            "jobs_kept",
            "surface_ha",
            "land_use",
            "density",
            "brownfield",
            "vegetated_share",
            "rainwater",
            "materials",
            "renewable_share",
            "local_sourcing",
            "pooling",
            "training_hiring",
            "residents_information",
        ]

    def clean_siren(self):
        value = siren_compact(self.cleaned_data.get("siren") or "")
        if not siren_is_valid(value):
            raise forms.ValidationError(
                _("Ce SIREN n'est pas valide : il compte 9 chiffres et sa clé doit être juste.")
            )
        return value

    def clean_surface_ha(self):
        surface = self.cleaned_data["surface_ha"]
        if surface is not None and surface <= 0:
            raise forms.ValidationError(_("La surface demandée doit être positive."))
        return surface

    def clean(self):
        data = super().clean()
        for name in ("vegetated_share", "renewable_share"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 100:
                self.add_error(name, _("Une part est comprise entre 0 et 100 %."))
        for name, _kind in self.FILES:
            upload = data.get(name)
            if upload:
                try:
                    attachment_check(upload)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def attachments(self) -> list:
        return [(kind, self.cleaned_data[name]) for name, kind in self.FILES if self.cleaned_data.get(name)]

    def application_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ScreeningForm(DsfrBaseForm):
    """One pass/fail answer and a note per legal minimum of the call."""

    def __init__(self, *args, rules, checks=None, **kwargs):
        super().__init__(*args, **kwargs)
        checks = checks or {}
        self.rules = list(rules)
        for rule in self.rules:
            check = checks.get(rule.pk)
            self.fields[f"rule_{rule.pk}"] = forms.ChoiceField(
                label=rule.text,
                choices=[("yes", _("Conforme")), ("no", _("Non conforme"))],
                widget=forms.RadioSelect,
                initial=None if check is None else ("yes" if check.passed else "no"),
            )
            self.fields[f"note_{rule.pk}"] = forms.CharField(
                label=_("Observation"), required=False, initial="" if check is None else check.note
            )
        for name in self.fields:  # fields added after DsfrBaseForm's own pass
            dsfr_input_class_attr(self[name])

    def screening(self) -> dict:
        return {
            rule.pk: (self.cleaned_data[f"rule_{rule.pk}"] == "yes", self.cleaned_data.get(f"note_{rule.pk}", ""))
            for rule in self.rules
        }

"""Forms of step 5, companies: invitation, the plan "Le pacte et vous", its actions, the annual review."""

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from pacte.commitments.models import CompanyAction, TerritoryAction
from pacte.companies.models import Company, MembershipStatus
from pacte.core.identifiers import siren_compact, siren_is_valid
from pacte.indicators.models import Indicator
from pacte.stakeholders.models import Category, Stakeholder
from pacte.territories.models import SizeClass

from .models import ActionKind, ActionPlan, AnnualReview, Horizon


class MemberFilterForm(forms.Form):
    statut = forms.ChoiceField(
        label=_("Statut de l'adhésion"),
        required=False,
        choices=[("", _("Tous")), *MembershipStatus.choices],
    )


class CompanyInviteForm(DsfrBaseForm, forms.ModelForm):
    """A company to which the pact is proposed, and the address that receives the sign-in link."""

    # Declared here (not changed in __init__: DsfrBaseForm binds the fields as soon as it is built).
    siren = forms.CharField(  # spaces allowed on input ("200 041 762"), kept as 9 digits
        label=_("SIREN"), required=False, max_length=20, help_text=_("9 chiffres, facultatif (vérifié).")
    )
    size_class = forms.ChoiceField(label=_("Taille"), required=False, choices=[("", "—"), *SizeClass.choices])
    invite_email = forms.EmailField(
        label=_("Courriel de la personne invitée"),
        help_text=_("Elle recevra un lien de connexion valable 7 jours : aucun mot de passe à inventer."),
    )

    class Meta:
        model = Company
        fields = ["name", "siren", "invite_email", "size_class", "sector", "stakeholder"]
        help_texts = {
            "stakeholder": _("Facultatif : l'entité correspondante du fichier de suivi des acteurs."),
        }

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["stakeholder"].queryset = (
            Stakeholder.objects.for_territory(territory).filter(category=Category.COMPANIES).order_by("name")
        )
        self.fields["stakeholder"].required = False

    def clean_siren(self):
        value = siren_compact(self.cleaned_data.get("siren") or "")
        if not value:
            return ""
        if not siren_is_valid(value):
            raise forms.ValidationError(
                _("Ce SIREN n'est pas valide : il compte 9 chiffres et sa clé doit être juste.")
            )
        others = Company.objects.for_territory(self.territory).filter(siren=value)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Une entreprise de ce territoire porte déjà ce SIREN."))
        return value


class NewLinkForm(DsfrBaseForm):
    email = forms.EmailField(label=_("Votre adresse électronique"))


class ActionPlanForm(DsfrBaseForm, forms.ModelForm):
    """The company's side of the sheet "Le pacte et vous"."""

    class Meta:
        model = ActionPlan
        fields = ["issues", "contribution", "success_1y", "success_3y"]
        labels = {
            "issues": _("Les principaux enjeux que vous rencontrez sur le territoire"),
            "contribution": _("La contribution spécifique que vous pensez pouvoir apporter"),
            "success_1y": _("Vos indicateurs de réussite à horizon 1 an"),
            "success_3y": _("Vos indicateurs de réussite à horizon 3 ans"),
        }
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class TerritoryViewForm(DsfrBaseForm, forms.ModelForm):
    """The territory's side: where it thinks the company will have most impact."""

    class Meta:
        model = ActionPlan
        fields = ["territory_view"]
        labels = {"territory_view": _("Là où le territoire pense que l'entreprise aura le plus d'impact")}
        widgets = {"territory_view": forms.Textarea(attrs={"rows": 4})}


def _grouped(items, group_of, label_of):
    """Choices grouped under a heading (an <optgroup> per theme/commitment), in the order of the items."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(group_of(item), []).append((str(item.pk), label_of(item)))
    return [("", "—"), *groups.items()]


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class ActionForm(DsfrBaseForm):
    """A commitment of the company (a company-side action of the pact, or its own words) or a support it expects
    (a territory-side action). Only the objects of the company's territory are offered, and accepted."""

    kind = forms.ChoiceField(label=_("Nature"), choices=ActionKind.choices, widget=forms.RadioSelect)
    company_action = forms.ChoiceField(
        label=_("Engagement du pacte (côté entreprises)"),
        required=False,
        help_text=_(
            "Pour un engagement de l'entreprise : choisissez une action du pacte, ou écrivez la vôtre ci-dessous."
        ),
    )
    territory_action = forms.ChoiceField(
        label=_("Soutien attendu (action du territoire)"),
        required=False,
        help_text=_("Pour un soutien attendu du territoire : choisissez une des actions auxquelles il s'engage."),
    )
    text = forms.CharField(
        label=_("Votre propre engagement, ou une précision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    horizon = forms.ChoiceField(label=_("Horizon"), choices=Horizon.choices, initial=Horizon.ONE_YEAR)
    indicator = forms.ChoiceField(label=_("Indicateur de réussite (facultatif)"), required=False)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.company_actions = {
            str(a.pk): a
            for a in CompanyAction.objects.for_territory(territory)
            .select_related("commitment__theme")
            .order_by(
                "commitment__theme__order",
                "commitment__theme__pk",
                "commitment__order",
                "commitment__pk",
                "order",
                "pk",
            )
        }
        self.territory_actions = {
            str(a.pk): a
            for a in TerritoryAction.objects.for_territory(territory)
            .select_related("commitment__theme")
            .order_by(
                "commitment__theme__order",
                "commitment__theme__pk",
                "commitment__order",
                "commitment__pk",
                "order",
                "pk",
            )
        }
        self.indicators = {
            str(i.pk): i
            for i in Indicator.objects.for_territory(territory)
            .select_related("theme")
            .order_by("theme__order", "theme__pk", "order", "pk")
        }

        def by_commitment(action):
            return f"{action.commitment.theme.name} — {action.commitment.short_title or action.commitment.title}"

        self.fields["company_action"].choices = _grouped(
            self.company_actions.values(), by_commitment, lambda a: _short(a.text)
        )
        self.fields["territory_action"].choices = _grouped(
            self.territory_actions.values(), by_commitment, lambda a: _short(a.text)
        )
        self.fields["indicator"].choices = _grouped(
            self.indicators.values(), lambda i: i.theme.name, lambda i: _short(i.name)
        )

    def clean_company_action(self):
        return self.company_actions.get(self.cleaned_data.get("company_action") or "")

    def clean_territory_action(self):
        return self.territory_actions.get(self.cleaned_data.get("territory_action") or "")

    def clean_indicator(self):
        return self.indicators.get(self.cleaned_data.get("indicator") or "")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        text = (cleaned.get("text") or "").strip()
        cleaned["text"] = text
        if kind == ActionKind.COMMITMENT:
            if cleaned.get("territory_action"):
                self.add_error(
                    "territory_action",
                    _("Un engagement de l'entreprise ne se choisit pas parmi les actions du territoire."),
                )
            if not cleaned.get("company_action") and not text:
                self.add_error(
                    "company_action", _("Choisissez une action du pacte ou écrivez votre propre engagement.")
                )
        elif kind == ActionKind.SUPPORT:
            if cleaned.get("company_action"):
                self.add_error(
                    "company_action",
                    _("Un soutien attendu se choisit parmi les actions du territoire, pas des entreprises."),
                )
            if not cleaned.get("territory_action") and not text:
                self.add_error(
                    "territory_action", _("Choisissez une action du territoire ou décrivez le soutien attendu.")
                )
        return cleaned


class ReviewForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = AnnualReview
        fields = ["held_on", "done", "next_year"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "done": forms.Textarea(attrs={"rows": 5}),
            "next_year": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {"held_on": _("Laissez vide tant que la revue n'a pas eu lieu.")}

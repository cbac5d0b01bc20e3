"""Writes of the mutualisation app (declarations, the team's follow-up, consents, settings) and its figures."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacte.core.models import JournalVerb, journal_write

from .models import (
    DEFAULT_MAX_KM,
    TRANSITIONS,
    Declaration,
    Kind,
    MatchingSettings,
    Status,
    Synergy,
    SynergyParty,
    Visibility,
)

# The territory's own indicator "Nombre d'initiatives d'EIT et mutualisations recensées sur le territoire"
# (aggregation "territory"): written from the realised synergies when the territory has it.
EIT_INDICATOR_CODE = "implantation-initiatives-eit"
EIT_INDICATOR_NAME_START = "Nombre d'initiatives d'EIT"
EIT_INDICATOR_NAME = "Nombre d'initiatives d'EIT et mutualisations recensées sur le territoire"

QUANTITY_FIELDS = {
    "tonnes_per_year": gettext_lazy("tonnes par an"),
    "mwh_per_year": gettext_lazy("MWh par an"),
    "m3_per_year": gettext_lazy("m³ par an"),
    "euros_per_year": gettext_lazy("euros économisés par an"),
}


# --- declarations -----------------------------------------------------------------------------------------------


def company_default_commune(company) -> str:
    """The commune of the company's establishment in the SIRENE register (head office first), '' if unknown."""
    from pacte.companies.models import Establishment

    if not company.siren:
        return ""
    found = (
        Establishment.objects.for_territory(company.territory_id)
        .filter(siren=company.siren, active=True)
        .order_by("-head_office", "siret")
        .values_list("commune_code", flat=True)
        .first()
    )
    return found or ""


@transaction.atomic
def declaration_save(*, declaration: Declaration, actor=None) -> Declaration:
    """Create or update a declaration (checked, its commune defaulted from SIRENE), journalled."""
    created = declaration.pk is None
    if not declaration.commune_code:
        declaration.commune_code = company_default_commune(declaration.company)
    declaration.full_clean()
    declaration.save()
    journal_write(
        territory=declaration.company.territory,
        verb=JournalVerb.SYNERGY_DECLARATION_SAVED,
        message=(_("%(c)s déclare : %(d)s") if created else _("%(c)s modifie : %(d)s"))
        % {"c": declaration.company.name, "d": f"{declaration.get_direction_display()} — {declaration.description}"},
        actor=actor,
    )
    return declaration


@transaction.atomic
def declaration_delete(*, declaration: Declaration, actor=None) -> None:
    journal_write(
        territory=declaration.company.territory,
        verb=JournalVerb.SYNERGY_DECLARATION_DELETED,
        message=_("%(c)s retire : %(d)s")
        % {"c": declaration.company.name, "d": f"{declaration.get_direction_display()} — {declaration.description}"},
        actor=actor,
    )
    declaration.delete()


def declaration_visible_to(declaration: Declaration | None, *, company=None) -> bool:
    """Whether a company (None: the public) may read this declaration of another company."""
    if declaration is None:
        return False
    if company is not None and declaration.company_id == company.pk:
        return True
    if declaration.visibility == Visibility.PUBLIC:
        return True
    return (
        company is not None
        and declaration.visibility == Visibility.MEMBERS
        and company.territory_id == declaration.territory_id
    )


def company_site_commune(company) -> str:
    """Where the company is: its establishment in SIRENE, else the commune of the parcel it won in a land call (a
    newcomer, placed "tout de suite dans une dynamique de mutualisation"), '' if unknown."""
    commune = company_default_commune(company)
    if commune:
        return commune
    from pacte.land.models import Application

    application = Application.objects.filter(company=company).select_related("call").order_by("-pk").first()
    if application is None:
        return ""
    return application.call.parcels.order_by("pk").values_list("commune__insee_code", flat=True).first() or ""


OPPORTUNITIES_SHOWN = 12


def opportunities_for(company, *, limit: int = OPPORTUNITIES_SHOWN) -> list[dict]:
    """What the other companies of the territory offer or need that this company may read (its members' or public
    declarations, not ended), nearest first: what a newcomer sees from its first day, before declaring anything.
    [{"declaration", "distance_km" (None when a site is unknown)}]. 3 queries at most, plus the centroids' cache."""
    from .matching import _distance, commune_centroids

    today = timezone.localdate()
    declarations = list(
        Declaration.objects.filter(territory_id=company.territory_id)
        .exclude(company=company)
        .filter(visibility__in=[Visibility.MEMBERS, Visibility.PUBLIC])
        .exclude(ends_on__lt=today)
        .select_related("company")
        .order_by("pk")
    )
    site = company_site_commune(company)
    centroids = commune_centroids([site, *(d.commune_code for d in declarations)]) if declarations else {}
    here = centroids.get(site)
    rows = []
    for declaration in declarations:
        there = centroids.get(declaration.commune_code)
        distance = _distance(here, there) if here and there else None
        rows.append({"declaration": declaration, "distance_km": distance})
    rows.sort(key=lambda r: (r["distance_km"] is None, r["distance_km"] or 0, r["declaration"].pk))
    return rows[:limit]


# --- the team's follow-up ---------------------------------------------------------------------------------------


def _introduction_send(synergy: Synergy) -> int:
    """An email to each company introducing the others (name, contact, what they declared as visible)."""
    parties = list(
        synergy.parties.select_related("company", "declaration").prefetch_related("company__representatives__user")
    )
    sent = 0
    for party in parties:
        others = [p for p in parties if p.pk != party.pk]
        recipients = {party.company.email, *(r.user.email for r in party.company.representatives.all())}
        recipients = sorted(r for r in recipients if r)
        if not recipients:
            continue
        context = {"synergy": synergy, "party": party, "others": others, "territory": synergy.territory}
        subject = " ".join(render_to_string("synergies/emails/introduction_subject.txt", context).split())
        body = render_to_string("synergies/emails/introduction.txt", context)
        sent += send_mail(subject, body, django_settings.DEFAULT_FROM_EMAIL, recipients)
    return sent


def _decimal(value, label: str):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except ArithmeticError:
        raise ValidationError(_("%(f)s : « %(v)s » n'est pas un nombre.") % {"f": label, "v": value}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError(_("%(f)s : un nombre positif est attendu.") % {"f": label})
    return number


@transaction.atomic
def synergy_status_change(
    *, synergy: Synergy, status: str, actor=None, reason: str = "", year: int | None = None, quantities=None
) -> Synergy:
    """Move a synergy along its flow; French ValidationError when the move is not allowed.

    Mise en relation needs every company's consent and emails them; abandonnée needs a reason; réalisée records the
    year and the yearly quantities exchanged when known. Realised and abandoned synergies refresh the indicator."""
    synergy = Synergy.objects.select_for_update().get(pk=synergy.pk)
    if status not in Status.values:
        raise ValidationError(_("Statut inconnu."))
    if status not in TRANSITIONS[synergy.status]:
        raise ValidationError(
            _("Une synergie « %(a)s » ne peut pas passer à « %(b)s ».")
            % {"a": synergy.get_status_display(), "b": Status(status).label}
        )
    if status == Status.INTRODUCED and not synergy.all_consented:
        raise ValidationError(
            _("Mise en relation impossible : chaque entreprise doit d'abord accepter d'être mise en relation.")
        )
    if status == Status.ABANDONED:
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(_("Raison de l'abandon : dites pourquoi la synergie est abandonnée."))
        synergy.abandon_reason = reason
    if status == Status.REALISED:
        from pacte.indicators.services import year_check

        synergy.realised_year = year_check(year or timezone.localdate().year)
        for name, value in (quantities or {}).items():
            if name in QUANTITY_FIELDS:
                setattr(synergy, name, _decimal(value, str(Synergy._meta.get_field(name).verbose_name).capitalize()))
    previous = synergy.get_status_display()
    synergy.status = status
    if status == Status.INTRODUCED:
        synergy.introduced_at = timezone.now()
    synergy.save()
    journal_write(
        territory=synergy.territory,
        verb=JournalVerb.SYNERGY_STATUS_CHANGED,
        message=_("Synergie « %(t)s » : %(a)s → %(b)s%(r)s")
        % {
            "t": synergy.title,
            "a": previous,
            "b": synergy.get_status_display(),
            "r": f" ({synergy.abandon_reason})" if status == Status.ABANDONED else "",
        },
        actor=actor,
    )
    if status == Status.INTRODUCED:
        transaction.on_commit(lambda: _introduction_send(synergy))
    if status in (Status.REALISED, Status.ABANDONED):
        eit_indicator_refresh(territory=synergy.territory, actor=actor)
    return synergy


@transaction.atomic
def party_decide(*, party: SynergyParty, consent: bool, show_publicly: bool = False, actor=None) -> SynergyParty:
    """A company accepts or declines being put in contact (and whether the realised synergy may be published)."""
    party.consent = consent
    party.show_publicly = bool(show_publicly and consent)
    party.decided_at = timezone.now()
    party.save(update_fields=["consent", "show_publicly", "decided_at"])
    journal_write(
        territory=party.synergy.territory,
        verb=JournalVerb.SYNERGY_CONSENT,
        message=(
            _("%(c)s accepte la mise en relation : %(t)s")
            if consent
            else _("%(c)s décline la mise en relation : %(t)s")
        )
        % {"c": party.company.name, "t": party.synergy.title},
        actor=actor,
    )
    return party


def settings_for(territory) -> MatchingSettings:
    found = MatchingSettings.objects.filter(territory=territory).first()
    return found or MatchingSettings(territory=territory, max_km={})


@transaction.atomic
def settings_update(*, territory, max_km: dict, actor=None) -> MatchingSettings:
    settings, _created = MatchingSettings.objects.get_or_create(territory=territory)
    cleaned = {}
    for kind in Kind.values:
        value = max_km.get(kind, DEFAULT_MAX_KM[kind])
        if value is None or not 0 < float(value) <= 1000:
            raise ValidationError(_("Distance maximale : entre 0 et 1 000 km."))
        cleaned[kind] = float(value)
    settings.max_km = cleaned
    settings.save()
    journal_write(
        territory=territory,
        verb=JournalVerb.SYNERGY_SETTINGS_CHANGED,
        message=_("Distances maximales de mise en relation modifiées."),
        actor=actor,
    )
    return settings


# --- figures ----------------------------------------------------------------------------------------------------


def realised_by_year(territory) -> dict[int, dict]:
    """Per year: the number of realised synergies, and per quantity its total and contributions."""
    years = defaultdict(lambda: {"count": 0, "quantities": {name: [] for name in QUANTITY_FIELDS}})
    rows = Synergy.objects.for_territory(territory).filter(status=Status.REALISED, realised_year__isnull=False)
    for row in rows.values("realised_year", *QUANTITY_FIELDS):
        year = years[row["realised_year"]]
        year["count"] += 1
        for name in QUANTITY_FIELDS:
            if row[name] is not None:
                year["quantities"][name].append(row[name])
    return dict(sorted(years.items()))


def eit_indicator(territory):
    from pacte.indicators.models import Aggregation, Indicator

    indicators = Indicator.objects.for_territory(territory).filter(aggregation=Aggregation.TERRITORY)
    return (
        indicators.filter(code=EIT_INDICATOR_CODE).first()
        or indicators.filter(name__startswith=EIT_INDICATOR_NAME_START).order_by("pk").first()
    )


def eit_indicator_create(territory):
    """The indicator the publication gives as an example for the thematic group "Implantation et mutualisation"
    ("Nombre d'initiatives d'EIT et mutualisations recensées sur le territoire"), added to that theme the first time
    a synergy is realised: the platform computes it, nobody types it. None when the territory has no such theme."""
    from django.db.models import Max

    from pacte.commitments.models import Theme
    from pacte.indicators.models import Aggregation, Indicator, Level, Source, ValueType

    theme = Theme.objects.for_territory(territory).filter(code="implantation-mutualisation").first()
    if theme is None:
        return None
    last = Indicator.objects.for_territory(territory).filter(theme=theme).aggregate(m=Max("order"))["m"]
    return Indicator.objects.create(
        territory=territory,
        theme=theme,
        order=0 if last is None else last + 1,
        name=EIT_INDICATOR_NAME,
        code=EIT_INDICATOR_CODE,
        definition=_(
            "Synergies réalisées dans l'année (échanges de flux, mutualisations), comptées par la plateforme à partir "
            "du suivi de l'équipe (Mutualisation et EIT)."
        ),
        unit=_("initiatives"),
        value_type=ValueType.COUNT,
        level=Level.COLLECTIVE,
        aggregation=Aggregation.TERRITORY,
        source=Source.TERRITORY,
    )


def eit_indicator_refresh(*, territory, actor=None) -> int:
    """Write the territory's own value of the EIT indicator for every year with realised synergies (and 0 for a
    year that had a value and has none left). Returns the number of years written; 0 without the indicator."""
    from pacte.indicators.models import IndicatorValue
    from pacte.indicators.services import indicator_value_save

    counts = {year: data["count"] for year, data in realised_by_year(territory).items()}
    indicator = eit_indicator(territory)
    if indicator is None:
        if not counts:
            return 0
        indicator = eit_indicator_create(territory)
    if indicator is None:
        return 0
    for year in IndicatorValue.objects.filter(indicator=indicator, company__isnull=True).values_list("year", flat=True):
        counts.setdefault(year, 0)
    for year, count in sorted(counts.items()):
        indicator_value_save(
            indicator=indicator,
            company=None,
            year=year,
            value=count,
            comment=_("Calculé à partir des synergies réalisées (mutualisation)."),
            verification="checked",
            actor=actor,
        )
    return len(counts)


def public_figures(territory) -> list[dict]:
    """The collective figures per year for the public: the count, and each quantity only when at least 3 realised
    synergies contribute and none weighs more than 85 % (the disclosure control's thresholds)."""
    from pacte.indicators.disclosure import MAX_WEIGHT, MIN_COMPANIES, reason_text
    from pacte.indicators.models import WithheldReason

    figures = []
    for year, data in realised_by_year(territory).items():
        quantities = []
        for name, label in QUANTITY_FIELDS.items():
            values = data["quantities"][name]
            if not values:
                continue
            total = sum(values)
            if len(values) < MIN_COMPANIES:
                quantities.append({"label": label, "value": None, "reason": _("moins de 3 synergies")})
            elif total > 0 and max(values) / total > MAX_WEIGHT:
                quantities.append({"label": label, "value": None, "reason": reason_text(WithheldReason.DOMINANT)})
            else:
                quantities.append({"label": label, "value": total, "reason": ""})
        figures.append({"year": year, "count": data["count"], "quantities": quantities})
    return figures


def synergies_xlsx(synergies) -> bytes:
    """The pipeline as a spreadsheet (cells never become formulas)."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Synergies")
    headers = [
        _("Intitulé"),
        _("Type"),
        _("Nature"),
        _("Statut"),
        _("Score"),
        _("Entreprises"),
        _("Raisons"),
        _("Raison de l'abandon"),
        _("Année de réalisation"),
        *[str(Synergy._meta.get_field(name).verbose_name).capitalize() for name in QUANTITY_FIELDS],
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for number, synergy in enumerate(synergies, 2):
        values = [
            synergy.title,
            synergy.get_mode_display(),
            synergy.get_kind_display(),
            synergy.get_status_display(),
            synergy.score,
            " ; ".join(f"{p.company.name} ({p.get_role_display().lower()})" for p in synergy.parties.all()),
            " ".join(synergy.reasons),
            synergy.abandon_reason,
            synergy.realised_year,
            *[getattr(synergy, name) for name in QUANTITY_FIELDS],
        ]
        for column, value in enumerate(values, 1):
            cell = sheet.cell(row=number, column=column)
            cell.value = float(value) if isinstance(value, Decimal) else value
            if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
                cell.data_type = "s"
                cell.quotePrefix = True
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()

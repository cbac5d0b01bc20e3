"""Writes of indicators: a company's (or the territory's) value for a year, with its checks and its history;
the territory's verification; the team's editing of an indicator's definition.

Every check raises a ValidationError whose dictionary names the field ("value", "denominator", "year"…) and whose
French message says what to do. Nothing is half-written: each function is one transaction.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pacte.core.uploads import DOCUMENT_SIGNATURES, document_extension, image_readable, random_name

from .collective import collective_values_refresh
from .models import Aggregation, Indicator, IndicatorValue, IndicatorValueChange, Source, ValueType, Verification

FIRST_YEAR = 2000
MAX_PROOF_BYTES = 5 * 1024 * 1024
MAX_ABS_VALUE = Decimal("999999999999")  # the column holds 12 digits before the decimal point
# The first bytes of each accepted proof format → the extension the file is stored under.
PROOF_SIGNATURES = DOCUMENT_SIGNATURES


def last_allowed_year() -> int:
    """Values are measured, not forecast: the current year at most."""
    return datetime.date.today().year


def _fmt(number: Decimal) -> str:
    """A number as a French reader writes it (comma, no trailing zeros)."""
    return format(number.normalize(), "f").replace(".", ",")


def _decimal(raw, field: str, label: str) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        number = Decimal(str(raw).replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError({field: _("%(f)s : « %(v)s » n'est pas un nombre.") % {"f": label, "v": raw}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("%(f)s : « %(v)s » n'est pas un nombre.") % {"f": label, "v": raw}})
    if abs(number) > MAX_ABS_VALUE:
        raise ValidationError({field: _("%(f)s : ce nombre est trop grand.") % {"f": label}})
    return number.quantize(Decimal("0.0001"))


def is_share(indicator: Indicator) -> bool:
    """A rate whose numerator is part of its denominator (a percentage, or a unit in %)."""
    return indicator.value_type == ValueType.PERCENTAGE or "%" in (indicator.unit or "")


def takes_denominator(indicator: Indicator) -> bool:
    """Rates and intensities are entered as a numerator and a denominator, so the territory can sum both."""
    return indicator.value_type == ValueType.RATIO or indicator.aggregation == Aggregation.RATIO_OF_SUMS


def value_check(*, indicator: Indicator, value, denominator) -> tuple[Decimal, Decimal | None]:
    """The value (and denominator) checked against the indicator's type and unit; French errors naming the field."""
    label = _("Valeur") if not takes_denominator(indicator) else _("Numérateur")
    number = _decimal(value, "value", label)
    if number is None:
        raise ValidationError(
            {"value": _("Valeur : saisissez une valeur, ou cochez « sans objet » si l'indicateur ne s'applique pas.")}
        )
    kind = indicator.value_type
    if kind == ValueType.BOOLEAN:
        if number not in (0, 1):
            raise ValidationError(
                {"value": _("Valeur : la réponse est oui (1) ou non (0), pas « %(v)s ».") % {"v": _fmt(number)}}
            )
        return number, None
    if takes_denominator(indicator):
        den = _decimal(denominator, "denominator", _("Dénominateur"))
        if den is None:
            raise ValidationError(
                {
                    "denominator": _(
                        "Dénominateur : ce taux se saisit avec son dénominateur (par exemple la surface totale)."
                    )
                }
            )
        if den <= 0:
            raise ValidationError({"denominator": _("Dénominateur : il doit être strictement positif.")})
        if number < 0:
            raise ValidationError({"value": _("Numérateur : il ne peut pas être négatif.")})
        if is_share(indicator) and number > den:
            raise ValidationError(
                {
                    "value": _("Numérateur : une part ne peut pas dépasser son dénominateur (%(n)s sur %(d)s).")
                    % {"n": _fmt(number), "d": _fmt(den)}
                }
            )
        return number, den
    if kind == ValueType.COUNT:
        if number < 0:
            raise ValidationError(
                {"value": _("Valeur : un nombre ne peut pas être négatif (%(v)s).") % {"v": _fmt(number)}}
            )
        if number != number.to_integral_value():
            raise ValidationError(
                {"value": _("Valeur : un nombre se compte en entiers (%(v)s).") % {"v": _fmt(number)}}
            )
    elif kind == ValueType.SCORE:
        if number < 0:
            raise ValidationError(
                {"value": _("Valeur : un score ne peut pas être négatif (%(v)s).") % {"v": _fmt(number)}}
            )
    elif kind == ValueType.AMOUNT:
        if number < 0:
            raise ValidationError(
                {"value": _("Valeur : un montant ne peut pas être négatif (%(v)s).") % {"v": _fmt(number)}}
            )
    elif kind == ValueType.PERCENTAGE:
        if not 0 <= number <= 100:
            raise ValidationError(
                {"value": _("Valeur : un pourcentage est compris entre 0 et 100, pas %(v)s.") % {"v": _fmt(number)}}
            )
    return number, None


def year_check(year, field: str = "year") -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Année : « %(v)s » n'est pas une année.") % {"v": year}}) from None
    last = last_allowed_year()
    if not FIRST_YEAR <= year <= last:
        raise ValidationError(
            {
                field: _("Année : elle doit être comprise entre %(a)s et %(b)s (%(y)s saisie).")
                % {"a": FIRST_YEAR, "b": last, "y": year}
            }
        )
    return year


def proof_check(upload) -> None:
    """A PDF, JPEG or PNG file of 5 Mo at most, recognised by its content (never by its name); renamed to a random,
    unguessable name with the extension of its real format."""
    if upload.size > MAX_PROOF_BYTES:
        raise ValidationError({"proof": _("Justificatif : le fichier dépasse 5 Mo.")})
    extension = document_extension(upload, PROOF_SIGNATURES)
    if extension is None:
        raise ValidationError({"proof": _("Justificatif : seuls les fichiers PDF, JPEG ou PNG sont acceptés.")})
    if extension != ".pdf" and not image_readable(upload):
        raise ValidationError({"proof": _("Justificatif : cette image est illisible.")})
    random_name(upload, extension)


def _snapshot(value: IndicatorValue) -> dict:
    return {
        "value": None if value.value is None else str(value.value),
        "denominator": None if value.denominator is None else str(value.denominator),
        "not_applicable": value.not_applicable,
        "comment": value.comment,
        "proof": value.proof.name or "",
        "public": value.public,
        "verification": value.verification,
    }


def _company_check(indicator: Indicator, company) -> None:
    if company is None:
        if indicator.aggregation != Aggregation.TERRITORY:
            raise ValidationError({"company": _("Entreprise : cet indicateur se renseigne pour chaque entreprise.")})
        return
    if indicator.aggregation == Aggregation.TERRITORY:
        raise ValidationError(
            {"company": _("Entreprise : cet indicateur est une valeur du territoire, pas d'une entreprise.")}
        )
    if company.territory_id != indicator.territory_id:
        raise ValidationError({"company": _("Entreprise : elle n'appartient pas au territoire de cet indicateur.")})


@transaction.atomic
def indicator_value_save(
    *,
    indicator: Indicator,
    company,
    year: int,
    value=None,
    denominator=None,
    not_applicable: bool = False,
    comment: str = "",
    proof=None,
    remove_proof: bool = False,
    public: bool = False,
    verification: str = Verification.DECLARED,
    actor=None,
    refresh: bool = True,
) -> IndicatorValue:
    """Create or update the one value of (indicator, company, year) — company None: the territory's own value.

    "Sans objet" clears the value. Each change writes an IndicatorValueChange (before/after, who); saving the same
    content again writes nothing. `proof` None keeps the current proof; `remove_proof` drops it (the old file stays
    stored, the history refers to it). The territory's collective value of that indicator and year is recomputed
    in the same transaction (`refresh` False: the caller writes many values and refreshes once at the end).
    """
    _company_check(indicator, company)
    year = year_check(year)
    if verification not in Verification.values:
        raise ValidationError({"verification": _("Vérification : statut inconnu.")})
    if verification == Verification.PUBLIC and indicator.source != Source.PUBLIC:
        raise ValidationError(
            {
                "verification": _(
                    "Vérification : « issue de données publiques » est réservé aux indicateurs de source publique."
                )
            }
        )
    if not_applicable:
        number, den = None, None
    else:
        number, den = value_check(indicator=indicator, value=value, denominator=denominator)
    if proof:
        proof_check(proof)

    current = IndicatorValue.objects.select_for_update().filter(indicator=indicator, company=company, year=year).first()
    before = _snapshot(current) if current else None
    row = current or IndicatorValue(
        territory_id=indicator.territory_id, indicator=indicator, company=company, year=year
    )
    row.value, row.denominator, row.not_applicable = number, den, bool(not_applicable)
    row.comment = (comment or "").strip()
    row.public = bool(public) and company is not None
    row.verification = verification
    if proof:
        row.proof = proof
    elif remove_proof:
        row.proof = ""
    after = _snapshot(row)
    if proof:
        after["proof"] = "(nouveau fichier)"
    if before == after:
        return current
    row.full_clean(exclude=["proof", "territory", "indicator", "company"])
    row.save()
    IndicatorValueChange.objects.create(value=row, changed_by=actor, before=before, after=_snapshot(row))
    if refresh:
        collective_values_refresh([indicator.pk], [year])
    return row


@transaction.atomic
def indicator_value_verify(*, value: IndicatorValue, actor) -> IndicatorValue:
    """The territory checks a value: its verification becomes "checked" (history kept)."""
    value = IndicatorValue.objects.select_for_update().get(pk=value.pk)
    if value.verification == Verification.CHECKED:
        return value
    before = _snapshot(value)
    value.verification = Verification.CHECKED
    value.save(update_fields=["verification", "updated_at"])
    IndicatorValueChange.objects.create(value=value, changed_by=actor, before=before, after=_snapshot(value))
    return value


DEFINITION_FIELDS = (
    "code",
    "definition",
    "unit",
    "value_type",
    "level",
    "aggregation",
    "source",
    "vsme_reference",
    "baseline",
    "baseline_year",
    "target_1y",
    "target_3y",
)


@transaction.atomic
def indicator_definition_update(*, indicator: Indicator, actor=None, **fields) -> Indicator:
    """The team edits an indicator's definition; its code stays unique in the territory."""
    unknown = set(fields) - set(DEFINITION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    code = fields.get("code", indicator.code)
    if (
        code
        and Indicator.objects.for_territory(indicator.territory).filter(code=code).exclude(pk=indicator.pk).exists()
    ):
        raise ValidationError(
            {"code": _("Code : « %(c)s » est déjà le code d'un autre indicateur du territoire.") % {"c": code}}
        )
    if fields.get("baseline_year") is not None:
        year_check(fields["baseline_year"], "baseline_year")
    for name, new in fields.items():
        setattr(indicator, name, new)
    indicator.full_clean(exclude=["territory", "theme"])
    indicator.save()
    collective_values_refresh([indicator.pk])  # the code is copied there; the aggregation changes them
    return indicator

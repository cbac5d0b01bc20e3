"""Land calls, their criteria grid and the applications: the writes (keyword-only, atomic, each change of a call,
its grid or an application's status kept as a LandEvent with who and when) and the land-sobriety reading."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.commitments.models import Commitment

from .criteria_defaults import DEFAULT_CRITERIA, DEFAULT_SCREENING, best_commitment
from .models import (
    Application,
    ApplicationStatus,
    Attachment,
    Availability,
    CallStatus,
    Criterion,
    Decision,
    LandCall,
    LandEnvelope,
    LandEvent,
    LandUse,
    Parcel,
    ScreeningCheck,
    ScreeningRule,
)

PACT_ANSWERS = (
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
)
REQUIRED_ATTACHMENTS = (Attachment.Kind.BUSINESS, Attachment.Kind.PLAN)


class GridFrozen(ValidationError):
    """The call is open (or later): its criteria and screening rules can no longer change."""


def _event(*, call, actor, message, **data) -> LandEvent:
    return LandEvent.objects.create(call=call, territory_id=call.territory_id, actor=actor, message=message, data=data)


def _unfrozen(call: LandCall) -> None:
    if call.grid_frozen:
        raise GridFrozen(_("La grille de cet appel est figée depuis son ouverture : elle ne peut plus être modifiée."))


def reference_number(application: Application) -> str:
    return f"FON-{application.call_id}-{application.pk:05d}"


# Parcels and envelope -------------------------------------------------------------------------------------------


@transaction.atomic
def parcel_save(*, territory, parcel: Parcel | None = None, actor=None, **fields) -> Parcel:
    parcel = parcel or Parcel(territory=territory)
    if parcel.territory_id != territory.pk:
        raise ValueError("parcel of another territory")
    for name, value in fields.items():
        setattr(parcel, name, value)
    parcel.save()
    return parcel


@transaction.atomic
def envelope_save(*, territory, actor=None, **fields) -> LandEnvelope:
    envelope = LandEnvelope.objects.for_territory(territory).order_by("-starts_on", "-pk").first()
    envelope = envelope or LandEnvelope(territory=territory)
    for name, value in fields.items():
        setattr(envelope, name, value)
    envelope.save()
    return envelope


@dataclass
class Sobriety:
    envelope: LandEnvelope | None
    by_use: list  # (label, land_use value, hectares)
    consumed: Decimal  # natural + agricultural: what counts against the envelope
    reused: Decimal  # already built land

    @property
    def remaining(self):
        return None if self.envelope is None else self.envelope.hectares - self.consumed

    @property
    def share(self):
        if self.envelope is None or not self.envelope.hectares:
            return None
        return round(self.consumed * 100 / self.envelope.hectares)

    @property
    def exceeded(self) -> bool:
        return self.remaining is not None and self.remaining < 0


def land_sobriety(*, territory) -> Sobriety:
    """Hectares of the parcels allocated by decided calls (the elected officials' final choice), by the parcels'
    nature, against the envelope."""
    envelope = LandEnvelope.objects.for_territory(territory).order_by("-starts_on", "-pk").first()
    decisions = Decision.objects.for_territory(territory).filter(
        call__status=CallStatus.DECIDED, final_application__isnull=False
    )
    if envelope is not None:  # a decision without its date counts: better over- than under-counted
        decisions = decisions.exclude(final_decided_at__date__lt=envelope.starts_on).exclude(
            final_decided_at__date__gt=envelope.ends_on
        )
    # What is consumed is what the allocated parcels are (their nature and area), not what an applicant declared.
    totals = dict(
        Parcel.objects.filter(calls__decision__in=decisions)
        .distinct()
        .order_by()
        .values_list("land_use")
        .annotate(ha=Sum("area_ha"))
    )
    by_use = [(use.label, use.value, totals.get(use.value) or Decimal(0)) for use in LandUse]
    consumed = (totals.get(LandUse.NATURAL) or Decimal(0)) + (totals.get(LandUse.AGRICULTURAL) or Decimal(0))
    return Sobriety(envelope=envelope, by_use=by_use, consumed=consumed, reused=totals.get(LandUse.BUILT) or Decimal(0))


# Calls ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def call_create(*, territory, actor, title, description, parcels, opens_on, closes_on) -> LandCall:
    if closes_on <= opens_on:
        raise ValidationError(_("La clôture doit être postérieure à l'ouverture."))
    if any(parcel.territory_id != territory.pk for parcel in parcels):
        raise ValidationError(_("Une parcelle n'appartient pas à ce territoire."))
    call = LandCall.objects.create(
        territory=territory, title=title, description=description, opens_on=opens_on, closes_on=closes_on
    )
    call.parcels.set(parcels)
    _event(call=call, actor=actor, message=_("Appel « %(t)s » créé.") % {"t": title})
    return call


@transaction.atomic
def call_open(*, call: LandCall, actor) -> LandCall:
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    if call.status != CallStatus.DRAFT:
        raise ValidationError(_("Seul un appel en préparation peut être ouvert."))
    if not call.criteria.exists():
        raise ValidationError(_("L'appel ne peut pas ouvrir sans au moins un critère dans sa grille."))
    parcels = list(call.parcels.all())
    if not parcels:
        raise ValidationError(_("L'appel ne peut pas ouvrir sans au moins une parcelle."))
    taken = [p.name for p in parcels if p.availability != Availability.AVAILABLE]
    if taken:
        raise ValidationError(
            _("Parcelle déjà attribuée ou réservée par un autre appel : %(p)s.") % {"p": ", ".join(taken)}
        )
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(availability=Availability.RESERVED)
    call.status = CallStatus.OPEN
    call.save(update_fields=["status"])
    _event(call=call, actor=actor, message=_("Appel ouvert aux candidatures ; la grille est figée."))
    return call


@transaction.atomic
def call_close(*, call: LandCall, actor) -> LandCall:
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    if call.status != CallStatus.OPEN:
        raise ValidationError(_("Seul un appel ouvert peut être clos."))
    call.status = CallStatus.CLOSED
    call.save(update_fields=["status"])
    _event(call=call, actor=actor, message=_("Appel clos : les candidatures sont en instruction."))
    return call


# The grid -------------------------------------------------------------------------------------------------------


@transaction.atomic
def grid_propose_default(*, call: LandCall, actor) -> list[Criterion]:
    """The default criteria (and legal minimums), each linked to the territory's best matching commitment."""
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    _unfrozen(call)
    commitments = list(Commitment.objects.for_territory(call.territory_id).select_related("theme"))
    start = call.criteria.count()
    created = []
    for i, entry in enumerate(DEFAULT_CRITERIA):
        created.append(
            Criterion.objects.create(
                call=call,
                territory_id=call.territory_id,
                order=start + i,
                name=entry["name"],
                commitment=best_commitment(entry, commitments),
                weight=entry["weight"],
                levels=list(entry["levels"]),
                eliminatory=entry["threshold"] is not None,
                threshold=entry["threshold"],
            )
        )
    existing = set(call.screening_rules.values_list("text", flat=True))
    for text in DEFAULT_SCREENING:
        if text not in existing:
            ScreeningRule.objects.create(call=call, territory_id=call.territory_id, text=text)
    _event(
        call=call,
        actor=actor,
        message=_("Grille par défaut proposée : %(n)s critères issus des engagements du pacte.") % {"n": len(created)},
    )
    return created


def _criterion_check(*, commitment, levels, eliminatory, threshold, territory_id):
    if commitment is not None and commitment.territory_id != territory_id:
        raise ValidationError(_("Cet engagement n'appartient pas à ce territoire."))
    if len(levels) != 6:
        raise ValidationError(_("Un critère a six descripteurs, du niveau 0 au niveau 5."))
    if eliminatory and threshold is None:
        raise ValidationError(_("Un critère éliminatoire a un seuil entre 0 et 5."))
    if threshold is not None and not 0 <= threshold <= 5:
        raise ValidationError(_("Le seuil est compris entre 0 et 5."))


@transaction.atomic
def criterion_save(
    *,
    call: LandCall,
    actor,
    criterion: Criterion | None = None,
    name,
    commitment,
    weight,
    levels,
    eliminatory,
    threshold,
) -> Criterion:
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    _unfrozen(call)
    _criterion_check(
        commitment=commitment,
        levels=levels,
        eliminatory=eliminatory,
        threshold=threshold,
        territory_id=call.territory_id,
    )
    if criterion is not None and criterion.call_id != call.pk:
        raise ValueError("criterion of another call")
    is_new = criterion is None
    criterion = criterion or Criterion(call=call, territory_id=call.territory_id, order=call.criteria.count())
    criterion.name, criterion.commitment, criterion.weight = name, commitment, weight
    criterion.levels, criterion.eliminatory = list(levels), eliminatory
    criterion.threshold = threshold if eliminatory else None
    criterion.save()
    message = _("Critère « %(c)s » ajouté.") if is_new else _("Critère « %(c)s » modifié.")
    _event(
        call=call,
        actor=actor,
        message=message % {"c": name},
        criterion=criterion.pk,
        weight=str(weight),
        eliminatory=eliminatory,
        threshold=criterion.threshold,
    )
    return criterion


@transaction.atomic
def criterion_delete(*, call: LandCall, actor, criterion: Criterion) -> None:
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    _unfrozen(call)
    if criterion.call_id != call.pk:
        raise ValueError("criterion of another call")
    name = criterion.name
    criterion.delete()
    _event(call=call, actor=actor, message=_("Critère « %(c)s » retiré.") % {"c": name})


@transaction.atomic
def screening_rule_add(*, call: LandCall, actor, text: str) -> ScreeningRule:
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    _unfrozen(call)
    rule = ScreeningRule.objects.create(
        call=call, territory_id=call.territory_id, text=text, order=call.screening_rules.count()
    )
    _event(call=call, actor=actor, message=_("Exigence légale ajoutée : « %(t)s ».") % {"t": text})
    return rule


@transaction.atomic
def screening_rule_delete(*, call: LandCall, actor, rule: ScreeningRule) -> None:
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    _unfrozen(call)
    if rule.call_id != call.pk:
        raise ValueError("rule of another call")
    text = rule.text
    rule.delete()
    _event(call=call, actor=actor, message=_("Exigence légale retirée : « %(t)s ».") % {"t": text})


# Applications ---------------------------------------------------------------------------------------------------


def call_accepts_applications(call: LandCall, today=None) -> bool:
    today = today or timezone.localdate()
    return call.status == CallStatus.OPEN and call.opens_on <= today <= call.closes_on


@transaction.atomic
def application_submit(*, call: LandCall, fields: dict, attachments: list[tuple[str, object]]) -> Application:
    """An application by a project holder without an account (attachments already checked: (kind, upload))."""
    call = LandCall.objects.select_for_update().get(pk=call.pk)
    if not call_accepts_applications(call):
        raise ValidationError(_("Cet appel ne reçoit pas de candidatures en ce moment."))
    application = Application.objects.create(
        call=call, territory_id=call.territory_id, status=ApplicationStatus.SUBMITTED, **fields
    )
    for kind, upload in attachments[:5]:
        Attachment.objects.create(application=application, territory_id=call.territory_id, kind=kind, file=upload)
    _event(
        call=call,
        actor=None,
        message=_("Candidature %(r)s déposée par %(c)s.")
        % {"r": reference_number(application), "c": fields["company_name"]},
        application=application.pk,
        status=application.status,
    )
    return application


def application_missing(application: Application) -> list[str]:
    """What an application lacks, in French (empty when complete)."""
    missing = []
    for name in ("project", *PACT_ANSWERS):
        value = getattr(application, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(_("Réponse manquante : %(f)s") % {"f": Application._meta.get_field(name).verbose_name})
    if not application.surface_ha or application.surface_ha <= 0:
        missing.append(_("Réponse manquante : surface demandée"))
    kinds = set(application.attachments.values_list("kind", flat=True))
    for kind in REQUIRED_ATTACHMENTS:
        if kind not in kinds:
            missing.append(_("Pièce manquante : %(k)s") % {"k": Attachment.Kind(kind).label})
    return missing


@transaction.atomic
def application_check(*, application: Application, actor, screening: dict | None = None) -> Application:
    """Completeness (required answers, business plan and site plan), then the legal minimums pass/fail.

    `screening` maps a ScreeningRule's pk to (passed, note); every rule of the call must be answered once the
    application is complete. Any rule failed puts the application out (SCREENED_OUT), never as points.
    """
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    call = application.call
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ValidationError(_("Cette candidature a été retirée."))
    if call.status == CallStatus.DECIDED or Decision.objects.filter(call=call, signed_at__isnull=False).exists():
        raise ValidationError(_("L'avis du comité est rendu : les candidatures ne peuvent plus être réexaminées."))
    if application.scores.exists():
        raise ValidationError(
            _("Le comité a commencé à noter cette candidature : sa recevabilité ne peut plus être réexaminée.")
        )
    before = application.status
    missing = application_missing(application)
    if missing:
        application.status = ApplicationStatus.INCOMPLETE
        application.missing = "\n".join(missing)
    else:
        rules = list(call.screening_rules.all())
        screening = screening or {}
        unanswered = [rule.text for rule in rules if rule.pk not in screening]
        if unanswered:
            raise ValidationError(
                _("Vérifiez chaque exigence légale avant de conclure : %(r)s.") % {"r": " ; ".join(unanswered)}
            )
        failed = []
        for rule in rules:
            passed, note = screening[rule.pk]
            ScreeningCheck.objects.update_or_create(
                application=application,
                rule=rule,
                defaults={"passed": passed, "note": note, "territory_id": application.territory_id},
            )
            if not passed:
                failed.append(rule.text)
        application.missing = ""
        if failed:
            application.status = ApplicationStatus.SCREENED_OUT
            application.missing = "\n".join(_("Exigence légale non remplie : %(r)s") % {"r": t} for t in failed)
        else:
            application.status = ApplicationStatus.COMPLETE
    application.save(update_fields=["status", "missing"])
    _event(
        call=call,
        actor=actor,
        message=_("Candidature %(r)s (%(c)s) : %(s)s.")
        % {"r": reference_number(application), "c": application.company_name, "s": application.get_status_display()},
        application=application.pk,
        before=before,
        status=application.status,
        missing=application.missing,
    )
    return application

"""The ad hoc committee of a land call: its members and their conflicts of interest, the scoring sheets, the
committee's opinion (frozen once signed), the elected officials' final decision and the allocation.

Every score, change and decision writes a LandEvent with its actor. Services are keyword-only and atomic; they
raise ValidationError (in French) when a rule refuses."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pacte.accounts.models import token_digest
from pacte.accounts.services import email_normalize, link_email_send, new_token, person_label
from pacte.companies.models import Company, Membership, MembershipStatus
from pacte.core.models import JournalVerb, journal_write
from pacte.governance.models import Action, ActionKind, ActionPlan

from .models import (
    Application,
    ApplicationOpinion,
    ApplicationStatus,
    Availability,
    CallStatus,
    CommitteeInvitation,
    CommitteeMember,
    ConflictOfInterest,
    Criterion,
    Decision,
    LandCall,
    LandEvent,
    Opinion,
    Score,
)

# The pact's answers of an application that become commitments of its action plan, in the form's order.
PACT_ANSWERS = [
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


def event_write(*, call: LandCall, actor, message: str, **data) -> LandEvent:
    return LandEvent.objects.create(territory_id=call.territory_id, call=call, actor=actor, message=message, data=data)


def _user_id(actor):
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def decision_signed(call: LandCall) -> bool:
    return Decision.objects.filter(call=call, signed_at__isnull=False).exists()


def _refuse_if_signed(call: LandCall):
    if decision_signed(call):
        raise ValidationError(_("L'avis du comité est signé : il ne peut plus être modifié."))


# ---------------------------------------------------------------------------------------------------------------
# Members and conflicts of interest


@transaction.atomic
def member_add(*, call: LandCall, name: str, role: str = "", user=None, actor) -> CommitteeMember:
    _refuse_if_signed(call)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Indiquez le nom du membre."))
    if user is not None and CommitteeMember.objects.filter(call=call, user=user).exists():
        raise ValidationError(_("Ce compte est déjà rattaché à un membre du comité."))
    member = CommitteeMember.objects.create(
        territory_id=call.territory_id, call=call, name=name, role=(role or "").strip(), user=user
    )
    event_write(
        call=call,
        actor=actor,
        message=_("Membre du comité ajouté : %(name)s") % {"name": member.name},
        kind="member_added",
        member=member.pk,
        role=member.role,
        user=user.pk if user else None,
    )
    return member


@transaction.atomic
def member_remove(*, member: CommitteeMember, actor) -> None:
    call = member.call
    _refuse_if_signed(call)
    scores = member.scores.count()
    event_write(
        call=call,
        actor=actor,
        message=_("Membre du comité retiré : %(name)s (%(n)s notes supprimées)") % {"name": member.name, "n": scores},
        kind="member_removed",
        member=member.pk,
        name=member.name,
        scores_deleted=scores,
    )
    member.delete()


COMMITTEE_INVITATION_DAYS = 14  # a committee meets less often than a team works: two weeks to answer


def _committee_invitation_send(*, invitation: CommitteeInvitation, token: str, base_url: str) -> None:
    member = invitation.member
    link = base_url.rstrip("/") + reverse("land:committee_invitation", args=[token])
    invitation.link = link  # not stored
    link_email_send(
        to=invitation.email,
        subject=_("Invitation au comité de sélection : %(call)s") % {"call": member.call.title},
        template="land/committee_invitation_email.txt",
        context={
            "invitation": invitation,
            "member": member,
            "call": member.call,
            "territory": member.call.territory,
            "inviter": person_label(invitation.invited_by),
            "link": link,
            "site_title": settings.SITE_TITLE,
        },
    )


def _committee_invitation_renew(invitation: CommitteeInvitation) -> str:
    token = new_token()
    invitation.token_digest = token_digest(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=COMMITTEE_INVITATION_DAYS)
    return token


@transaction.atomic
def member_invite(*, call: LandCall, name: str, role: str = "", email: str, actor, base_url: str) -> CommitteeMember:
    """Add a member and email them a single-use link to their scoring sheet. Whether the address already has an
    account is never looked up here (nor told to the team): the person signs in or creates an account at the link."""
    email = email_normalize(email)
    member = member_add(call=call, name=name, role=role, actor=actor)
    invitation = CommitteeInvitation(member=member, email=email, invited_by=actor)
    token = _committee_invitation_renew(invitation)
    invitation.save()
    journal_write(
        territory=call.territory,
        verb=JournalVerb.COMMITTEE_MEMBER_INVITED,
        message=_("Invitation de %(name)s au comité de « %(call)s » (%(email)s)")
        % {"name": member.name, "call": call.title, "email": email},
        actor=actor,
    )
    _committee_invitation_send(invitation=invitation, token=token, base_url=base_url)
    return member


@transaction.atomic
def member_invitation_resend(*, member: CommitteeMember, actor, base_url: str) -> CommitteeInvitation:
    invitation = (
        CommitteeInvitation.objects.select_for_update(of=("self",))
        .select_related("member__call__territory")
        .get(member=member)
    )
    if invitation.accepted_at is not None:
        raise ValidationError(_("Cette invitation a déjà été acceptée."))
    token = _committee_invitation_renew(invitation)
    invitation.send_count += 1
    invitation.save()
    event_write(
        call=invitation.member.call,
        actor=actor,
        message=_("Invitation au comité renvoyée à %(name)s") % {"name": member.name},
        kind="member_invitation_resent",
        member=member.pk,
    )
    _committee_invitation_send(invitation=invitation, token=token, base_url=base_url)
    return invitation


def committee_invitation_from_token(token: str) -> CommitteeInvitation | None:
    if not token or len(token) > 200:
        return None
    return (
        CommitteeInvitation.objects.select_related("member__call__territory", "invited_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


def committee_invitation_refusal(invitation: CommitteeInvitation | None) -> str:
    """Why this link cannot be used ("" if it can)."""
    if invitation is None:
        return _("Ce lien d'invitation est inconnu ou a été remplacé par un envoi plus récent.")
    if invitation.accepted_at is not None:
        return _("Ce lien d'invitation a déjà servi.")
    if invitation.expires_at <= timezone.now():
        return _("Ce lien d'invitation a expiré.")
    return ""


@transaction.atomic
def committee_invitation_accept(*, invitation: CommitteeInvitation, user) -> CommitteeMember:
    """Link the account to the committee member (single use): it then opens that member's scoring sheet only."""
    invitation = (
        CommitteeInvitation.objects.select_for_update(of=("self",)).select_related("member__call").get(pk=invitation.pk)
    )
    refusal = committee_invitation_refusal(invitation)
    if refusal:
        raise ValidationError(refusal)
    member = invitation.member
    if CommitteeMember.objects.filter(call=member.call, user=user).exclude(pk=member.pk).exists():
        raise ValidationError(_("Ce compte est déjà rattaché à un autre membre de ce comité."))
    member.user = user
    member.save(update_fields=["user"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if not user.email:
        user.email = invitation.email
        user.save(update_fields=["email"])
    event_write(
        call=member.call,
        actor=user,
        message=_("%(name)s a accepté l'invitation au comité") % {"name": member.name},
        kind="member_invitation_accepted",
        member=member.pk,
        user=user.pk,
    )
    return member


@transaction.atomic
def conflict_declare(*, member: CommitteeMember, application: Application, reason: str, actor) -> ConflictOfInterest:
    """The member declares a link with the application: from then on they never score it; their scores of it
    are deleted (and the deletion is logged)."""
    call = member.call
    _refuse_if_signed(call)
    if application.call_id != call.pk:
        raise ValidationError(_("Cette candidature ne relève pas de cet appel."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Précisez la nature du lien avec le porteur de projet."))
    if ConflictOfInterest.objects.filter(member=member, application=application).exists():
        raise ValidationError(_("Ce conflit d'intérêts est déjà déclaré."))
    conflict = ConflictOfInterest.objects.create(
        territory_id=call.territory_id, member=member, application=application, reason=reason
    )
    scores = Score.objects.filter(member=member, application=application)
    deleted = list(scores.values("criterion_id", "value"))
    scores.delete()
    event_write(
        call=call,
        actor=actor,
        message=_("Conflit d'intérêts déclaré : %(member)s avec %(company)s")
        % {"member": member.name, "company": application.company_name},
        kind="conflict_declared",
        member=member.pk,
        application=application.pk,
        reason=reason,
    )
    if deleted:
        event_write(
            call=call,
            actor=actor,
            message=_("%(n)s notes de %(member)s pour %(company)s supprimées (conflit d'intérêts)")
            % {"n": len(deleted), "member": member.name, "company": application.company_name},
            kind="scores_deleted",
            member=member.pk,
            application=application.pk,
            scores=deleted,
        )
    return conflict


# ---------------------------------------------------------------------------------------------------------------
# Scoring


def scoring_refusal(call: LandCall) -> str:
    """Why the committee cannot score now ("" if it can)."""
    if call.status != CallStatus.CLOSED:
        return _("La notation a lieu une fois l'appel clos (statut actuel : %(status)s).") % {
            "status": call.get_status_display()
        }
    if decision_signed(call):
        return _("L'avis du comité est signé : les notes ne peuvent plus être modifiées.")
    return ""


@transaction.atomic
def scores_save(*, member: CommitteeMember, entries, actor) -> int:
    """Upsert the member's scores. `entries`: iterable of (application, criterion, value, comment). Returns the
    number of scores created or changed (each one logged)."""
    call = LandCall.objects.select_for_update().get(pk=member.call_id)
    refusal = scoring_refusal(call)
    if refusal:
        raise ValidationError(refusal)
    entries = list(entries)
    conflicted = set(ConflictOfInterest.objects.filter(member=member).values_list("application_id", flat=True))
    existing = {
        (s.application_id, s.criterion_id): s
        for s in Score.objects.filter(member=member, application_id__in={entry[0].pk for entry in entries})
    }
    changed, events = 0, []
    for application, criterion, value, comment in entries:
        if application.call_id != call.pk or criterion.call_id != call.pk:
            raise ValidationError(_("Cette note ne relève pas de cet appel."))
        if application.status != ApplicationStatus.COMPLETE:
            raise ValidationError(
                _("Seules les candidatures complètes sont notées (%(company)s).")
                % {"company": application.company_name}
            )
        if application.pk in conflicted:
            raise ValidationError(
                _("%(member)s a déclaré un conflit d'intérêts avec %(company)s : il ne peut pas la noter.")
                % {"member": member.name, "company": application.company_name}
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | Decimal)
            or int(value) != value
            or not 0 <= value <= 5
        ):
            raise ValidationError(_("Une note est un entier de 0 à 5 (reçu : %(value)s).") % {"value": value})
        value, comment = int(value), (comment or "").strip()
        score = existing.get((application.pk, criterion.pk))
        if score is not None and score.value == value and score.comment == comment:
            continue
        before = None if score is None else score.value
        if score is None:
            score = Score(territory_id=call.territory_id, member=member, application=application, criterion=criterion)
            existing[(application.pk, criterion.pk)] = score
        score.value, score.comment = value, comment
        score.save()
        changed += 1
        events.append(
            LandEvent(
                territory_id=call.territory_id,
                call=call,
                actor=actor,
                message=_("Note de %(member)s pour %(company)s, « %(criterion)s » : %(value)s/5")
                % {
                    "member": member.name,
                    "company": application.company_name,
                    "criterion": criterion.name,
                    "value": value,
                },
                data={
                    "kind": "score",
                    "member": member.pk,
                    "application": application.pk,
                    "criterion": criterion.pk,
                    "before": before,
                    "value": value,
                    "comment": comment,
                },
            )
        )
    LandEvent.objects.bulk_create(events)
    return changed


def score_set(*, member: CommitteeMember, application: Application, criterion: Criterion, value, comment="", actor):
    return scores_save(member=member, entries=[(application, criterion, value, comment)], actor=actor)


# ---------------------------------------------------------------------------------------------------------------
# The committee's opinion


def decision_for(call: LandCall) -> Decision:
    decision, _created = Decision.objects.get_or_create(call=call, defaults={"territory_id": call.territory_id})
    return decision


def _locked_decision(call: LandCall) -> Decision:
    decision = decision_for(call)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.signed_at is not None:
        raise ValidationError(_("L'avis du comité est signé : il ne peut plus être modifié."))
    return decision


@transaction.atomic
def opinion_set(*, call: LandCall, application: Application, opinion: str, justification: str, actor):
    decision = _locked_decision(call)
    if application.call_id != call.pk or application.status != ApplicationStatus.COMPLETE:
        raise ValidationError(_("L'avis porte sur les candidatures complètes de cet appel."))
    if opinion not in Opinion.values:
        raise ValidationError(_("Avis inconnu."))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError(_("Justifiez l'avis du comité."))
    row, created = ApplicationOpinion.objects.update_or_create(
        decision=decision,
        application=application,
        defaults={"territory_id": call.territory_id, "opinion": opinion, "justification": justification},
    )
    event_write(
        call=call,
        actor=actor,
        message=_("Avis %(opinion)s pour %(company)s")
        % {"opinion": str(Opinion(opinion).label).lower(), "company": application.company_name},
        kind="opinion",
        application=application.pk,
        opinion=opinion,
        justification=justification,
        created=created,
    )
    return row


@transaction.atomic
def dissent_set(*, call: LandCall, dissent: str, actor) -> Decision:
    decision = _locked_decision(call)
    decision.dissent = (dissent or "").strip()
    decision.save(update_fields=["dissent"])
    event_write(
        call=call, actor=actor, message=_("Avis divergents consignés"), kind="dissent", dissent=decision.dissent
    )
    return decision


def _criterion_entry(criterion: Criterion) -> dict:
    return {
        "id": criterion.pk,
        "name": criterion.name,
        "weight": float(criterion.weight),
        "eliminatory": criterion.eliminatory,
        "threshold": criterion.threshold,
    }


@transaction.atomic
def decision_sign(*, call: LandCall, actor) -> Decision:
    """Freeze the opinion: the ranking (ranks, totals, means, stability, eliminations) and the opinions as signed;
    the call is DECIDED. Every complete application must have an opinion."""
    from .selectors import call_criteria, call_ranking, scorable_applications

    call = LandCall.objects.select_for_update().get(pk=call.pk)
    if call.status != CallStatus.CLOSED:
        raise ValidationError(_("L'avis se signe une fois l'appel clos."))
    decision = _locked_decision(call)
    applications = {a.pk: a for a in scorable_applications(call)}
    if not applications:
        raise ValidationError(_("Aucune candidature complète : il n'y a pas d'avis à signer."))
    opinions = {o.application_id: o for o in decision.opinions.all()}
    missing = [a.company_name for pk, a in applications.items() if pk not in opinions]
    if missing:
        raise ValidationError(
            _("Chaque candidature complète doit recevoir un avis avant la signature (manque : %(names)s).")
            % {"names": ", ".join(missing)}
        )
    criteria = call_criteria(call)
    # Every member scores every criterion of every complete application, except where they declared a conflict.
    conflicts = set(ConflictOfInterest.objects.filter(member__call=call).values_list("member_id", "application_id"))
    scored = dict(
        Score.objects.filter(member__call=call, application__in=list(applications))
        .order_by()
        .values_list("member_id")
        .annotate(n=Count("pk"))
    )
    unfinished = [
        member.name
        for member in call.members.all()
        if scored.get(member.pk, 0) < len(criteria) * sum(1 for pk in applications if (member.pk, pk) not in conflicts)
    ]
    if unfinished:
        raise ValidationError(
            _("La notation n'est pas terminée : %(names)s n'ont pas noté chaque critère de chaque candidature.")
            % {"names": ", ".join(unfinished)}
        )
    results = call_ranking(call, criteria=criteria)
    names = {c.pk: c.name for c in criteria}
    ranking_rows = []
    for result in results:
        application = applications[result.application_id]
        opinion = opinions[application.pk]
        ranking_rows.append(
            {
                "application": application.pk,
                "company": application.company_name,
                "siren": application.siren,
                "rank": result.rank,
                "total": None if result.total is None else round(result.total, 4),
                "means": {str(k): round(v, 4) for k, v in result.means.items()},
                "stability": result.stability,
                "eliminated_by": [
                    {"criterion": pk, "name": names[pk], "mean": round(result.means[pk], 4)}
                    for pk in result.eliminated_by
                ],
                "complete": result.complete,
                "opinion": opinion.opinion,
                "opinion_label": str(opinion.get_opinion_display()),
                "justification": opinion.justification,
            }
        )
    now = timezone.now()
    decision.frozen = {
        "signed_at": now.isoformat(),
        "signed_by": _user_id(actor),
        "call": {"id": call.pk, "title": call.title},
        "parcels": [
            {"id": p.pk, "name": p.name, "area_ha": str(p.area_ha), "commune": str(p.commune)}
            for p in call.parcels.select_related("commune").order_by("name", "pk")
        ],
        "criteria": [_criterion_entry(c) for c in criteria],
        "ranking": ranking_rows,
        "dissent": decision.dissent,
    }
    decision.signed_by = actor
    decision.signed_at = now
    decision.save(update_fields=["frozen", "signed_by", "signed_at"])
    call.status = CallStatus.DECIDED
    call.save(update_fields=["status"])
    event_write(
        call=call,
        actor=actor,
        message=_("Avis du comité signé"),
        kind="decision_signed",
        ranking=[(r["application"], r["rank"], r["opinion"]) for r in ranking_rows],
    )
    return decision


# ---------------------------------------------------------------------------------------------------------------
# The elected officials' decision and the allocation


def recommended_application_id(decision: Decision) -> int | None:
    """The first ranked application with a favourable opinion, as signed."""
    rows = [r for r in (decision.frozen or {}).get("ranking", []) if r.get("rank") is not None]
    for row in sorted(rows, key=lambda r: r["rank"]):
        if row["opinion"] == Opinion.FAVOURABLE:
            return row["application"]
    return None


def _answer_text(application: Application, name: str) -> str:
    value = getattr(application, name)
    if value is None or value == "":
        return ""
    label = str(Application._meta.get_field(name).verbose_name)
    if isinstance(value, Decimal):
        label = label.replace(" (%)", "")
        return f"{label[:1].upper()}{label[1:]} : {value.normalize():f} %"
    return f"{label[:1].upper()}{label[1:]} : {str(value).strip()}"


def application_commitments(application: Application) -> list[str]:
    """The application's non-empty pact answers, as the texts of its action plan's commitments."""
    texts = []
    for name in PACT_ANSWERS:
        answer = _answer_text(application, name)
        if answer:
            texts.append(_("Engagement pris dans la candidature : %(answer)s") % {"answer": answer})
    return texts


@transaction.atomic
def allocation_record(*, decision: Decision, application: Application, reason: str, actor) -> Decision:
    """The elected officials' final decision: the chosen application (a reason is required when it is not the
    first ranked favourable one), the parcels allocated, and the project holder followed as a member of the pact:
    its company (reused by SIREN), an invited membership and an action plan made of its commitments."""
    decision = Decision.objects.select_for_update().select_related("call").get(pk=decision.pk)
    call = decision.call
    if decision.signed_at is None:
        raise ValidationError(_("La décision des élus suit l'avis signé du comité."))
    if decision.final_application_id is not None:
        raise ValidationError(_("La décision des élus est déjà enregistrée."))
    if application.call_id != call.pk or application.status != ApplicationStatus.COMPLETE:
        raise ValidationError(_("Les élus choisissent parmi les candidatures complètes de cet appel."))
    reason = (reason or "").strip()
    recommended = recommended_application_id(decision)
    if application.pk != recommended and not reason:
        raise ValidationError(
            _(
                "Cette décision s'écarte du classement du comité (la première candidature classée avec un avis "
                "favorable) : indiquez-en le motif."
            )
        )
    now = timezone.now()
    decision.final_application = application
    decision.final_reason = reason
    decision.final_decided_at = now
    decision.save(update_fields=["final_application", "final_reason", "final_decided_at"])

    parcels = list(call.parcels.values_list("pk", flat=True))
    call.parcels.update(availability=Availability.ALLOCATED)

    territory_id = call.territory_id
    company = None
    if application.siren:
        company = Company.objects.filter(territory_id=territory_id, siren=application.siren).first()
    if company is None:
        company = Company.objects.create(
            territory_id=territory_id,
            name=application.company_name,
            siren=application.siren,
            email=application.contact_email,
        )
    membership = company.memberships.order_by("-pk").first()
    if membership is None or membership.status in (MembershipStatus.ENDED, MembershipStatus.DECLINED):
        membership = Membership.objects.create(
            territory_id=territory_id, company=company, status=MembershipStatus.INVITED, invited_at=now
        )
    plan, _created = ActionPlan.objects.get_or_create(membership=membership, defaults={"territory_id": territory_id})
    texts = application_commitments(application)
    start = plan.actions.count()
    Action.objects.bulk_create(
        [
            Action(territory_id=territory_id, plan=plan, kind=ActionKind.COMMITMENT, text=text, order=start + i)
            for i, text in enumerate(texts)
        ]
    )
    application.company = company
    application.save(update_fields=["company"])
    event_write(
        call=call,
        actor=actor,
        message=_("Décision des élus : %(company)s retenue") % {"company": application.company_name},
        kind="final_decision",
        application=application.pk,
        recommended=recommended,
        reason=reason,
        parcels_allocated=parcels,
        company=company.pk,
        membership=membership.pk,
        actions=len(texts),
        land_use=application.land_use,
    )
    return decision

"""Personal-data requests (RGPD): find what a territory holds about one person, export it, erase it.

The team of a territory answers the requests of the people it keeps data about (articles 15 and 17 of the GDPR):
- `person_find(*, territory, query)` searches its data by email (exact, case-insensitive) or by name (every word
  found in the first or last name): contacts of the tracking file (with the interviews they took part in),
  workshop participants (with their reactions and post-its), company representatives, companies' contact
  emails, land applicants' contact emails, members of the land committees;
- `person_export_json` / `person_export_xlsx` write what was found (the spreadsheet is safe against formulas);
- `person_erase(*, territory, keys, actor)` anonymises the records chosen by the team and journals it.

Only the given territory is ever read or written: every query filters on it, and a key of another territory's
record is ignored. Erasure anonymises rather than deletes, so that what the territory built together (interview
counts, workshop results, the land committee's ranking) keeps its figures; the rules are given per model below.
The journal says what kind of records were erased and how many, never who (it would keep the erased data).
"""

import datetime
import io
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pacte.core.models import JournalVerb, journal_write

MIN_QUERY_LENGTH = 3
ANONYMISED_EMAIL = "donnees-effacees@anonyme.invalid"  # .invalid: a domain that can never receive mail
# The journal verbs (asked for in pacte.core.models.JournalVerb; a plain value until then).
VERB_ERASED = getattr(JournalVerb, "PERSONAL_DATA_ERASED", "personal_data_erased")
VERB_EXPORTED = getattr(JournalVerb, "PERSONAL_DATA_EXPORTED", "personal_data_exported")

KINDS = {  # kind -> label shown to the team (and in exports)
    "contact": gettext_lazy("Contact du fichier de suivi"),
    "participant": gettext_lazy("Participant à un atelier"),
    "representative": gettext_lazy("Représentant d'entreprise"),
    "company": gettext_lazy("Courriel de contact d'une entreprise"),
    "application": gettext_lazy("Candidature foncière"),
    "committee_member": gettext_lazy("Membre d'un comité foncier"),
}


def kind_label(kind: str) -> str:
    return str(KINDS[kind])


@dataclass
class Record:
    """One record about the person: what it is, what it holds, what erasing it does."""

    kind: str
    pk: int
    title: str
    data: list[tuple[str, object]] = field(default_factory=list)  # (field label, value), in reading order
    erasure: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class QueryTooShort(ValueError):
    pass


def _name_q(words: list[str], first: str, last: str) -> Q:
    """Every word in the first or the last name."""
    q = Q()
    for word in words:
        q &= Q(**{f"{first}__icontains": word}) | Q(**{f"{last}__icontains": word})
    return q


def _words_q(words: list[str], name: str) -> Q:
    q = Q()
    for word in words:
        q &= Q(**{f"{name}__icontains": word})
    return q


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def _parse(query: str) -> tuple[str, list[str]]:
    query = " ".join((query or "").split())
    if len(query) < MIN_QUERY_LENGTH:
        raise QueryTooShort(query)
    if "@" in query:
        return query.lower(), []
    return "", query.split(" ")


def person_find(*, territory, query: str) -> list[Record]:
    """What `territory` holds about the person named by `query` (an email, or words of their name)."""
    from pacte.companies.models import Company, Representative
    from pacte.interviews.models import Interview
    from pacte.land.models import Application, CommitteeMember
    from pacte.stakeholders.models import Contact
    from pacte.workshops.models import Idea, Participant, Reaction

    email, words = _parse(query)
    records: list[Record] = []

    # Contacts of the tracking file, with the interviews they took part in.
    contact_q = Q(email__iexact=email) if email else _name_q(words, "first_name", "last_name")
    contacts = list(
        Contact.objects.for_territory(territory)
        .filter(contact_q)
        .select_related("stakeholder")
        .prefetch_related(Prefetch("interviews", queryset=Interview.objects.order_by("held_on", "pk")))
        .order_by("last_name", "first_name", "pk")
    )
    for contact in contacts:
        interviews = [
            _("Entretien du %(date)s (%(status)s)")
            % {"date": _date(i.held_on) or _("date non renseignée"), "status": i.get_status_display()}
            for i in contact.interviews.all()
        ]
        records.append(
            Record(
                kind="contact",
                pk=contact.pk,
                title=contact.display_name,
                data=[
                    (_("Entité"), contact.stakeholder.name),
                    (_("Prénom"), contact.first_name),
                    (_("Nom"), contact.last_name),
                    (_("Courriel"), contact.email),
                    (_("Téléphone"), contact.phone),
                    (_("Priorité"), contact.get_priority_display()),
                    (_("Statut"), contact.get_status_display()),
                    (_("Dernier échange"), _date(contact.last_action_on)),
                    (_("Qui contacte ?"), contact.contacted_by),
                    (_("Commentaire"), contact.notes),
                    (_("Entretiens"), "\n".join(interviews)),
                    (_("Créé le"), _date(contact.created_at)),
                ],
                erasure=_(
                    "Nom, prénom, courriel, téléphone et commentaire effacés ; l'entité, le statut et les "
                    "entretiens restent (les comptes de la campagne ne changent pas)."
                ),
            )
        )

    # Workshop participants: invited from a matching contact, or a displayed name that matches.
    participant_q = Q(contact__in=[c.pk for c in contacts])
    if words:
        participant_q |= _words_q(words, "name")
    participants = (
        Participant.objects.for_territory(territory)
        .filter(participant_q)
        .select_related("workshop", "contact")
        .prefetch_related(
            Prefetch("reactions", queryset=Reaction.objects.select_related("commitment").order_by("pk")),
            Prefetch("ideas", queryset=Idea.objects.order_by("pk")),
        )
        .order_by("pk")
    )
    for participant in participants:
        reactions = [
            f"{r.commitment} : {r.get_kind_display()}" + (f" — {r.comment}" if r.comment else "")
            for r in participant.reactions.all()
        ]
        records.append(
            Record(
                kind="participant",
                pk=participant.pk,
                title=f"{participant.workshop.title} — {participant.name or _('participant sans nom')}",
                data=[
                    (_("Atelier"), participant.workshop.title),
                    (_("Nom affiché"), participant.name),
                    (_("Contact invité"), participant.contact.full_name if participant.contact else ""),
                    (_("Arrivé le"), _date(participant.created_at)),
                    (_("Réactions"), "\n".join(reactions)),
                    (_("Post-its"), "\n".join(i.text for i in participant.ideas.all())),
                ],
                erasure=_(
                    "Nom affiché effacé et lien avec le contact retiré ; ses réactions et post-its restent, sans "
                    "nom, dans les résultats de l'atelier."
                ),
            )
        )

    # Company representatives (their account: email and name).
    user_q = Q(user__email__iexact=email) if email else _name_q(words, "user__first_name", "user__last_name")
    representatives = (
        Representative.objects.filter(company__territory=territory)
        .filter(user_q)
        .select_related("user", "company")
        .order_by("pk")
    )
    for representative in representatives:
        user = representative.user
        records.append(
            Record(
                kind="representative",
                pk=representative.pk,
                title=f"{user.get_full_name() or user.email} — {representative.company.name}",
                data=[
                    (_("Entreprise"), representative.company.name),
                    (_("Courriel"), user.email),
                    (_("Prénom"), user.first_name),
                    (_("Nom"), user.last_name),
                    (_("Compte créé le"), _date(user.date_joined)),
                    (_("Dernière connexion"), _date(user.last_login)),
                ],
                erasure=_(
                    "La personne ne représente plus l'entreprise ; son compte est anonymisé et désactivé s'il ne "
                    "sert à rien d'autre. L'entreprise, son adhésion et ses indicateurs restent."
                ),
            )
        )

    if email:
        # A company's contact email, and a land applicant's (searched by email only: there is no name).
        for company in Company.objects.for_territory(territory).filter(email__iexact=email).order_by("pk"):
            records.append(
                Record(
                    kind="company",
                    pk=company.pk,
                    title=company.name,
                    data=[(_("Entreprise"), company.name), (_("Courriel du contact"), company.email)],
                    erasure=_("Courriel de contact de l'entreprise effacé."),
                )
            )
        applications = (
            Application.objects.for_territory(territory)
            .filter(contact_email__iexact=email)
            .select_related("call")
            .order_by("pk")
        )
        for application in applications:
            records.append(
                Record(
                    kind="application",
                    pk=application.pk,
                    title=f"{application.company_name} — {application.call.title}",
                    data=[
                        (_("Appel à projets"), application.call.title),
                        (_("Entreprise"), application.company_name),
                        (_("SIREN"), application.siren),
                        (_("Courriel"), application.contact_email),
                        (_("Déposée le"), _date(application.submitted_at)),
                        (_("Statut"), application.get_status_display()),
                    ],
                    erasure=_(
                        "Courriel remplacé par une adresse qui ne reçoit rien ; la candidature (celle d'une "
                        "entreprise) et l'avis du comité restent."
                    ),
                )
            )

    # Members of the land committees: by name, by their account's email, or by the email they were invited at.
    if email:
        member_q = Q(user__email__iexact=email) | Q(invitation__email__iexact=email)
    else:
        member_q = _words_q(words, "name")
    members = (
        CommitteeMember.objects.for_territory(territory)
        .filter(member_q)
        .select_related("call", "user", "invitation")
        .order_by("pk")
    )
    for member in members:
        invitation = getattr(member, "invitation", None)
        records.append(
            Record(
                kind="committee_member",
                pk=member.pk,
                title=f"{member.name} — {member.call.title}",
                data=[
                    (_("Appel à projets"), member.call.title),
                    (_("Nom"), member.name),
                    (_("Qualité"), member.role),
                    (_("Courriel du compte"), member.user.email if member.user else ""),
                    (_("Courriel d'invitation"), invitation.email if invitation else ""),
                ],
                erasure=_(
                    "Nom remplacé par « Membre anonymisé », compte et invitation détachés ; ses notes restent "
                    "dans le classement du comité."
                ),
            )
        )
    return records


# --- export -------------------------------------------------------------------------------------------------------


def _rows(records: list[Record]):
    for record in records:
        for label, value in record.data:
            yield [record.kind_label, record.title, str(label), "" if value is None else str(value)]


def person_export_json(*, territory, query: str, records: list[Record]) -> bytes:
    document = {
        "territoire": territory.name,
        "recherche": query,
        "exporte_le": timezone.localtime().isoformat(timespec="seconds"),
        "donnees": [
            {"type": r.kind_label, "element": r.title, "champs": {str(k): v for k, v in r.data}} for r in records
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


# Cells starting with these characters are read as formulas by spreadsheet software ("CSV/formula injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def person_export_xlsx(*, territory, query: str, records: list[Record]) -> bytes:
    """One row per field: type, record, field, value. A value that looks like a formula stays text."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Données personnelles"
    sheet.append([_("Type"), _("Élément"), _("Champ"), _("Valeur")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, values in enumerate(_rows(records), 2):
        for column, value in enumerate(values, 1):
            cell = sheet.cell(row=number, column=column)
            cell.value = value
            if value.startswith(FORMULA_TRIGGERS):
                cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
                cell.quotePrefix = True
    for letter, width in zip("ABCD", (34, 50, 24, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def person_export_journal(*, territory, count: int, actor) -> None:
    journal_write(
        territory=territory,
        verb=VERB_EXPORTED,
        message=_("Export des données d'une personne à sa demande (%(n)s éléments).") % {"n": count},
        actor=actor,
    )


# --- erasure ------------------------------------------------------------------------------------------------------


def _parse_keys(keys) -> dict[str, set[int]]:
    chosen: dict[str, set[int]] = {}
    for key in keys:
        kind, _sep, pk = str(key).partition(":")
        if kind in KINDS and pk.isdigit():
            chosen.setdefault(kind, set()).add(int(pk))
    return chosen


def _user_anonymise_if_unused(user) -> bool:
    """An account that no longer serves anything (no company represented, no territory, no committee seat, not
    staff) is anonymised and deactivated: it can no longer sign in and names no one. Returns whether it was."""
    from pacte.accounts.models import TerritoryMembership
    from pacte.companies.models import Representative
    from pacte.land.models import CommitteeMember

    if user.is_staff or user.is_superuser:
        return False
    if (
        Representative.objects.filter(user=user).exists()
        or TerritoryMembership.objects.filter(user=user).exists()
        or CommitteeMember.objects.filter(user=user).exists()
    ):
        return False
    user.username = f"compte-anonymise-{user.pk}"
    user.email = ""
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return True


@transaction.atomic
def person_erase(*, territory, keys, actor) -> dict[str, int]:
    """Anonymise the chosen records of `territory` (keys "kind:pk" as in Record.key); returns the count per kind.

    Keys of another territory's records, or unknown ones, are ignored.
    """
    from pacte.companies.models import Company, Representative
    from pacte.land.models import Application, CommitteeInvitation, CommitteeMember
    from pacte.stakeholders.models import Contact
    from pacte.workshops.models import Participant

    chosen = _parse_keys(keys)
    counts: dict[str, int] = {}

    # Contact (tracking file): the person's identity and free notes go; the row stays, with its entity, priority,
    # status and date, so that the campaign's counts and the interviews (which point to it) are unchanged.
    if chosen.get("contact"):
        counts["contact"] = (
            Contact.objects.for_territory(territory)
            .filter(pk__in=chosen["contact"])
            .update(
                first_name="",
                last_name=_("Personne anonymisée"),
                email="",
                phone="",
                notes="",
                updated_at=timezone.now(),
            )
        )

    # Participant (workshops): the displayed name goes and the link to the contact is cut; the reactions and
    # post-its stay, nameless, because they are the workshop's results and the resolutions answer them.
    if chosen.get("participant"):
        counts["participant"] = (
            Participant.objects.for_territory(territory)
            .filter(pk__in=chosen["participant"])
            .update(name="", contact=None)
        )

    # Representative (companies): the person no longer acts for the company; their account is anonymised and
    # deactivated when nothing else uses it. The company, its membership, plan and indicator values stay.
    if chosen.get("representative"):
        representatives = list(
            Representative.objects.filter(company__territory=territory, pk__in=chosen["representative"]).select_related(
                "user", "company"
            )
        )
        for representative in representatives:
            user, company = representative.user, representative.company
            representative.delete()
            if user.email and company.email.lower() == user.email.lower():
                Company.objects.filter(pk=company.pk).update(email="")
            _user_anonymise_if_unused(user)
        counts["representative"] = len(representatives)

    # Company: only its contact email is personal data (the company itself is a legal person).
    if chosen.get("company"):
        counts["company"] = Company.objects.for_territory(territory).filter(pk__in=chosen["company"]).update(email="")

    # Application (land): the applicant's contact email is replaced by an address that receives nothing; the
    # application is a company's, and the committee's scores and signed decision depend on it.
    if chosen.get("application"):
        counts["application"] = (
            Application.objects.for_territory(territory)
            .filter(pk__in=chosen["application"])
            .update(contact_email=ANONYMISED_EMAIL)
        )

    # Committee member (land): the name is replaced and the account detached (their sign-in invitation is
    # deleted); the member's scores stay, the ranking and the decision are built on them.
    if chosen.get("committee_member"):
        members = CommitteeMember.objects.for_territory(territory).filter(pk__in=chosen["committee_member"])
        member_pks = list(members.values_list("pk", flat=True))
        users = list(get_user_model().objects.filter(land_committees__pk__in=member_pks).distinct())
        CommitteeInvitation.objects.filter(member__pk__in=member_pks).delete()
        counts["committee_member"] = members.update(name=_("Membre anonymisé"), user=None)
        for user in users:
            _user_anonymise_if_unused(user)

    counts = {kind: n for kind, n in counts.items() if n}
    if counts:
        summary = ", ".join(f"{kind_label(kind)} : {n}" for kind, n in counts.items())
        journal_write(
            territory=territory,
            verb=VERB_ERASED,
            message=_("Données d'une personne effacées à sa demande (%(summary)s).") % {"summary": summary},
            actor=actor,
        )
    return counts

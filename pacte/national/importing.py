"""Bulk set-up of territories from ANCT's list (CSV or XLSX): territory name, region, EPCI SIRENs, team emails.

    parsed = territories_file_parse(filename=..., content=...)   # rows as read, or SpreadsheetRefused
    plan = territories_plan(parsed)                               # every row's errors (French) and what it does
    territories_import_apply(parsed=parsed, actor=..., base_url=...)   # all or nothing, in one transaction

Idempotent: a territory of the same name is updated (EPCIs added to its perimeter, region set, team members not yet
invited get an invitation); the same file imported twice creates nothing and sends no second invitation. A row of
the file that has an error blocks the whole import: the preview lists them all, the file is corrected and sent again.
Territories are created by pacte.replication (the generic template) and invitations by pacte.accounts.
"""

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from pacte.accounts.models import Invitation, Role, TerritoryMembership
from pacte.accounts.services import invitation_create
from pacte.core.identifiers import siren_compact, siren_is_valid
from pacte.core.models import JournalVerb, journal_write, ncount
from pacte.core.spreadsheets import LIMITS, SpreadsheetRefused, XlsxBook, csv_rows, text_decode, too_large
from pacte.replication.services import territory_create_with_team
from pacte.territories.geography import region_match
from pacte.territories.models import Commune, Intercommunality, Territory
from pacte.territories.services import reference_data_populate

HEADER_SEARCH_ROWS = 5
MAX_TERRITORIES = 500

# Column → accepted headers (compared without accents, case, hyphens or apostrophes).
HEADERS = {
    "name": ["territoire", "nom", "nom du territoire", "territoire d industrie", "nom du territoire d industrie"],
    "region": ["region"],
    "sirens": [
        "siren",
        "sirens",
        "epci",
        "siren des epci",
        "sirens des epci",
        "siren epci",
        "intercommunalites",
        "siren des intercommunalites",
    ],
    "emails": [
        "courriel",
        "courriels",
        "email",
        "emails",
        "e mail",
        "e mails",
        "adresses",
        "equipe",
        "courriels de l equipe",
        "emails de l equipe",
        "equipe du territoire",
    ],
}
COLUMN_LABELS = {
    "name": "Territoire",
    "region": "Région",
    "sirens": "SIREN des EPCI",
    "emails": "Courriels de l'équipe",
}


def text_key(text) -> str:
    """No accents, no case, hyphens and apostrophes as spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[-'’_/().:]", " ", text)
    return " ".join(text.split())


HEADER_LOOKUP = {alias: column for column, aliases in HEADERS.items() for alias in aliases}


def _header_column(value) -> str | None:
    key = text_key(value)
    if not key:
        return None
    if key in HEADER_LOOKUP:
        return HEADER_LOOKUP[key]
    for alias in sorted(HEADER_LOOKUP, key=len, reverse=True):
        if key.startswith(alias + " "):
            return HEADER_LOOKUP[alias]
    return None


def _find_header(rows) -> tuple[int, dict] | None:
    """(index in rows, column → position) of the first row naming at least the territory and the SIREN columns."""
    for index, (_number, values) in enumerate(rows):
        columns = {}
        for position, value in enumerate(values):
            column = _header_column(value)
            if column and column not in columns:
                columns[column] = position
        if "name" in columns and "sirens" in columns:
            return index, columns
    return None


@dataclass
class ParsedRow:
    number: int  # as the spreadsheet numbers it
    name: str
    region: str
    sirens: list[str]  # as written (each token), checked by the plan
    emails: list[str]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def sirens_split(value) -> list[str]:
    """The SIRENs of a cell, whatever separates them ("200041762, 241700640", "241 700 640 / 200041762"…): groups
    of digits are joined up to 9 digits (a SIREN written the French way, in groups of 3)."""
    found = []
    for chunk in re.split(r"[^\d\s]+", _cell(value)):
        pending = ""
        for token in chunk.split():
            if len(pending + token) <= 9 and (pending or len(token) < 9):
                pending += token
                if len(pending) == 9:
                    found.append(pending)
                    pending = ""
            else:
                if pending:
                    found.append(pending)
                pending = "" if len(token) >= 9 else token
                if len(token) >= 9:
                    found.append(token)
        if pending:
            found.append(pending)
    return list(dict.fromkeys(found))


def emails_split(value) -> list[str]:
    emails = [e.strip().strip("<>").lower() for e in re.split(r"[\s,;]+", _cell(value))]
    return list(dict.fromkeys(e for e in emails if e))


def _raw_rows(filename: str, content: bytes) -> list[tuple[int, list]]:
    if filename.lower().endswith((".xlsx", ".xlsm")) or content.startswith(b"PK\x03\x04"):
        with XlsxBook(content, LIMITS) as book:
            for sheet in book.sheets:
                stream = book.rows(sheet)
                head = list(itertools.islice(stream, HEADER_SEARCH_ROWS))
                if _find_header(head) is not None:
                    return head + list(stream)
                stream.close()
        return []
    if len(content) > LIMITS.max_bytes:
        raise too_large(LIMITS)
    text = text_decode(content)
    best, best_score = ";", -1
    for delimiter in (";", ",", "\t"):
        try:
            head = list(itertools.islice(csv_rows(text[:20000], delimiter=delimiter), HEADER_SEARCH_ROWS))
        except SpreadsheetRefused:
            continue
        found = _find_header(head)
        score = len(found[1]) if found else 0
        if score > best_score:
            best, best_score = delimiter, score
    return list(csv_rows(text, delimiter=best, limits=LIMITS))


def territories_file_parse(*, filename: str, content: bytes) -> list[ParsedRow]:
    """The rows of the file under its header; SpreadsheetRefused (French) for a file that cannot be read."""
    rows = _raw_rows(filename, content)
    found = _find_header(rows[:HEADER_SEARCH_ROWS])
    if found is None:
        raise SpreadsheetRefused(
            _(
                "Aucune ligne d'en-tête reconnue : la première ligne doit nommer les colonnes « Territoire », "
                "« Région », « SIREN des EPCI » et « Courriels de l'équipe »."
            )
        )
    index, columns = found
    parsed = []
    for number, values in rows[index + 1 :]:

        def get(column, values=values):
            position = columns.get(column)
            return values[position] if position is not None and position < len(values) else None

        parsed.append(
            ParsedRow(
                number=number,
                name=_cell(get("name")),
                region=_cell(get("region")),
                sirens=sirens_split(get("sirens")),
                emails=emails_split(get("emails")),
            )
        )
    if len(parsed) > MAX_TERRITORIES:
        raise SpreadsheetRefused(
            _("Le fichier compte plus de %(n)s territoires : découpez-le.") % {"n": MAX_TERRITORIES}
        )
    return parsed


def parsed_to_json(parsed: list[ParsedRow]) -> list:
    return [[r.number, r.name, r.region, r.sirens, r.emails] for r in parsed]


def parsed_from_json(data) -> list[ParsedRow]:
    return [
        ParsedRow(int(n), str(name), str(region), list(sirens), list(emails))
        for n, name, region, sirens, emails in data
    ]


# --- the plan ------------------------------------------------------------------------------------------------


@dataclass
class PlannedRow:
    number: int
    name: str
    region: str = ""
    epcis: list = field(default_factory=list)  # Intercommunality
    emails: list[str] = field(default_factory=list)  # all the row's valid addresses
    errors: list[str] = field(default_factory=list)
    territory: Territory | None = None  # the existing territory of this name (an update), or None (a creation)
    epcis_added: list = field(default_factory=list)
    region_changed: bool = False
    invitations: list[str] = field(default_factory=list)  # addresses that will be invited
    already_invited: list[str] = field(default_factory=list)
    action: str = ""  # decided once the row is checked (an applied creation stays a creation)

    def decide(self) -> None:
        self.action = self._action()

    def _action(self) -> str:
        if self.errors:
            return "error"
        if self.territory is None:
            return "create"
        if self.epcis_added or self.region_changed or self.invitations:
            return "update"
        return "unchanged"

    @property
    def action_label(self) -> str:
        return {
            "error": _("Erreur"),
            "create": _("Création"),
            "update": _("Mise à jour"),
            "unchanged": _("Déjà à jour"),
        }[self.action]


@dataclass
class ImportPlan:
    rows: list[PlannedRow]

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def summary(self) -> dict:
        return {action: self.count(action) for action in ("create", "update", "unchanged", "error")}

    @property
    def summary_lines(self) -> list[str]:
        s = self.summary
        lines = [
            ncount(_("%(n)s territoire à créer"), _("%(n)s territoires à créer"), s["create"]),
            ncount(_("%(n)s territoire à mettre à jour"), _("%(n)s territoires à mettre à jour"), s["update"]),
            ncount(_("%(n)s territoire déjà à jour"), _("%(n)s territoires déjà à jour"), s["unchanged"]),
            ncount(_("%(n)s invitation à envoyer"), _("%(n)s invitations à envoyer"), self.invitation_count),
        ]
        if s["error"]:
            lines.append(ncount(_("%(n)s ligne en erreur"), _("%(n)s lignes en erreur"), s["error"]))
        return lines

    @property
    def done_message(self) -> str:
        s = self.summary
        return _("Import terminé : %(c)s, %(u)s, %(i)s.") % {
            "c": ncount(_("%(n)s territoire créé"), _("%(n)s territoires créés"), s["create"]),
            "u": ncount(_("%(n)s mis à jour"), _("%(n)s mis à jour"), s["update"]),
            "i": ncount(_("%(n)s invitation envoyée"), _("%(n)s invitations envoyées"), self.invitation_count),
        }

    @property
    def invitation_count(self) -> int:
        return sum(len(r.invitations) for r in self.rows if r.action in ("create", "update"))

    @property
    def applicable(self) -> bool:
        return bool(self.rows) and not self.errors and any(r.action in ("create", "update") for r in self.rows)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def territories_plan(parsed: list[ParsedRow]) -> ImportPlan:
    """Every row checked against the reference data, the other rows and the territories already set up: 4 queries
    whatever the number of rows (EPCI, territories with their EPCI, invitations, team members)."""
    all_sirens = {siren_compact(s) for row in parsed for s in row.sirens}
    epcis = {e.siren: e for e in Intercommunality.objects.filter(siren__in=all_sirens)}
    territories = {_name_key(t.name): t for t in Territory.objects.all()}
    owner = {}  # siren → territory holding it
    for territory_id, siren in Territory.intercommunalities.through.objects.values_list(
        "territory_id", "intercommunality__siren"
    ):
        owner[siren] = territory_id
    by_id = {t.pk: t for t in territories.values()}
    invited = set(Invitation.objects.filter(cancelled_at__isnull=True).values_list("territory_id", "email"))
    members = {
        (territory_id, (email or "").lower())
        for territory_id, email in TerritoryMembership.objects.values_list("territory_id", "user__email")
    }
    seen_names, seen_sirens = {}, {}
    planned = []
    for row in parsed:
        plan = PlannedRow(number=row.number, name=row.name)
        if not row.name:
            plan.errors.append(_("Le nom du territoire est vide."))
        else:
            key = _name_key(row.name)
            if key in seen_names:
                plan.errors.append(
                    _("Le territoire « %(t)s » figure déjà à la ligne %(n)s.") % {"t": row.name, "n": seen_names[key]}
                )
            seen_names.setdefault(key, row.number)
            plan.territory = territories.get(key)
        if not row.region:
            plan.errors.append(_("La région est vide."))
        else:
            plan.region = region_match(row.region)
            if not plan.region:
                plan.errors.append(_("Région inconnue : « %(r)s ».") % {"r": row.region})
        if not row.sirens:
            plan.errors.append(_("Aucun SIREN d'intercommunalité (EPCI)."))
        for raw in row.sirens:
            if not siren_is_valid(raw):
                plan.errors.append(
                    _("« %(v)s » n'est pas un numéro SIREN valide (9 chiffres, clé de contrôle).") % {"v": raw}
                )
                continue
            siren = siren_compact(raw)
            epci = epcis.get(siren)
            if epci is None:
                plan.errors.append(_("Le SIREN %(s)s ne correspond à aucune intercommunalité connue.") % {"s": siren})
                continue
            if siren in seen_sirens:
                plan.errors.append(
                    _("L'intercommunalité %(e)s figure déjà à la ligne %(n)s du fichier.")
                    % {"e": epci, "n": seen_sirens[siren]}
                )
                continue
            seen_sirens[siren] = row.number
            holder = owner.get(siren)
            if holder is not None and (plan.territory is None or holder != plan.territory.pk):
                plan.errors.append(
                    _("L'intercommunalité %(e)s fait déjà partie du territoire « %(t)s ».")
                    % {"e": epci, "t": by_id[holder].name}
                )
                continue
            plan.epcis.append(epci)
            if plan.territory is not None and holder is None:
                plan.epcis_added.append(epci)
        if not row.emails:
            plan.errors.append(_("Aucune adresse de l'équipe du territoire."))
        for email in row.emails:
            try:
                validate_email(email)
            except ValidationError:
                plan.errors.append(_("« %(v)s » n'est pas une adresse électronique valide.") % {"v": email})
                continue
            plan.emails.append(email)
            territory_id = plan.territory.pk if plan.territory else None
            if territory_id and ((territory_id, email) in invited or (territory_id, email) in members):
                plan.already_invited.append(email)
            else:
                plan.invitations.append(email)
        if plan.territory is not None and plan.region and plan.region != plan.territory.region:
            plan.region_changed = True
        plan.decide()
        planned.append(plan)
    return ImportPlan(rows=planned)


class ImportRefused(ValueError):
    """The import cannot be applied (errors found when applying); the message is French."""


@transaction.atomic
def territories_import_apply(*, parsed: list[ParsedRow], actor, base_url: str) -> ImportPlan:
    """Apply the plan, checked again inside the transaction: all the rows or none."""
    plan = territories_plan(parsed)
    if plan.errors:
        raise ImportRefused(
            _("Le fichier comporte des erreurs (%(lines)s) : rien n'a été créé.")
            % {"lines": ncount(_("%(n)s ligne"), _("%(n)s lignes"), plan.errors)}
        )
    # The outlines of every new EPCI, loaded in one pass over the reference data (not once per territory).
    new_sirens = {e.siren for row in plan.rows for e in (row.epcis if row.territory is None else row.epcis_added)}
    lacking = set(
        Commune.objects.filter(intercommunality__siren__in=new_sirens, geometry="").values_list(
            "intercommunality__siren", flat=True
        )
    )
    if lacking:
        reference_data_populate(sirens=lacking, geometry_for=lacking)
    for row in plan.rows:
        if row.action == "create":
            row.territory, _invitations = territory_create_with_team(
                name=row.name,
                sirens=[e.siren for e in row.epcis],
                region=row.region,
                team_emails=row.invitations,
                actor=actor,
                base_url=base_url,
            )
        elif row.action == "update":
            territory = row.territory
            if row.region_changed:
                territory.region = row.region
                territory.save(update_fields=["region"])
            if row.epcis_added:
                territory.intercommunalities.add(*row.epcis_added)
                journal_write(
                    territory=territory,
                    verb=JournalVerb.TERRITORY_PERIMETER_EXTENDED,
                    actor=actor,
                    message="Périmètre étendu par import de l'ANCT : " + ", ".join(e.name for e in row.epcis_added),
                )
            for email in row.invitations:
                invitation_create(territory=territory, email=email, role=Role.TEAM, invited_by=actor, base_url=base_url)
    return plan

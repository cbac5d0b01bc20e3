"""The tracking file ("fichier de suivi des acteurs à contacter") as spreadsheets: reading, planning, writing.

Three pure steps, testable without HTTP:

- `tracking_file_parse(*, filename, content)` reads an .xlsx or .csv file as French teams really keep it
  (a title above the header, the typology written once per block or in a merged cell, Windows-1252 or
  UTF-8 with a BOM, `;` or `,`, stray spaces, priorities in any case) into clean rows and refused rows;
- `tracking_file_plan(*, territory, parsed, confirmed_merges)` compares the rows with the territory's
  stakeholders and contacts (read once, no query per row) and says what an import would create, update
  or merge — the preview shows it before anything is written; `services.tracking_file_import_confirm`
  applies it;
- `tracking_file_export(*, contacts)` writes the same columns back, safe against formula injection.
"""

import datetime
import io
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.utils.datetime import from_excel

from pacte.core.spreadsheets import LIMITS, SpreadsheetRefused, XlsxBook, csv_rows, text_decode, too_large

from .models import Category, Contact, ContactStatus, Priority, Stakeholder, name_key

MAX_UPLOAD_SIZE = LIMITS.max_bytes
EXTENSIONS = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 30  # the header is looked for in the first rows only (a title, a blank line, …)

# The columns, in the order of the export (and of the blank model file), with their French headers.
COLUMNS = [
    ("category", "Typologie"),
    ("stakeholder", "Entité"),
    ("last_name", "Nom"),
    ("first_name", "Prénom"),
    ("priority", "Priorité"),
    ("contacted_by", "Qui contacte ?"),
    ("status", "Statut"),
    ("last_action_on", "Dernier échange"),
    ("email", "Courriel"),
    ("phone", "Téléphone"),
    ("notes", "Commentaire"),
]
# Header variants, compared under name_key() (case, accents, punctuation and spaces ignored).
HEADER_ALIASES = {
    "category": ["typologie", "type", "categorie", "typologie d acteur", "categorie d acteur", "type d acteur"],
    "stakeholder": ["entite", "structure", "organisme", "organisation", "acteur", "nom de l entite"],
    "last_name": ["nom", "nom de famille"],
    "first_name": ["prenom"],
    "priority": ["priorite"],
    "contacted_by": ["qui contacte", "contacte par", "qui", "referent"],
    "status": ["statut", "etat", "avancement"],
    "last_action_on": ["dernier echange", "date", "date du dernier echange", "derniere action", "date de contact"],
    "email": ["courriel", "email", "e mail", "mail", "adresse mail", "adresse electronique", "adresse e mail"],
    "phone": ["telephone", "tel", "portable", "numero de telephone"],
    "notes": ["commentaire", "commentaires", "notes", "remarques", "observations"],
}
HEADER_LOOKUP = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}

# Typology: keyword rules on the normalised text, first match wins ("Collectivités et partenaires" is a
# local authority, "Institutionnels et services de l'Etat" the State).
CATEGORY_RULES = [
    (("collectivit",), Category.LOCAL_AUTHORITIES),
    (("etat", "institutionnel", "prefecture", "operateur"), Category.STATE),
    (("entreprise", "industriel"), Category.COMPANIES),
    (("societe civile", "association", "citoyen"), Category.CIVIL_SOCIETY),
    (("partenaire",), Category.PARTNERS),
]
PRIORITIES = {
    "prioritaire": Priority.HIGH,
    "haute": Priority.HIGH,
    "souhaitable": Priority.MEDIUM,
    "moyenne": Priority.MEDIUM,
    "facultative": Priority.LOW,
    "facultatif": Priority.LOW,
    "basse": Priority.LOW,
}
STATUSES = {
    "a contacter": ContactStatus.TO_CONTACT,
    "a faire": ContactStatus.TO_CONTACT,
    "contacte": ContactStatus.CONTACTED,
    "contactee": ContactStatus.CONTACTED,
    "contacte e": ContactStatus.CONTACTED,
    "relance": ContactStatus.CONTACTED,
    "relancee": ContactStatus.CONTACTED,
    "entretien planifie": ContactStatus.INTERVIEW_PLANNED,
    "planifie": ContactStatus.INTERVIEW_PLANNED,
    "rdv pris": ContactStatus.INTERVIEW_PLANNED,
    "rendez vous pris": ContactStatus.INTERVIEW_PLANNED,
    "entretien realise": ContactStatus.INTERVIEW_DONE,
    "realise": ContactStatus.INTERVIEW_DONE,
    "entretien fait": ContactStatus.INTERVIEW_DONE,
    "fait": ContactStatus.INTERVIEW_DONE,
    "declinee": ContactStatus.DECLINED,
    "decline": ContactStatus.DECLINED,
    "refuse": ContactStatus.DECLINED,
    "refusee": ContactStatus.DECLINED,
}
PLACEHOLDERS = {"...", "…", "-", "--", "—", "–", "?", "n/a", "N/A"}  # "to be filled in" marks of the source's file
EXCEL_SERIALS = (20000, 80000)  # Excel day numbers of 1954–2119: a date, not a count
DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
CONTACT_FIELDS = [
    "last_name",
    "first_name",
    "priority",
    "contacted_by",
    "status",
    "last_action_on",
    "email",
    "phone",
    "notes",
]


class TrackingFileError(Exception):
    """The file cannot be read at all (format, header); the message is French and shown as is."""


@dataclass
class Row:
    """A valid row of the file, cleaned (empty strings for empty cells)."""

    number: int
    stakeholder: str
    category: str = ""  # a Category value, or "" when the cell is empty and nothing above it gives one
    category_unknown: str = ""  # the raw typology when it matches no category (refused unless the entity exists)
    category_written: bool = False  # the typology is written on this very row (not inherited from above)
    last_name: str = ""
    first_name: str = ""
    priority: str = ""
    contacted_by: str = ""
    status: str = ""
    last_action_on: datetime.date | None = None
    email: str = ""
    phone: str = ""
    notes: str = ""


@dataclass
class Refusal:
    number: int
    reasons: list[str]

    @property
    def message(self) -> str:
        return _("ligne %(n)s : %(reasons)s") % {"n": self.number, "reasons": " ; ".join(self.reasons)}


@dataclass
class ParsedFile:
    rows: list[Row] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    header_row: int = 0
    columns: list[str] = field(default_factory=list)  # the recognised columns, in the file's order
    ignored: list[str] = field(default_factory=list)  # headers of the file that match no column (shown in the preview)

    @property
    def column_labels(self) -> list[str]:
        labels = dict(COLUMNS)
        return [str(labels[c]) for c in self.columns]


PARSED_VERSION = 1  # bump when the cleaning of rows changes: stored parses of an older version are redone
ROW_FIELDS = [name for name in Row.__dataclass_fields__]


def parsed_to_json(parsed: ParsedFile) -> dict:
    """The parse kept with the import (parsed once at upload, read back by the preview and the confirmation)."""
    rows = []
    for row in parsed.rows:
        values = [getattr(row, name) for name in ROW_FIELDS]
        values[ROW_FIELDS.index("last_action_on")] = row.last_action_on.isoformat() if row.last_action_on else None
        rows.append(values)
    return {
        "version": PARSED_VERSION,
        "fields": ROW_FIELDS,
        "rows": rows,
        "refusals": [[r.number, r.reasons] for r in parsed.refusals],
        "header_row": parsed.header_row,
        "columns": parsed.columns,
        "ignored": parsed.ignored,
    }


def parsed_from_json(data) -> ParsedFile | None:
    """The ParsedFile stored by parsed_to_json (None if absent or of another version: parse the file again)."""
    if not isinstance(data, dict) or data.get("version") != PARSED_VERSION or data.get("fields") != ROW_FIELDS:
        return None
    date_index = ROW_FIELDS.index("last_action_on")
    rows = []
    for values in data["rows"]:
        values = list(values)
        if values[date_index]:
            values[date_index] = datetime.date.fromisoformat(values[date_index])
        rows.append(Row(*values))
    return ParsedFile(
        rows=rows,
        refusals=[Refusal(number, list(reasons)) for number, reasons in data["refusals"]],
        header_row=data["header_row"],
        columns=list(data["columns"]),
        ignored=list(data["ignored"]),
    )


# --- reading -------------------------------------------------------------------------------------------------


def _raw_rows_xlsx(content: bytes):
    """(row number, values) of the first sheet that has a header (the active one first), as the spreadsheet
    numbers them, empty rows left out. The archive and each sheet's real extent are checked before reading, and
    rows are streamed under caps (pacte.core.spreadsheets)."""
    with XlsxBook(content, LIMITS) as book:
        for sheet in book.sheets:
            # a merged cell keeps its value in its first cell only, which is exactly the "typology written once"
            # layout that the parser inherits downwards.
            stream = book.rows(sheet)
            head = list(itertools.islice(stream, HEADER_SEARCH_ROWS))
            if _find_header(head) is not None:
                return head + list(stream)
            stream.close()
        return []


def _raw_rows_csv(content: bytes):
    if len(content) > LIMITS.max_bytes:
        raise too_large(LIMITS)
    text = text_decode(content)
    best, best_score = ";", -1
    # The delimiter is the one under which a header is found with the most recognised columns
    # (more robust than csv.Sniffer on French files whose comments are full of commas).
    for delimiter in (";", ",", "\t"):
        try:
            head = list(itertools.islice(csv_rows(text[:20000], delimiter=delimiter), HEADER_SEARCH_ROWS))
        except SpreadsheetRefused:
            continue  # judged on the whole file below, under the chosen delimiter
        found = _find_header(head)
        score = len(found[1]) if found else 0
        if score > best_score:
            best, best_score = delimiter, score
    return list(csv_rows(text, delimiter=best, limits=LIMITS))


def _header_column(value) -> str | None:
    """The column a header names: exactly one of its aliases, or an alias followed by more words
    ("Nom du contact", "Téléphone portable", "Priorité (P1/P2/P3)")."""
    if value is None:
        return None
    key = name_key(str(value))
    if not key:
        return None
    if key in HEADER_LOOKUP:
        return HEADER_LOOKUP[key]
    for alias in sorted(HEADER_LOOKUP, key=len, reverse=True):
        if key.startswith(alias + " "):
            return HEADER_LOOKUP[alias]
    return None


def _find_header(rows):
    """(index in rows, {column index: field}) of the first row naming at least the entity and the priority."""
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = {}
        for position, value in enumerate(values):
            column = _header_column(value)
            if column and column not in mapping.values():
                mapping[position] = column
        if {"stakeholder", "priority"} <= set(mapping.values()):
            return index, mapping
    return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return "" if text in PLACEHOLDERS else text


def _multiline(value) -> str:
    """A comment keeps its line breaks; each line is trimmed."""
    if value is None:
        return ""
    lines = [" ".join(line.split()) for line in str(value).splitlines()]
    text = "\n".join(lines).strip()
    return "" if text in PLACEHOLDERS else text


def _blank(value) -> bool:
    return not isinstance(value, datetime.date) and not _text(value)


def _phone(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _text(value)
    if re.fullmatch(r"\d{9}\.0+", text):  # a number of a CSV saved by Excel: "546990000.0"
        text = text.split(".")[0]
    if text.isdigit() and len(text) == 9:
        # Excel read "05 46 …" as the number 546… (and a CSV saved by Excel keeps it so): the leading 0 is
        # restored, and the number written the French way.
        text = "0" + text
        return " ".join(text[i : i + 2] for i in range(0, 10, 2))
    return text


def _date(value):
    """(date or None, error message or "")."""
    if value is None or value == "":
        return None, ""
    if isinstance(value, datetime.datetime):
        return value.date(), ""
    if isinstance(value, datetime.date):
        return value, ""
    if isinstance(value, int | float) and EXCEL_SERIALS[0] <= value <= EXCEL_SERIALS[1]:
        return from_excel(value).date(), ""  # a date cell read as its Excel serial number
    text = _text(value)
    if not text:
        return None, ""
    if re.fullmatch(r"\d{5}(\.0+)?", text) and EXCEL_SERIALS[0] <= float(text) <= EXCEL_SERIALS[1]:
        return from_excel(float(text)).date(), ""
    text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text)  # "03/05/2024 10:00", "2024-05-03 00:00:00"
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date(), ""
        except ValueError:
            continue
    return None, _("date « %(v)s » illisible (attendu : jj/mm/aaaa)") % {"v": text}


def category_from_label(text: str) -> str:
    """The Category of a typology as teams write it ("" if none matches)."""
    key = name_key(text)
    if not key:
        return ""
    if key in Category.values or key.replace(" ", "_") in Category.values:
        return key.replace(" ", "_")
    padded = f" {key} "
    for keywords, category in CATEGORY_RULES:
        if any(f" {keyword}" in padded for keyword in keywords):
            return category
    return ""


def priority_from_label(text: str) -> str:
    key = name_key(text)
    return PRIORITIES.get(key) or (key if key in Priority.values else "")


def status_from_label(text: str) -> str:
    key = name_key(text)
    return STATUSES.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in ContactStatus.values else "")


def _expected(choices) -> str:
    labels = [str(label) for label in choices.labels]
    return _("%(first)s ou %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def tracking_file_parse(*, filename: str, content: bytes) -> ParsedFile:
    """Read the file into valid rows and refused rows (with their reasons, in French)."""
    lower = (filename or "").lower()
    try:
        if lower.endswith(".xlsx"):
            raw = _raw_rows_xlsx(content)
        elif lower.endswith(".csv"):
            raw = _raw_rows_csv(content)
        else:
            raise TrackingFileError(_("Format non pris en charge : déposez un fichier .xlsx ou .csv."))
    except SpreadsheetRefused as error:
        raise TrackingFileError(str(error)) from error
    found = _find_header(raw)
    if found is None:
        raise TrackingFileError(
            _(
                "Ligne d'en-tête introuvable : le fichier doit contenir au moins les colonnes « Entité » et "
                "« Priorité » (dans les %(n)s premières lignes)."
            )
            % {"n": HEADER_SEARCH_ROWS}
        )
    header_index, mapping = found
    parsed = ParsedFile(header_row=raw[header_index][0], columns=[mapping[k] for k in sorted(mapping)])
    parsed.ignored = [
        _text(v) for position, v in enumerate(raw[header_index][1]) if position not in mapping and _text(v)
    ]
    current_category, current_category_unknown = "", ""
    for number, values in raw[header_index + 1 :]:
        cells = {column: values[position] for position, column in mapping.items() if position < len(values)}
        if all(_blank(v) for v in cells.values()):
            continue  # an empty row
        reasons = []
        typology = _text(cells.get("category"))
        if typology:  # a blank typology (or the rest of a merged cell) inherits the last one above it
            current_category = category_from_label(typology)
            current_category_unknown = "" if current_category else typology
        row = Row(number=number, stakeholder=_text(cells.get("stakeholder")))
        row.category, row.category_unknown = current_category, current_category_unknown
        row.category_written = bool(typology)
        for name in ("last_name", "first_name", "contacted_by"):
            setattr(row, name, _text(cells.get(name)))
        row.notes = _multiline(cells.get("notes"))
        if not row.stakeholder and all(_blank(cells.get(c)) for c in CONTACT_FIELDS):
            continue  # a typology alone on its row: a section title of the file
        if not row.stakeholder:
            reasons.append(_("entité manquante"))
        priority = _text(cells.get("priority"))
        if priority:
            row.priority = priority_from_label(priority)
            if not row.priority:
                reasons.append(
                    _("priorité « %(v)s » inconnue (attendu : %(expected)s)")
                    % {"v": priority, "expected": _expected(Priority)}
                )
        status = _text(cells.get("status"))
        if status:
            row.status = status_from_label(status)
            if not row.status:
                reasons.append(
                    _("statut « %(v)s » inconnu (attendu : %(expected)s)")
                    % {"v": status, "expected": _expected(ContactStatus)}
                )
        row.last_action_on, error = _date(cells.get("last_action_on"))
        if error:
            reasons.append(error)
        email = _text(cells.get("email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                reasons.append(_("courriel « %(v)s » invalide") % {"v": email})
            row.email = email
        row.phone = _phone(cells.get("phone"))
        for name, limit in (("stakeholder", 300), ("last_name", 150), ("first_name", 150), ("contacted_by", 150)):
            if len(getattr(row, name)) > limit:
                label = dict(COLUMNS)[name]
                reasons.append(_("« %(col)s » trop long (%(n)s caractères au plus)") % {"col": label, "n": limit})
        if len(row.phone) > 30:
            reasons.append(_("téléphone « %(v)s » trop long (30 caractères au plus)") % {"v": row.phone})
        if reasons:
            parsed.refusals.append(Refusal(number, reasons))
        else:
            parsed.rows.append(row)
    if not parsed.rows and not parsed.refusals:
        raise TrackingFileError(_("Le fichier ne contient aucune ligne sous l'en-tête : rien à importer."))
    return parsed


# --- planning ------------------------------------------------------------------------------------------------


@dataclass
class NewStakeholder:
    name: str
    category: str
    rows: list[int] = field(default_factory=list)

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


@dataclass
class Merge:
    """A spelling of the file that name_key() joins to another entity: applied only once confirmed."""

    spelling: str
    target: str
    target_exists: bool  # an entity already in the tracking file (else another spelling of the same file)
    accepted: bool
    rows: list[int] = field(default_factory=list)


@dataclass
class PlannedContact:
    row: int
    stakeholder_name: str
    values: dict
    stakeholder: Stakeholder | str  # an existing entity, or the name of one to create
    contact: Contact | None = None  # the existing contact for an update
    changes: dict = field(default_factory=dict)  # field: (old, new) for an update

    @property
    def full_name(self) -> str:
        first = self.values.get("first_name") or (self.contact.first_name if self.contact else "")
        last = self.values.get("last_name") or (self.contact.last_name if self.contact else "")
        return f"{first} {last}".strip() or str(_("interlocuteur à identifier"))

    @property
    def priority_label(self) -> str:
        return str(Priority(self.values.get("priority") or Priority.MEDIUM).label)

    @property
    def status_label(self) -> str:
        return str(ContactStatus(self.values.get("status") or ContactStatus.TO_CONTACT).label)

    @property
    def change_labels(self) -> list[str]:
        return [
            _("%(field)s : %(old)s → %(new)s")
            % {"field": LABELS[name], "old": _display(name, old) or "—", "new": _display(name, new)}
            for name, (old, new) in self.changes.items()
        ]


@dataclass
class ImportPlan:
    parsed: ParsedFile
    new_stakeholders: list[NewStakeholder] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    recategorised: list[tuple[Stakeholder, str]] = field(default_factory=list)
    to_create: list[PlannedContact] = field(default_factory=list)
    to_update: list[PlannedContact] = field(default_factory=list)
    unchanged: int = 0
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def recategorised_labels(self) -> list[str]:
        return [
            _("%(e)s : %(old)s → %(new)s")
            % {"e": s.name, "old": Category(s.category).label, "new": Category(category).label}
            for s, category in self.recategorised
        ]

    @property
    def summary(self) -> str:
        parts = [
            ngettext("%(n)s contact créé", "%(n)s contacts créés", len(self.to_create)) % {"n": len(self.to_create)},
            _("%(n)s mis à jour") % {"n": len(self.to_update)},
            ngettext("%(n)s inchangé", "%(n)s inchangés", self.unchanged) % {"n": self.unchanged},
            ngettext("%(n)s entité créée", "%(n)s entités créées", len(self.new_stakeholders))
            % {"n": len(self.new_stakeholders)},
        ]
        merged = sum(1 for m in self.merges if m.accepted)
        if merged:
            parts.append(
                ngettext("%(n)s orthographe fusionnée", "%(n)s orthographes fusionnées", merged) % {"n": merged}
            )
        if self.refusals:
            parts.append(
                ngettext("%(n)s ligne refusée ignorée", "%(n)s lignes refusées ignorées", len(self.refusals))
                % {"n": len(self.refusals)}
            )
        return ", ".join(parts) + "."


LABELS = {
    "last_name": gettext_lazy("nom"),
    "first_name": gettext_lazy("prénom"),
    "priority": gettext_lazy("priorité"),
    "contacted_by": gettext_lazy("qui contacte ?"),
    "status": gettext_lazy("statut"),
    "last_action_on": gettext_lazy("dernier échange"),
    "email": gettext_lazy("courriel"),
    "phone": gettext_lazy("téléphone"),
    "notes": gettext_lazy("commentaire"),
}


def _display(name, value):
    if value in (None, ""):
        return ""
    if name == "priority":
        return str(Priority(value).label)
    if name == "status":
        return str(ContactStatus(value).label)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def tracking_file_plan(*, territory, parsed: ParsedFile, confirmed_merges: set[str] | None = None) -> ImportPlan:
    """What importing `parsed` into the territory would do. Reads the territory's stakeholders and contacts
    once (2 queries), whatever the number of rows; writes nothing.

    confirmed_merges: the spellings whose proposed merge the user kept (None: all of them, as the preview
    proposes them checked).
    """
    plan = ImportPlan(parsed=parsed, refusals=list(parsed.refusals))
    stakeholders = list(Stakeholder.objects.for_territory(territory).order_by("order", "pk"))
    by_name = {s.name: s for s in stakeholders}
    by_key = {}
    for s in stakeholders:  # computed here, not read from the column: rows bulk-created elsewhere may lack it
        by_key.setdefault(name_key(s.name), s)

    # 1. Entities: each row's spelling is resolved to an existing entity, a new entity, or a proposed merge.
    merges: dict[str, Merge] = {}
    first_spelling: dict[str, str] = {}  # name_key → first spelling of a new entity in the file
    refs = []
    for row in parsed.rows:
        name, key = row.stakeholder, name_key(row.stakeholder)
        if name in by_name:
            refs.append(by_name[name])
            continue
        target = by_key.get(key) if key else None
        if target is None and key and first_spelling.setdefault(key, name) != name:
            target = first_spelling[key]
        if target is None:
            refs.append(name)
            continue
        merge = merges.get(name)
        if merge is None:
            accepted = confirmed_merges is None or name in confirmed_merges
            target_name = target.name if isinstance(target, Stakeholder) else target
            merge = merges[name] = Merge(name, target_name, isinstance(target, Stakeholder), accepted)
        merge.rows.append(row.number)
        refs.append(target if merge.accepted else name)
    plan.merges = list(merges.values())

    # 2. Categories: an existing entity keeps its own when the file's is blank, inherited or unknown; a new one takes
    # the first known typology of its rows.
    new_categories: dict[str, str] = {}
    for row, ref in zip(parsed.rows, refs, strict=True):
        if isinstance(ref, str) and row.category:
            new_categories.setdefault(ref, row.category)
    recategorised = {}
    valid = []
    for row, ref in zip(parsed.rows, refs, strict=True):
        if isinstance(ref, Stakeholder):
            # Only a typology written on the row itself changes an existing entity: one inherited from a block
            # such as "Collectivités et partenaires" says too little about each entity below it.
            if row.category_written and row.category != ref.category and ref.pk not in recategorised:
                recategorised[ref.pk] = (ref, row.category)
            valid.append((row, ref))
        elif row.category_unknown:
            plan.refusals.append(
                Refusal(
                    row.number,
                    [
                        _("typologie « %(v)s » inconnue (attendu : %(expected)s)")
                        % {"v": row.category_unknown, "expected": _expected(Category)}
                    ],
                )
            )
        elif ref not in new_categories:
            plan.refusals.append(
                Refusal(row.number, [_("typologie manquante pour la nouvelle entité « %(e)s »") % {"e": ref}])
            )
        else:
            valid.append((row, ref))
    plan.recategorised = list(recategorised.values())
    plan.refusals.sort(key=lambda r: r.number)

    # 3. Contacts: same entity and same person (name_key of last and first names) → the same contact; the
    # i-th nameless row of an entity ↔ its i-th nameless contact. Re-importing a file changes nothing.
    named, nameless = defaultdict(list), defaultdict(list)
    for contact in Contact.objects.for_territory(territory).order_by("order", "pk"):
        if contact.last_name or contact.first_name:
            named[(contact.stakeholder_id, name_key(contact.last_name), name_key(contact.first_name))].append(contact)
        else:
            nameless[contact.stakeholder_id].append(contact)
    planned: dict[tuple, PlannedContact] = {}
    nameless_seen = defaultdict(int)
    new_stakeholders: dict[str, NewStakeholder] = {}
    for row, ref in valid:
        ref_key = ref.pk if isinstance(ref, Stakeholder) else ("new", ref)
        if isinstance(ref, str):
            new = new_stakeholders.get(ref)
            if new is None:
                new = new_stakeholders[ref] = NewStakeholder(ref, new_categories[ref])
            new.rows.append(row.number)
        values = {name: getattr(row, name) for name in CONTACT_FIELDS if getattr(row, name) not in ("", None)}
        person = (name_key(row.last_name), name_key(row.first_name))
        if any(person):
            identity = (ref_key, *person)
        else:
            identity = (ref_key, "#", nameless_seen[ref_key])
            nameless_seen[ref_key] += 1
        if identity in planned:  # the same person twice in the file: the later row completes the first
            planned[identity].values.update(values)
            continue
        existing = None
        if isinstance(ref, Stakeholder):
            if any(person):
                candidates = named.get((ref.pk, *person))
                existing = candidates[0] if candidates else None
            elif identity[2] < len(nameless[ref.pk]):
                existing = nameless[ref.pk][identity[2]]
        stakeholder_name = ref.name if isinstance(ref, Stakeholder) else ref
        planned[identity] = PlannedContact(row.number, stakeholder_name, values, ref, existing)
    for item in planned.values():
        if item.contact is None:
            plan.to_create.append(item)
            continue
        item.changes = {
            name: (getattr(item.contact, name), value)
            for name, value in item.values.items()
            if getattr(item.contact, name) != value
        }
        if item.changes:
            plan.to_update.append(item)
        else:
            plan.unchanged += 1
    plan.new_stakeholders = list(new_stakeholders.values())
    return plan


# --- writing -------------------------------------------------------------------------------------------------

# Cells starting with these characters are read as formulas by spreadsheet software ("CSV/formula injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(cell, value):
    """Set a value that can never become a formula.

    openpyxl turns any string starting with "=" into a formula (data_type "f"). Such text is kept as it is
    (readable, and re-imported unchanged: no apostrophe added to the data) but forced to a plain string,
    and marked with Excel's quotePrefix, so that the spreadsheet shows it as text and keeps it as text
    even when the user edits the cell.
    """
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True


def _workbook(rows):
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Fichier de suivi"
    sheet.append([header for _name, header in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = {"category": 30, "stakeholder": 40, "notes": 50, "email": 32, "contacted_by": 22, "last_action_on": 16}
    for index, (name, _header) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(name, 16)
    for number, values in enumerate(rows, 2):
        for index, value in enumerate(values, 1):
            cell = sheet.cell(row=number, column=index)
            _safe_cell(cell, value)
            if isinstance(value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    # Drop-down lists on the columns with fixed values (the import tolerates other spellings anyway).
    last = max(len(rows) + 1, 1000)
    for name, choices in (("category", Category), ("priority", Priority), ("status", ContactStatus)):
        letter = get_column_letter([c for c, _h in COLUMNS].index(name) + 1)
        labels = ",".join(str(label).replace('"', "") for label in choices.labels)
        validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True, showErrorMessage=False)
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def tracking_file_export(*, contacts) -> bytes:
    """The contacts (with their stakeholder selected) as an .xlsx file in the import's columns."""
    rows = []
    for c in contacts:
        rows.append(
            [
                str(Category(c.stakeholder.category).label),
                c.stakeholder.name,
                c.last_name,
                c.first_name,
                str(Priority(c.priority).label),
                c.contacted_by,
                str(ContactStatus(c.status).label),
                c.last_action_on,
                c.email,
                c.phone,
                c.notes,
            ]
        )
    return _workbook(rows)


def tracking_file_blank() -> bytes:
    """The model file offered on the import page: the header and its drop-down lists."""
    return _workbook([])

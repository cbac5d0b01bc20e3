"""Reads and writes of the tracking file: the table with its filters and counts, contacts, imports."""

from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.db.models import Case, Count, F, IntegerField, Max, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pacte.core.models import JournalVerb, journal_write

from .models import Category, Contact, ContactStatus, Priority, Stakeholder, TrackingFileImport, name_key
from .tracking_file import (
    CONTACT_FIELDS,
    ImportPlan,
    ParsedFile,
    TrackingFileError,
    parsed_from_json,
    parsed_to_json,
    tracking_file_parse,
    tracking_file_plan,
)

# --- the table -----------------------------------------------------------------------------------------------


def _rank(field, choices):
    """Sort a choice field in the order of its choices (Prioritaire before Souhaitable…), not alphabetically."""
    return Case(
        *[When(**{field: value}, then=Value(i)) for i, value in enumerate(choices.values)],
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


# ?tri= keys (a leading "-" reverses): the only orderings the page accepts.
SORTS = {  # text sorts ignore case ("Airbus" before "AMR")
    "typologie": [_rank("stakeholder__category", Category), Lower("stakeholder__name")],
    "entite": [Lower("stakeholder__name")],
    "nom": [Lower("last_name"), Lower("first_name")],
    "prenom": [Lower("first_name"), Lower("last_name")],
    "priorite": [_rank("priority", Priority)],
    "qui": [Lower("contacted_by")],
    "statut": [_rank("status", ContactStatus)],
    "date": [F("last_action_on")],
    "courriel": [Lower("email")],
    "telephone": [F("phone")],
}
DEFAULT_SORT = "typologie"
FILTERS = {  # GET parameter: lookup
    "category": "stakeholder__category",
    "priority": "priority",
    "status": "status",
    "contacted_by": "contacted_by",
}


NOT_FILLED = "(vide)"  # ?contacted_by=(vide): the contacts nobody is assigned to yet


def _lookups(filters: dict, *, without: str = "") -> dict:
    return {FILTERS[p]: ("" if v == NOT_FILLED else v) for p, v in filters.items() if p != without}


@dataclass
class Facet:
    param: str
    label: str
    options: list  # [(value, label, count)]
    selected: str


def tracking_file_filters(params) -> dict:
    """The valid filters among GET parameters (an unknown value is ignored, never an error)."""
    filters = {}
    choices = {"category": Category, "priority": Priority, "status": ContactStatus}
    for param in FILTERS:
        value = (params.get(param) or "").strip()
        if not value:
            continue
        if param in choices and value not in choices[param].values:
            continue
        filters[param] = value
    return filters


def tracking_file_contacts(*, territory, filters: dict, sort: str):
    """The contacts of the page (one query with their stakeholder), filtered and sorted."""
    contacts = Contact.objects.for_territory(territory).select_related("stakeholder")
    contacts = contacts.filter(**_lookups(filters))
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT, DEFAULT_SORT
    ordering = [e.desc() if sort.startswith("-") else e.asc() for e in SORTS[key]]
    return contacts.order_by(*ordering, "order", "pk"), sort


def tracking_file_facets(*, territory, filters: dict) -> list[Facet]:
    """The counts of each filter's values, under the other filters (one GROUP BY query per filter)."""
    facets = []
    labels = {
        "category": (_("Typologie"), Category),
        "priority": (_("Priorité"), Priority),
        "status": (_("Statut"), ContactStatus),
        "contacted_by": (_("Qui contacte ?"), None),
    }
    for param, lookup in FILTERS.items():
        others = _lookups(filters, without=param)
        # order_by() first: Meta.ordering would otherwise join the GROUP BY (wrong counts on PostgreSQL).
        counts = dict(
            Contact.objects.for_territory(territory)
            .filter(**others)
            .order_by()
            .values_list(lookup)
            .annotate(n=Count("pk"))
            .values_list(lookup, "n")
        )
        label, choices = labels[param]
        if choices is not None:
            options = [(value, str(text), counts.get(value, 0)) for value, text in choices.choices]
        else:
            options = [
                (value or NOT_FILLED, value or _("(non renseigné)"), n)
                for value, n in sorted(counts.items(), key=lambda i: i[0])
            ]
            selected = filters.get(param)
            if selected and selected not in counts and selected != NOT_FILLED:
                options.append((selected, selected, 0))
        facets.append(Facet(param, str(label), options, filters.get(param, "")))
    return facets


def stakeholders_without_contact(*, territory, category: str = ""):
    stakeholders = Stakeholder.objects.for_territory(territory).filter(contacts__isnull=True)
    if category:
        stakeholders = stakeholders.filter(category=category)
    return stakeholders.order_by("category", "name")


# --- one contact ---------------------------------------------------------------------------------------------


def stakeholder_find(*, territory, name: str) -> Stakeholder | None:
    """The entity of that name: the exact spelling first, else a near-identical one (same name_key).

    The keys are computed here from the names (one query): rows bulk-created by other loaders may have left
    the name_key column empty.
    """
    name = " ".join((name or "").split())
    key, found = name_key(name), None
    for pk, other in Stakeholder.objects.for_territory(territory).order_by("order", "pk").values_list("pk", "name"):
        if other == name:
            found = pk
            break
        if found is None and key and name_key(other) == key:
            found = pk
    return Stakeholder.objects.get(pk=found) if found else None


@transaction.atomic
def contact_save(
    *, territory, contact: Contact | None, stakeholder_name: str, category: str, values: dict, siren: str = ""
) -> Contact:
    """Create (contact=None) or change a contact; its entity is found by name, else created (with its SIREN when
    given: a company from the SIRENE register).

    A change of status dates the last exchange today when no date is given.
    """
    stakeholder = stakeholder_find(territory=territory, name=stakeholder_name)
    if stakeholder is None:
        last = Stakeholder.objects.for_territory(territory).aggregate(m=Max("order"))["m"] or 0
        stakeholder = Stakeholder.objects.create(
            territory=territory, name=stakeholder_name, category=category, order=last + 1, siren=siren
        )
    elif category and stakeholder.category != category:
        stakeholder.category = category
        stakeholder.save(update_fields=["category"])
    old_status = contact.status if contact is not None else ContactStatus.TO_CONTACT
    if contact is None:
        last = Contact.objects.for_territory(territory).aggregate(m=Max("order"))["m"] or 0
        contact = Contact(territory=territory, order=last + 1)
    contact.stakeholder = stakeholder
    for name in CONTACT_FIELDS:
        if name in values:
            setattr(contact, name, values[name])
    if contact.status != old_status and not values.get("last_action_on"):
        contact.last_action_on = timezone.localdate()
    contact.save()
    return contact


# --- imports -------------------------------------------------------------------------------------------------


class ImportRefused(Exception):
    """The import cannot be applied; nothing was written. The message is French."""


def tracking_file_import_create(*, territory, filename: str, content: bytes, uploaded_by) -> TrackingFileImport:
    """Read the file once and keep it with its rows. A file that cannot be read, or that exceeds a limit
    (pacte.core.spreadsheets), raises TrackingFileError before anything is written."""
    parsed = tracking_file_parse(filename=filename, content=content)
    return TrackingFileImport.objects.create(
        territory=territory,
        filename=filename,
        content=content,
        parsed=parsed_to_json(parsed),
        uploaded_by=uploaded_by,
    )


def tracking_file_import_parsed(*, tracking_import: TrackingFileImport) -> ParsedFile:
    """The rows read at upload. An import stored without them (before they were kept, or by a newer parser
    version) is parsed once more from its file, and the result kept."""
    parsed = parsed_from_json(tracking_import.parsed)
    if parsed is None:
        parsed = tracking_file_parse(filename=tracking_import.filename, content=bytes(tracking_import.content))
        tracking_import.parsed = parsed_to_json(parsed)
        TrackingFileImport.objects.filter(pk=tracking_import.pk).update(parsed=tracking_import.parsed)
    return parsed


def tracking_file_import_plan(*, tracking_import: TrackingFileImport, confirmed_merges=None) -> ImportPlan:
    """Plan the import of the rows read at upload (raises TrackingFileError if the file is unreadable)."""
    parsed = tracking_file_import_parsed(tracking_import=tracking_import)
    return tracking_file_plan(territory=tracking_import.territory, parsed=parsed, confirmed_merges=confirmed_merges)


def _apply(territory, plan: ImportPlan) -> None:
    """Write the plan: a handful of bulk queries, whatever the number of rows."""
    last = Stakeholder.objects.for_territory(territory).aggregate(m=Max("order"))["m"] or 0
    new_stakeholders = [
        Stakeholder(
            territory=territory,
            order=last + i,
            name=new.name,
            name_key=name_key(new.name),  # bulk_create skips save(), which computes it
            category=new.category,
        )
        for i, new in enumerate(plan.new_stakeholders, 1)
    ]
    Stakeholder.objects.bulk_create(new_stakeholders, batch_size=500)
    created_by_name = {s.name: s for s in new_stakeholders}
    recategorised = []
    for stakeholder, category in plan.recategorised:
        stakeholder.category = category
        recategorised.append(stakeholder)
    Stakeholder.objects.bulk_update(recategorised, ["category"], batch_size=500)

    last = Contact.objects.for_territory(territory).aggregate(m=Max("order"))["m"] or 0
    now = timezone.now()
    new_contacts = []
    for i, item in enumerate(plan.to_create, 1):
        stakeholder = (
            item.stakeholder if isinstance(item.stakeholder, Stakeholder) else created_by_name[item.stakeholder]
        )
        new_contacts.append(
            Contact(
                territory=territory,
                stakeholder=stakeholder,
                order=last + i,
                created_at=now,
                updated_at=now,
                **item.values,
            )
        )
    Contact.objects.bulk_create(new_contacts, batch_size=500)
    changed = []
    for item in plan.to_update:
        for name, (_old, new) in item.changes.items():
            setattr(item.contact, name, new)
        item.contact.updated_at = now
        changed.append(item.contact)
    Contact.objects.bulk_update(changed, [*CONTACT_FIELDS, "updated_at"], batch_size=500)


@transaction.atomic
def tracking_file_import_confirm(
    *, tracking_import: TrackingFileImport, confirmed_merges: set[str], ignore_refused: bool, actor
) -> ImportPlan:
    """Apply an uploaded file, all or nothing: any error raises ImportRefused and writes nothing.

    The rows read at upload are planned again (the tracking file may have changed since the preview); rows refused
    by the preview are skipped only if the user said so (`ignore_refused`), and listed in the summary.
    """
    # Locked, so that two clicks cannot import the same file twice.
    tracking_import = TrackingFileImport.objects.select_for_update().defer("content").get(pk=tracking_import.pk)
    if tracking_import.imported_at is not None:
        raise ImportRefused(_("Ce fichier a déjà été importé ; déposez-le à nouveau pour le réimporter."))
    try:
        plan = tracking_file_import_plan(tracking_import=tracking_import, confirmed_merges=confirmed_merges)
    except TrackingFileError as error:
        raise ImportRefused(str(error)) from error
    if plan.refusals and not ignore_refused:
        raise ImportRefused(
            ngettext(
                "Le fichier contient %(n)s ligne refusée : corrigez-la, ou cochez « Ignorer les lignes "
                "refusées » pour importer les autres. Rien n'a été importé.",
                "Le fichier contient %(n)s lignes refusées : corrigez-les, ou cochez « Ignorer les lignes "
                "refusées » pour importer les autres. Rien n'a été importé.",
                len(plan.refusals),
            )
            % {"n": len(plan.refusals)}
        )
    try:
        with transaction.atomic():
            _apply(tracking_import.territory, plan)
    except DatabaseError as error:
        raise ImportRefused(
            _(
                "L'import a échoué pendant l'enregistrement (une entité du même nom a-t-elle été ajoutée entre-temps ?). Rien n'a été importé : réessayez."
            )
        ) from error
    summary = plan.summary
    if plan.refusals:
        summary += "\n" + "\n".join(refusal.message for refusal in plan.refusals)
    tracking_import.imported_at = timezone.now()
    tracking_import.summary = summary
    tracking_import.save(update_fields=["imported_at", "summary"])
    journal_write(
        territory=tracking_import.territory,
        verb=JournalVerb.TRACKING_FILE_IMPORTED,
        actor=actor,
        message=_("« %(file)s » : %(summary)s") % {"file": tracking_import.filename, "summary": plan.summary},
    )
    return plan


def tracking_file_import_recent(*, territory, limit: int = 10):
    return (
        TrackingFileImport.objects.for_territory(territory)
        .select_related("uploaded_by")
        .defer("content", "parsed")
        .order_by("-uploaded_at", "-pk")[:limit]
    )

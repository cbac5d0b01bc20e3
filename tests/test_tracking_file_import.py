"""The tracking-file parser and import plan, without HTTP: files as French teams really keep them."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import DatabaseError

from pacte.stakeholders import services
from pacte.stakeholders.models import Category, Contact, ContactStatus, Priority, Stakeholder, TrackingFileImport
from pacte.stakeholders.services import ImportRefused, tracking_file_import_confirm, tracking_file_import_plan
from pacte.stakeholders.tracking_file import (
    TrackingFileError,
    category_from_label,
    tracking_file_export,
    tracking_file_parse,
)

HEADER = ["Typologie", "Entité", "Nom", "Prénom", "Priorité", "Qui contacte ?"]

# The source's own sample ("Fichier de suivi des acteurs à contacter", step 1), under a title row, its typology
# written once per block in a merged cell.
SOURCE_SAMPLE = [
    ["Fichier de suivi des acteurs à contacter"],
    [],
    HEADER,
    ["Collectivités et partenaires", "Interco 1", None, None, "Prioritaire", "territoire d'industrie"],
    [None, "Interco 1", None, None, "Prioritaire", "..."],
    [None, "Interco 2", None, None, "Souhaitable", "..."],
    [None, "Interco 3", None, None, "Prioritaire", "..."],
    [None, "Interco 3", None, None, "Souhaitable", "..."],
    [None, "Interco 4", None, None, "Souhaitable", "..."],
    ["Institutionnels et services de l'Etat", "Préfecture", None, None, "Prioritaire", "..."],
    [None, "Région", None, None, "souhaitable", "..."],
    [None, "Département", None, None, "prioritaire", "..."],
    [None, "Bpifrance", None, None, "Facultative", "..."],
    [None, "France travail", None, None, "Souhaitable", "..."],
    [None, "Business France", None, None, "Facultative", "..."],
]
SOURCE_MERGES = ["A4:A9", "A10:A15"]


def xlsx_file(rows, merges=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_file(rows, *, delimiter=";", encoding="cp1252"):
    output = io.StringIO(newline="")
    csv.writer(output, delimiter=delimiter).writerows(rows)
    return output.getvalue().encode(encoding)


def upload(territory, filename, content, user=None):
    return TrackingFileImport.objects.create(territory=territory, filename=filename, content=content, uploaded_by=user)


def contacts_of(territory):
    return Contact.objects.for_territory(territory)


def messy_rows():
    """Rows 1–2: a title and a blank line; header at row 3."""
    return [
        ["Suivi des acteurs — Rochefort-Royan-Marennes-Oléron", None, None],
        [],
        ["  TYPOLOGIE ", "Structure", "Nom", "Prénom", "Priorité", "Contacté par", "Statut", "Date", "Mail", "Tél"],
        [
            "Entreprises",
            "Atelier Naval d'Oléron ",
            "Durand",
            "Élise",
            " PRIORITAIRE ",
            "Chef de projet",
            "Contacté",
            datetime.datetime(2025, 3, 4),
            "elise.durand@example.org",
            546123456,
        ],
        [None, "atelier naval d’oleron", "Morel", "Paul", "souhaitable", "", "", "05/03/2025", "", "05 46 00 00 01"],
        [],
        [None, "Chantier X", "Roy", "Anne", "Urgente", "", "", "", "", ""],  # row 7: unknown priority
        [
            None,
            "CCI Charente Maritime",
            "Petit",
            "Luc",
            "facultatif",
            "Président",
            "Entretien planifié",
            "2025-04-01",
            "",
            "",
        ],
        [None, "", "Sans", "Entité", "Prioritaire", "", "", "", "", ""],  # row 9: entity missing
        [
            "Société civile",
            "Association Circul'R",
            "Blanc",
            "Jo",
            "Souhaitable",
            "",
            "",
            "",
            "pas-un-courriel",
            "",
        ],  # row 10
        [None, "Club des entrepreneurs", None, None, "", "", "", "", "", ""],
    ]


# --- parsing -----------------------------------------------------------------------------------------------


def test_it_reads_the_sources_own_sample_with_merged_typology_cells():
    parsed = tracking_file_parse(filename="suivi.xlsx", content=xlsx_file(SOURCE_SAMPLE, SOURCE_MERGES))
    assert parsed.header_row == 3
    assert parsed.refusals == []
    assert [r.number for r in parsed.rows] == list(range(4, 16))
    assert [r.category for r in parsed.rows] == [Category.LOCAL_AUTHORITIES] * 6 + [Category.STATE] * 6
    assert [r.priority for r in parsed.rows[6:9]] == [Priority.HIGH, Priority.MEDIUM, Priority.HIGH]
    assert parsed.rows[0].contacted_by == "territoire d'industrie"
    assert parsed.rows[1].contacted_by == ""  # "..." is the source's "to be filled in"


def test_it_maps_typologies_as_teams_write_them():
    assert category_from_label("Collectivités et partenaires") == Category.LOCAL_AUTHORITIES
    assert category_from_label("Institutionnels et services de l'Etat") == Category.STATE
    assert category_from_label("Services et opérateurs de l'État") == Category.STATE
    assert category_from_label(" entreprises ") == Category.COMPANIES
    assert category_from_label("SOCIÉTÉ CIVILE") == Category.CIVIL_SOCIETY
    assert category_from_label("Partenaires du pacte") == Category.PARTNERS
    assert category_from_label("Divers") == ""


def test_it_reads_a_messy_workbook_and_refuses_bad_rows_with_their_spreadsheet_numbers():
    parsed = tracking_file_parse(filename="Suivi.XLSX", content=xlsx_file(messy_rows()))
    assert parsed.header_row == 3
    messages = [r.message for r in parsed.refusals]
    assert messages == [
        "ligne 7 : priorité « Urgente » inconnue (attendu : Prioritaire, Souhaitable ou Facultative)",
        "ligne 9 : entité manquante",
        "ligne 10 : courriel « pas-un-courriel » invalide",
    ]
    first, second, cci, club = parsed.rows
    assert (first.number, first.stakeholder, first.first_name) == (4, "Atelier Naval d'Oléron", "Élise")
    assert (first.priority, first.status, first.contacted_by) == (
        Priority.HIGH,
        ContactStatus.CONTACTED,
        "Chef de projet",
    )
    assert first.last_action_on == datetime.date(2025, 3, 4)
    assert first.phone == "05 46 12 34 56"  # Excel's number without its leading 0
    assert second.last_action_on == datetime.date(2025, 3, 5) and second.category == Category.COMPANIES
    assert (cci.priority, cci.status, cci.last_action_on) == (
        Priority.LOW,
        ContactStatus.INTERVIEW_PLANNED,
        datetime.date(2025, 4, 1),
    )
    assert (club.number, club.category, club.priority, club.last_name) == (11, Category.CIVIL_SOCIETY, "", "")


def test_it_reads_windows_1252_csv_with_semicolons_and_accents():
    rows = [
        ["Typologie", "Entité", "Nom", "Prénom", "Priorité"],
        ["Collectivités", "Région Nouvelle-Aquitaine", "Lefèvre", "Hélène", "Prioritaire"],
    ]
    parsed = tracking_file_parse(filename="suivi.csv", content=csv_file(rows))
    assert parsed.refusals == []
    (row,) = parsed.rows
    assert (row.stakeholder, row.last_name, row.first_name) == ("Région Nouvelle-Aquitaine", "Lefèvre", "Hélène")


def test_it_reads_a_mac_csv_with_carriage_returns_only_in_utf8_without_bom():
    content = "Entité;Nom;Priorité;Téléphone;Dernier échange\rCCI Charente-Maritime;Léon;prioritaire;546990000.0;03/05/2024 10:00\r"
    parsed = tracking_file_parse(filename="suivi.csv", content=content.encode("utf-8"))
    assert parsed.refusals == []
    (row,) = parsed.rows
    assert (row.stakeholder, row.last_name, row.phone) == ("CCI Charente-Maritime", "Léon", "05 46 99 00 00")
    assert row.last_action_on == datetime.date(2024, 5, 3)


@pytest.mark.parametrize("written", ["2024-05-03 00:00:00", "45415", "45415.0", "03/05/2024 10:00:00"])
def test_it_reads_dates_as_spreadsheets_save_them(written):
    rows = [["Entité", "Priorité", "Date"], ["Airbus", "Prioritaire", written]]
    (row,) = tracking_file_parse(filename="s.csv", content=csv_file(rows)).rows
    assert row.last_action_on == datetime.date(2024, 5, 3)


def test_it_reads_an_excel_serial_date_cell():
    rows = [["Entité", "Priorité", "Dernier échange"], ["Airbus", "Prioritaire", 45415]]
    (row,) = tracking_file_parse(filename="s.xlsx", content=xlsx_file(rows)).rows
    assert row.last_action_on == datetime.date(2024, 5, 3)


def test_it_recognises_longer_headers_and_lists_the_ignored_ones():
    rows = [
        ["Entité", "Nom du contact", "Priorité (P1/P2/P3)", "Téléphone portable", "Secteur d'activité"],
        ["Airbus", "Martin", "Prioritaire", "0612345678", "Aéronautique"],
    ]
    parsed = tracking_file_parse(filename="s.xlsx", content=xlsx_file(rows))
    (row,) = parsed.rows
    assert (row.last_name, row.priority, row.phone) == ("Martin", Priority.HIGH, "0612345678")
    assert parsed.ignored == ["Secteur d'activité"]
    assert parsed.column_labels == ["Entité", "Nom", "Priorité", "Téléphone"]


@pytest.mark.parametrize(
    "filename, content, message",
    [
        ("vide.csv", "Entité;Priorité\r\n;;\r\n".encode(), "aucune ligne sous l'en-tête"),
        ("image.csv", bytes(range(256)) * 40, "Ligne d'en-tête introuvable"),
    ],
)
def test_it_refuses_unreadable_or_empty_files_in_french(filename, content, message):
    with pytest.raises(TrackingFileError, match=message):
        tracking_file_parse(filename=filename, content=content)


def test_it_refuses_a_row_whose_entity_is_too_long():
    rows = [["Entité", "Priorité"], ["x" * 5_000, "Prioritaire"]]  # under the cell cap (10,000): the row is refused
    parsed = tracking_file_parse(filename="s.csv", content=csv_file(rows))
    assert [r.message for r in parsed.refusals] == ["ligne 2 : « Entité » trop long (300 caractères au plus)"]


def test_it_reads_utf8_csv_with_a_bom_commas_and_quoted_fields():
    rows = [
        ["Titre du fichier"],
        ["Type", "Organisme", "Nom", "Prénom", "Priorité", "Qui contacte", "Commentaire"],
        ["Entreprises", "Airbus", "Œillet", "Zoé", "Souhaitable", "Chef de projet", "Vu au salon, à relancer; en mars"],
    ]
    parsed = tracking_file_parse(filename="suivi.csv", content=csv_file(rows, delimiter=",", encoding="utf-8-sig"))
    (row,) = parsed.rows
    assert (row.number, row.last_name, row.first_name, row.notes) == (
        3,
        "Œillet",
        "Zoé",
        "Vu au salon, à relancer; en mars",
    )


def test_it_refuses_a_file_without_a_recognisable_header():
    with pytest.raises(TrackingFileError, match="Entité.*Priorité"):
        tracking_file_parse(filename="x.csv", content=csv_file([["A", "B"], ["1", "2"]]))
    with pytest.raises(TrackingFileError, match="illisible"):
        tracking_file_parse(filename="x.xlsx", content=b"not a zip")
    with pytest.raises(TrackingFileError, match=r"\.xlsx ou \.csv"):
        tracking_file_parse(filename="x.ods", content=b"")


# --- planning and applying ---------------------------------------------------------------------------------


def test_it_imports_the_sources_sample_and_reimports_it_without_duplicates(territory_a, alice):
    content = xlsx_file(SOURCE_SAMPLE, SOURCE_MERGES)
    stakeholders_before = Stakeholder.objects.for_territory(territory_a).count()
    contacts_before = contacts_of(territory_a).count()  # the demo: one contact per entity of the pact
    plan = tracking_file_import_confirm(
        tracking_import=upload(territory_a, "suivi.xlsx", content),
        confirmed_merges=set(),
        ignore_refused=False,
        actor=alice,
    )
    assert (len(plan.to_create), len(plan.to_update), len(plan.new_stakeholders)) == (12, 0, 10)
    assert Stakeholder.objects.for_territory(territory_a).count() == stakeholders_before + 10
    interco = Stakeholder.objects.get(territory=territory_a, name="Interco 1")
    assert interco.category == Category.LOCAL_AUTHORITIES and interco.name_key == "interco 1"
    assert interco.contacts.count() == 2  # two nameless rows: two "interlocuteurs à identifier"
    assert Stakeholder.objects.get(territory=territory_a, name="Bpifrance").category == Category.STATE
    assert set(Contact.objects.filter(stakeholder__name="Interco 3").values_list("priority", flat=True)) == {
        "prioritaire",
        "souhaitable",
    }

    again = tracking_file_import_confirm(
        tracking_import=upload(territory_a, "suivi.xlsx", content),
        confirmed_merges=set(),
        ignore_refused=False,
        actor=alice,
    )
    assert (len(again.to_create), len(again.to_update), again.unchanged, len(again.new_stakeholders)) == (0, 0, 12, 0)
    assert contacts_of(territory_a).count() == contacts_before + 12


def test_it_updates_an_existing_contact_from_an_updated_file(territory_a, alice):
    tracking_file_import_confirm(
        tracking_import=upload(territory_a, "v1.xlsx", xlsx_file(SOURCE_SAMPLE, SOURCE_MERGES)),
        confirmed_merges=set(),
        ignore_refused=False,
        actor=alice,
    )
    updated = [row[:] for row in SOURCE_SAMPLE]
    updated[11] = [None, "Département", None, None, "Facultative", "Élu référent"]  # row 12
    plan = tracking_file_import_plan(tracking_import=upload(territory_a, "v2.xlsx", xlsx_file(updated, SOURCE_MERGES)))
    (item,) = plan.to_update
    assert item.row == 12 and item.changes == {
        "priority": ("prioritaire", "facultative"),
        "contacted_by": ("", "Élu référent"),
    }
    assert item.change_labels == ["priorité : Prioritaire → Facultative", "qui contacte ? : — → Élu référent"]


def test_it_proposes_merges_with_existing_and_file_entities_and_respects_refused_ones(territory_a, alice):
    cci = Stakeholder.objects.get(territory=territory_a, name="CCI Charente-Maritime")
    rows = [
        ["Typologie", "Entité", "Nom", "Prénom", "Priorité"],
        ["Partenaires du pacte", "CCI Charente Maritime", "Petit", "Luc", "Prioritaire"],
        [None, "CCI Charente-Maritime ", "Grand", "Léa", "Prioritaire"],  # identical but for a space: silent
        ["Entreprises", "Atelier Naval", "Durand", "Élise", "Prioritaire"],
        [None, "ATELIER-NAVAL", "Morel", "Paul", "Souhaitable"],
    ]
    tracking_import = upload(territory_a, "m.xlsx", xlsx_file(rows))
    plan = tracking_file_import_plan(tracking_import=tracking_import)
    assert [(m.spelling, m.target, m.target_exists, m.rows) for m in plan.merges] == [
        ("CCI Charente Maritime", "CCI Charente-Maritime", True, [2]),
        ("ATELIER-NAVAL", "Atelier Naval", False, [5]),
    ]
    assert [n.name for n in plan.new_stakeholders] == ["Atelier Naval"]
    assert not Stakeholder.objects.filter(name="Atelier Naval").exists()  # planning writes nothing

    # The user keeps the first merge and refuses the second: "ATELIER-NAVAL" becomes an entity of its own.
    tracking_file_import_confirm(
        tracking_import=tracking_import, confirmed_merges={"CCI Charente Maritime"}, ignore_refused=False, actor=alice
    )
    assert set(cci.contacts.values_list("last_name", flat=True)) == {"", "Petit", "Grand"}
    assert not Stakeholder.objects.filter(territory=territory_a, name="CCI Charente Maritime").exists()
    assert Stakeholder.objects.get(territory=territory_a, name="ATELIER-NAVAL").contacts.get().last_name == "Morel"
    assert Stakeholder.objects.get(territory=territory_a, name="Atelier Naval").contacts.get().last_name == "Durand"


def test_it_keeps_the_category_of_an_existing_entity_when_the_typology_is_unknown(territory_a):
    rows = [
        ["Typologie", "Entité", "Priorité"],
        ["Divers", "Airbus", "Prioritaire"],
        ["Divers", "Inconnue SA", "Prioritaire"],
    ]
    plan = tracking_file_import_plan(tracking_import=upload(territory_a, "t.xlsx", xlsx_file(rows)))
    assert [r.message for r in plan.refusals] == [
        "ligne 3 : typologie « Divers » inconnue (attendu : Collectivités, Services et opérateurs de l'État, "
        "Entreprises, Société civile ou Partenaires du pacte)"
    ]
    assert plan.new_stakeholders == []
    assert plan.to_create == [] and len(plan.to_update) + plan.unchanged == 1  # Airbus's demo contact


def test_it_changes_an_existing_entity_only_by_a_typology_written_on_its_row(territory_a):
    rows = [
        ["Typologie", "Entité", "Priorité"],
        ["Collectivités et partenaires", "Interco 1", "Prioritaire"],
        [None, "CCI Charente-Maritime", "Prioritaire"],  # inherits "Collectivités et partenaires": kept as a partner
        ["Entreprises", "Région Nouvelle-Aquitaine", "Souhaitable"],  # written on the row: a change to show
    ]
    plan = tracking_file_import_plan(tracking_import=upload(territory_a, "t.xlsx", xlsx_file(rows, merges=["A2:A3"])))
    assert [(s.name, category) for s, category in plan.recategorised] == [
        ("Région Nouvelle-Aquitaine", Category.COMPANIES)
    ]
    assert plan.recategorised_labels == ["Région Nouvelle-Aquitaine : Collectivités → Entreprises"]


def test_it_blocks_an_import_with_refused_rows_unless_the_user_ignores_them(territory_a, alice):
    tracking_import = upload(territory_a, "messy.xlsx", xlsx_file(messy_rows()))
    contacts_before = contacts_of(territory_a).count()
    with pytest.raises(ImportRefused, match="3 ligne"):
        tracking_file_import_confirm(
            tracking_import=tracking_import, confirmed_merges=set(), ignore_refused=False, actor=alice
        )
    assert contacts_of(territory_a).count() == contacts_before
    tracking_import.refresh_from_db()
    assert tracking_import.imported_at is None

    plan = tracking_file_import_confirm(
        tracking_import=tracking_import,
        confirmed_merges={"CCI Charente Maritime", "atelier naval d’oleron"},
        ignore_refused=True,
        actor=alice,
    )
    assert len(plan.to_create) == 4
    tracking_import.refresh_from_db()
    assert tracking_import.imported_at is not None
    assert "ligne 7 : priorité « Urgente » inconnue" in tracking_import.summary
    assert Stakeholder.objects.get(territory=territory_a, name="Atelier Naval d'Oléron").contacts.count() == 2
    with pytest.raises(ImportRefused, match="déjà été importé"):
        tracking_file_import_confirm(
            tracking_import=tracking_import, confirmed_merges=set(), ignore_refused=True, actor=alice
        )
    assert contacts_of(territory_a).count() == contacts_before + 4


def test_it_writes_nothing_when_the_import_fails_midway(territory_a, alice, monkeypatch):
    stakeholders_before = Stakeholder.objects.for_territory(territory_a).count()
    contacts_before = contacts_of(territory_a).count()

    def failing_bulk_update(*args, **kwargs):
        raise DatabaseError("disk full")

    # Stakeholders and contacts are created, then the last write fails.
    monkeypatch.setattr(services.Contact.objects, "bulk_update", failing_bulk_update)
    tracking_import = upload(territory_a, "suivi.xlsx", xlsx_file(SOURCE_SAMPLE, SOURCE_MERGES))
    with pytest.raises(ImportRefused, match="Rien n'a été importé"):
        tracking_file_import_confirm(
            tracking_import=tracking_import, confirmed_merges=set(), ignore_refused=False, actor=alice
        )
    assert contacts_of(territory_a).count() == contacts_before
    assert Stakeholder.objects.for_territory(territory_a).count() == stakeholders_before
    tracking_import.refresh_from_db()
    assert tracking_import.imported_at is None and tracking_import.summary == ""


def test_it_reimports_its_own_export_unchanged_and_never_writes_formulas(territory_a, alice):
    airbus = Stakeholder.objects.get(territory=territory_a, name="Airbus")
    Contact.objects.create(
        stakeholder=airbus,
        last_name='=HYPERLINK("http://evil")',
        first_name="+33",
        priority=Priority.HIGH,
        contacted_by="@chef",
        status=ContactStatus.INTERVIEW_DONE,
        last_action_on=datetime.date(2025, 1, 2),
        email="a@example.org",
        phone="+33 5 46 00 00 00",
        notes="-1+1\nsecond line",
    )
    Contact.objects.create(stakeholder=airbus, priority=Priority.LOW)
    contacts = Contact.objects.for_territory(territory_a).select_related("stakeholder")
    content = tracking_file_export(contacts=contacts)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == [
        "Typologie",
        "Entité",
        "Nom",
        "Prénom",
        "Priorité",
        "Qui contacte ?",
        "Statut",
        "Dernier échange",
        "Courriel",
        "Téléphone",
        "Commentaire",
    ]
    assert sheet.freeze_panes == "A2"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    (row,) = [row for row in sheet.iter_rows(min_row=2) if row[3].value == "+33"]
    assert [cell.value for cell in row[2:7]] == [
        '=HYPERLINK("http://evil")',
        "+33",
        "Prioritaire",
        "@chef",
        "Entretien réalisé",
    ]
    assert row[2].data_type == "s" and row[2].quotePrefix  # shown as text, kept as text when edited
    assert row[7].value == datetime.datetime(2025, 1, 2) and row[7].number_format == "DD/MM/YYYY"

    plan = tracking_file_import_plan(tracking_import=upload(territory_a, "export.xlsx", content))
    assert (plan.refusals, plan.to_create, plan.to_update) == ([], [], [])
    assert plan.unchanged == contacts.count() == 36  # the demo's 34, and the two above

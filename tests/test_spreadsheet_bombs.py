"""Hostile and program-written spreadsheets in the tracking-file import: refused before they cost memory or time,
with a French message saying which limit, and nothing written. Every input is built here.

Time (< 1 s) and memory growth (< 100 MB) per bomb are measured by bench/spreadsheet_bombs.py, not here.
"""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pacte.core.spreadsheets import LIMITS, SpreadsheetRefused, XlsxBook, csv_rows
from pacte.stakeholders import services
from pacte.stakeholders.models import Contact, Stakeholder, TrackingFileImport
from pacte.stakeholders.tracking_file import TrackingFileError, tracking_file_export, tracking_file_parse

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def rezip(content: bytes, *, replace=None, add=(), compresslevel=6) -> bytes:
    """The same .xlsx with some entries replaced (name → bytes, or → an iterable of byte chunks) or added."""
    replace = replace or {}
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target,
    ):
        for entry in source.infolist():
            data = replace.get(entry.filename, source.read(entry.filename))
            with target.open(entry.filename, "w") as out:
                for chunk in [data] if isinstance(data, bytes) else data:
                    out.write(chunk)
        for name, data in add:
            target.writestr(name, data)
    return output.getvalue()


def sheet_xml(rows_xml, dimension="A1:B2"):
    """A worksheet part whose <sheetData> is the given bytes (or chunks of bytes)."""
    yield (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS}">'
        f'<dimension ref="{dimension}"/><sheetData>'
    ).encode()
    yield from [rows_xml] if isinstance(rows_xml, bytes) else rows_xml
    yield b"</sheetData></worksheet>"


def inline_row(number, *values):
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>' for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


HEADER = ["Entité", "Priorité"]
BASE = workbook([HEADER, ["Airbus", "Prioritaire"]])


# --- the bombs -----------------------------------------------------------------------------------------------


def claimed_huge_dimension():
    """4 KB: a real sheet of 2 rows whose <dimension> claims the whole grid (A1:XFD1048576)."""
    with zipfile.ZipFile(io.BytesIO(BASE)) as archive:
        xml = archive.read(SHEET)
    xml, count = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)
    assert count == 1
    return rezip(BASE, replace={SHEET: xml})


def zip_bomb():
    """About 100 MB of identical rows (without row numbers) in a sheet of a few hundred KB."""
    row = b'<row><c t="inlineStr"><is><t>Airbus</t></is></c><c t="inlineStr"><is><t>Prioritaire</t></is></c></row>'
    chunk = row * 10_000
    rows = (chunk for _ in range(100 * 1024 * 1024 // len(chunk)))
    header = inline_row(1, *HEADER)
    return rezip(BASE, replace={SHEET: sheet_xml(iter([header, *rows]))})


def many_entries():
    return rezip(BASE, add=[(f"customXml/item{i}.xml", b"<a/>") for i in range(LIMITS.max_entries + 1)])


def many_rows():
    """50,001 rows under the header, as plain XML (a few MB, an ordinary compression ratio)."""
    rows = [inline_row(1, *HEADER)]
    rows += [inline_row(n, f"Entreprise {n}", "Prioritaire") for n in range(2, LIMITS.max_rows + 3)]
    return rezip(BASE, replace={SHEET: sheet_xml(rows)})


def wide_row():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["Airbus", "Prioritaire"])
    sheet.cell(row=2, column=LIMITS.max_columns + 1, value="au-delà")
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def giant_cell():
    return workbook([HEADER, ["x" * (LIMITS.max_cell_chars + 1), "Prioritaire"]])


def nested_archive():
    return rezip(BASE, add=[("xl/embeddings/oleObject1.zip", BASE)])


def far_row_number():
    rows = [inline_row(1, *HEADER), inline_row(99_999_999, "Airbus", "Prioritaire")]
    return rezip(BASE, replace={SHEET: sheet_xml(rows)})


def doctype():
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>'
        + b"".join(sheet_xml(inline_row(1, *HEADER))).split(b"?>", 1)[1]
    )
    return rezip(BASE, replace={SHEET: xml})


def unused_shared_strings(count=20_000):
    """Shared strings (loaded whole by openpyxl) that no cell uses."""
    with zipfile.ZipFile(io.BytesIO(BASE)) as archive:
        types = archive.read("[Content_Types].xml")
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    types = types.replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>'.encode()
    )
    items = "".join(f"<si><t>{i:x}</t></si>" for i in range(count))
    xml = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{count}">{items}</sst>'.encode()
    return rezip(BASE, replace={"[Content_Types].xml": types}, add=[("xl/sharedStrings.xml", xml)])


def csv_one_huge_line():
    return ("Entité;Priorité\r\n" + "a;" * 2_000_000).encode()


def csv_giant_field():
    return ("Entité;Priorité\r\n" + "x" * 200_000 + ";Prioritaire\r\n").encode()


def csv_many_rows():
    return ("Entité;Priorité\r\n" + "Airbus;Prioritaire\r\n" * (LIMITS.max_rows + 1)).encode()


def csv_blank_lines():
    return ("Entité;Priorité\r\nAirbus;Prioritaire\r\n" + "\n" * 5_000_000).encode()


BOMBS = [
    ("zip bomb", "b.xlsx", zip_bomb, "Le fichier Excel est anormalement compressé (« xl/worksheets/sheet1.xml »"),
    ("entries", "b.xlsx", many_entries, "Le fichier Excel contient trop d'éléments internes (510 ; 500 au plus)"),
    ("rows", "b.xlsx", many_rows, "Le fichier dépasse 50\u00a0000 lignes : découpez-le en plusieurs fichiers."),
    ("columns", "b.xlsx", wide_row, "Le fichier dépasse 100 colonnes (ligne 2) : supprimez les colonnes inutiles."),
    ("cell", "b.xlsx", giant_cell, "Une cellule dépasse 10\u00a0000 caractères (ligne 2, colonne A)"),
    ("not a zip", "b.xlsx", lambda: b"Entit\xe9;Priorit\xe9\r\n", "Le fichier Excel est illisible"),
    ("old xls", "b.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "format Excel ancien (.xls)"),
    ("nested", "b.xlsx", nested_archive, "une archive imbriquée (« xl/embeddings/oleObject1.zip »)"),
    ("row number", "b.xlsx", far_row_number, "numérote une ligne 99\u00a0999\u00a0999, au-delà"),
    ("doctype", "b.xlsx", doctype, "un élément inattendu (« xl/worksheets/sheet1.xml »)"),
    ("shared strings", "b.xlsx", unused_shared_strings, "Le fichier Excel contient 20\u00a0000 textes pour 0 cellules"),
    ("csv line", "b.csv", csv_one_huge_line, "Le fichier dépasse 100 colonnes (ligne 2)"),
    ("csv field", "b.csv", csv_giant_field, "Une cellule dépasse 10\u00a0000 caractères (ligne 2, colonne A)"),
    ("csv rows", "b.csv", csv_many_rows, "Le fichier dépasse 50\u00a0000 lignes"),
    ("csv blank lines", "b.csv", csv_blank_lines, "Le fichier dépasse 50\u00a0000 lignes"),
]


@pytest.mark.parametrize("label, filename, build, message", BOMBS, ids=[b[0] for b in BOMBS])
def test_it_refuses_each_bomb_with_the_limit_in_french_and_writes_nothing(
    client_for, alice, territory_a, label, filename, build, message
):
    content = build()
    assert len(content) <= LIMITS.max_bytes  # each bomb passes the upload size check: the reader must catch it
    contacts, stakeholders = Contact.objects.count(), Stakeholder.objects.count()
    response = client_for(alice).post(
        reverse("stakeholders:import_upload", args=[territory_a.slug]),
        {"file": SimpleUploadedFile(filename, content)},
    )
    assert response.status_code == 200  # the upload form again, not the preview
    page = response.content.decode()
    assert message.replace("'", "&#x27;") in page
    assert 'id="id_file-messages"' in page or "fr-error-text" in page  # shown on the file field
    assert not TrackingFileImport.objects.exists()
    assert (Contact.objects.count(), Stakeholder.objects.count()) == (contacts, stakeholders)


def test_the_zip_bomb_is_small_and_refused_before_anything_is_decompressed():
    content = zip_bomb()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.getinfo(SHEET)
    assert len(content) < 1024 * 1024 and sheet.file_size > 100_000_000
    with pytest.raises(SpreadsheetRefused, match="anormalement compressé"):
        XlsxBook(content)


def test_it_reads_the_real_rows_of_a_sheet_claiming_the_whole_grid(client_for, alice, territory_a):
    content = claimed_huge_dimension()
    assert len(content) < 8 * 1024
    client = client_for(alice)
    response = client.post(
        reverse("stakeholders:import_upload", args=[territory_a.slug]),
        {"file": SimpleUploadedFile("grille.xlsx", content)},
    )
    tracking_import = TrackingFileImport.objects.get(territory=territory_a)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Ligne d'en-tête reconnue : ligne 1" in page and "0 ligne refusée" in page
    assert [r.stakeholder for r in tracking_file_parse(filename="g.xlsx", content=content).rows] == ["Airbus"]
    assert tracking_import.parsed["rows"][0][1] == "Airbus"


def test_empty_styled_cells_far_right_and_empty_rows_far_down_are_not_refused():
    """Formatting beyond the data (styled empty cells, a stray empty row at the bottom) is not data."""
    rows = [
        inline_row(1, *HEADER),
        inline_row(2, "Airbus", "Prioritaire")[:-6] + b'<c r="XFD2" s="0"/></row>',
        b'<row r="1048576"><c r="A1048576" s="0"/></row>',
    ]
    content = rezip(BASE, replace={SHEET: sheet_xml(rows, dimension="A1:XFD1048576")})
    parsed = tracking_file_parse(filename="s.xlsx", content=content)
    assert [(r.number, r.stakeholder, r.priority) for r in parsed.rows] == [(2, "Airbus", "prioritaire")]


def test_the_csv_reader_checks_the_limits_it_is_given():
    limits = type(LIMITS)(max_rows=2, max_columns=3, max_cell_chars=5)
    assert list(csv_rows("a;b\n\n1;2;;\n", delimiter=";", limits=limits)) == [(1, ["a", "b"]), (3, ["1", "2"])]
    with pytest.raises(SpreadsheetRefused, match="dépasse 3 colonnes \\(ligne 1\\)"):
        list(csv_rows("a;b;c;d\n", delimiter=";", limits=limits))
    with pytest.raises(SpreadsheetRefused, match="dépasse 5 caractères \\(ligne 2, colonne B\\)"):
        list(csv_rows("a;b\n1;123456\n", delimiter=";", limits=limits))
    with pytest.raises(SpreadsheetRefused, match="dépasse 2 lignes"):
        list(csv_rows("a\nb\nc\n", delimiter=";", limits=limits))


# --- formulas without a cached value ---------------------------------------------------------------------------


def formula_workbook():
    """As a program writes it: openpyxl stores formulas without any cached value."""
    return workbook(
        [
            ["Typologie", "Entité", "Nom", "Prénom", "Priorité"],
            ["Entreprises", '=D2&" "&E2', "Air", "bus", "Prioritaire"],
            [None, "CCI Charente-Maritime", '=UPPER("martin")', "Claire", "Souhaitable"],
        ]
    )


def test_a_formula_without_a_cached_value_is_read_as_its_text_not_as_empty():
    parsed = tracking_file_parse(filename="programme.xlsx", content=formula_workbook())
    assert parsed.refusals == []  # before: "ligne 2 : entité manquante"
    airbus, cci = parsed.rows
    assert (airbus.number, airbus.stakeholder, airbus.priority) == (2, '=D2&" "&E2', "prioritaire")
    assert (cci.stakeholder, cci.last_name) == ("CCI Charente-Maritime", '=UPPER("martin")')
    parsed = tracking_file_parse(
        filename="p.xlsx", content=workbook([["Entité", "Priorité"], ["=A1", '=IF(1,"Souhaitable","")']])
    )
    assert [r.message for r in parsed.refusals] == [
        'ligne 2 : priorité « =IF(1,"Souhaitable","") » inconnue (attendu : Prioritaire, Souhaitable ou Facultative)'
    ]


def test_a_formula_with_a_cached_value_is_read_as_its_value():
    """As Excel saves it: the formula and its last computed value."""
    rows = [
        inline_row(1, *HEADER),
        b'<row r="2"><c r="A2" t="str"><f>"Air"&amp;"bus"</f><v>Airbus</v></c>'
        b'<c r="B2" t="inlineStr"><is><t>Prioritaire</t></is></c></row>',
    ]
    content = rezip(BASE, replace={SHEET: sheet_xml(rows)})
    (row,) = tracking_file_parse(filename="excel.xlsx", content=content).rows
    assert row.stakeholder == "Airbus"


def test_formula_text_is_imported_as_text_and_exported_without_becoming_a_formula(client_for, alice, territory_a):
    client = client_for(alice)
    response = client.post(
        reverse("stakeholders:import_upload", args=[territory_a.slug]),
        {"file": SimpleUploadedFile("programme.xlsx", formula_workbook())},
    )
    page = client.get(response.url).content.decode()
    assert "entité manquante" not in page and "0 ligne refusée" in page and "=D2&amp;&quot; &quot;&amp;E2" in page
    tracking_import = TrackingFileImport.objects.get(territory=territory_a)
    client.post(reverse("stakeholders:import_preview", args=[territory_a.slug, tracking_import.pk]), follow=True)
    contact = Contact.objects.get(territory=territory_a, stakeholder__name='=D2&" "&E2')
    exported = openpyxl.load_workbook(io.BytesIO(tracking_file_export(contacts=[contact]))).active
    cell = exported.cell(row=2, column=2)
    assert (cell.value, cell.data_type, cell.quotePrefix) == ('=D2&" "&E2', "s", True)


# --- parsed once ---------------------------------------------------------------------------------------------


def test_the_file_is_read_once_at_upload_not_by_the_preview_nor_the_confirmation(
    client_for, alice, territory_a, monkeypatch
):
    client = client_for(alice)
    content = workbook([["Typologie", *HEADER], ["Entreprises", "Nouvelle entité SAS", "Souhaitable"]])
    response = client.post(
        reverse("stakeholders:import_upload", args=[territory_a.slug]),
        {"file": SimpleUploadedFile("suivi.xlsx", content)},
    )
    tracking_import = TrackingFileImport.objects.get(territory=territory_a)
    assert [row[1] for row in tracking_import.parsed["rows"]] == ["Nouvelle entité SAS"]

    def no_second_read(**kwargs):
        raise AssertionError("the stored file was read again")

    monkeypatch.setattr(services, "tracking_file_parse", no_second_read)
    page = client.get(response.url).content.decode()
    assert "1 contact à créer" in page and "1 entité à créer" in page
    response = client.post(response.url, follow=True)
    assert "1 contact créé" in response.content.decode()
    assert Contact.objects.filter(territory=territory_a, stakeholder__name="Nouvelle entité SAS").exists()


def test_an_import_stored_without_its_rows_is_parsed_once_on_first_use(territory_a, monkeypatch):
    tracking_import = TrackingFileImport.objects.create(
        territory=territory_a, filename="ancien.xlsx", content=workbook([HEADER, ["Airbus", "Prioritaire"]])
    )
    plan = services.tracking_file_import_plan(tracking_import=tracking_import)
    assert len(plan.parsed.rows) == 1
    tracking_import.refresh_from_db()
    assert tracking_import.parsed["rows"][0][1] == "Airbus"
    monkeypatch.setattr(services, "tracking_file_parse", lambda **kw: pytest.fail("read again"))
    assert len(services.tracking_file_import_plan(tracking_import=tracking_import).parsed.rows) == 1


def test_an_unreadable_stored_import_still_shows_its_error(territory_a):
    tracking_import = TrackingFileImport.objects.create(territory=territory_a, filename="x.xlsx", content=b"nope")
    with pytest.raises(TrackingFileError, match="illisible"):
        services.tracking_file_import_plan(tracking_import=tracking_import)
    tracking_import.refresh_from_db()
    assert tracking_import.parsed is None

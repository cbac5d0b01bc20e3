"""Reading uploaded spreadsheets (.xlsx, .csv) safely: hostile or program-written files are refused early.

An .xlsx file is a zip archive of XML parts. Before openpyxl reads anything, the archive is checked with zipfile
alone (number of entries, each and total uncompressed size, compression ratio, odd or nested entries), then each
worksheet's real extent is measured by a fast scan of its XML (rows holding a value, row numbers, values beyond
the last allowed column) — the dimension the sheet declares (e.g. "A1:XFD1048576") is never trusted. Rows are then
streamed with openpyxl's read-only mode, under the same caps. A CSV file is checked likewise (bytes, rows,
columns, field length) while it is read.

Every refusal is a `SpreadsheetRefused` whose French message names the limit that was exceeded, e.g.
"Le fichier dépasse 50 000 lignes : …". Rows are returned without the empty ones, with their spreadsheet numbers.

Formula cells saved by a program (openpyxl, scripts, exports) often carry no cached value: they are read as their
formula text ("=B2&\" \"&C2") instead of as empty, so that a row is not refused for a wrong reason.
"""

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

EXCEL_MAX_ROW = 1_048_576
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an .xlsx protected by a password
ZIP_SIGNATURE = b"PK\x03\x04"
NESTED_ARCHIVES = (".zip", ".xlsx", ".xlsm", ".xlsb", ".xls", ".docx", ".pptx", ".gz", ".7z", ".rar", ".tar", ".bz2")
RATIO_FROM = 1024 * 1024  # the compression ratio is checked on entries of more than 1 MB uncompressed
SCAN_CHUNK = 1024 * 1024
MiB = 1024 * 1024
SHARED_STRINGS_SLACK = 10_000  # shared strings tolerated beyond twice the cells that use them


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * MiB  # the file as uploaded
    max_rows: int = 50_000  # rows holding at least one value
    max_columns: int = 100
    max_cell_chars: int = 10_000
    max_entries: int = 500  # entries of the .xlsx archive (a workbook of a few sheets has about 10 to 30)
    max_entry_size: int = 64 * MiB  # a worksheet, uncompressed (50,000 rows × 11 columns written by openpyxl: 28 MB)
    max_loaded_size: int = 16 * MiB  # a part that openpyxl loads whole into memory (shared strings, styles…)
    max_total_size: int = 128 * MiB  # all entries, uncompressed
    max_ratio: int = 100  # uncompressed / compressed size of an entry (ordinary sheets: about 10)
    max_blank_rows: int = 200_000  # CSV records including empty ones


LIMITS = Limits()


class SpreadsheetRefused(ValueError):
    """The file is refused before or while it is read; the message is French and says which limit."""


def _n(number: int) -> str:
    """50000 → "50 000" (French grouping, with a no-break space)."""
    return f"{number:,}".replace(",", "\u00a0")


def _mb(size: int) -> str:
    return _n(size // MiB)


def _column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index


def too_many_rows(limits: Limits) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("Le fichier dépasse %(n)s lignes : découpez-le en plusieurs fichiers.") % {"n": _n(limits.max_rows)}
    )


def too_many_columns(limits: Limits, row: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("Le fichier dépasse %(n)s colonnes (ligne %(row)s) : supprimez les colonnes inutiles.")
        % {"n": _n(limits.max_columns), "row": row}
    )


def cell_too_long(limits: Limits, row: int, column: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("Une cellule dépasse %(n)s caractères (ligne %(row)s, colonne %(col)s) : raccourcissez-la.")
        % {"n": _n(limits.max_cell_chars), "row": row, "col": _column_letter(column)}
    )


def too_large(limits: Limits) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("Le fichier dépasse %(n)s Mo : allégez-le ou découpez-le.") % {"n": _mb(limits.max_bytes)}
    )


UNREADABLE_XLSX = "Le fichier Excel est illisible (est-ce bien un fichier .xlsx ?)."


def _unreadable() -> SpreadsheetRefused:
    return SpreadsheetRefused(_(UNREADABLE_XLSX))


# --- .xlsx: the archive --------------------------------------------------------------------------------------


def _odd_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or ".." in parts
        or ":" in parts[0]  # a drive letter
    )


def xlsx_check_archive(content: bytes, limits: Limits = LIMITS) -> zipfile.ZipFile:
    """The archive, opened, once its entries are within the limits (zipfile only, nothing decompressed)."""
    if len(content) > limits.max_bytes:
        raise too_large(limits)
    if content.startswith(OLE_SIGNATURE):
        raise SpreadsheetRefused(
            _(
                "Ce fichier est au format Excel ancien (.xls) ou protégé par un mot de passe : enregistrez-le au "
                "format .xlsx, sans mot de passe."
            )
        )
    if not content.startswith(ZIP_SIGNATURE):
        raise _unreadable()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise _unreadable() from error
    if len(entries) > limits.max_entries:
        raise SpreadsheetRefused(
            _(
                "Le fichier Excel contient trop d'éléments internes (%(n)s ; %(max)s au plus) : enregistrez-le à "
                "nouveau depuis votre tableur."
            )
            % {"n": _n(len(entries)), "max": _n(limits.max_entries)}
        )
    seen, total = set(), 0
    for entry in entries:
        name = entry.filename
        if (
            _odd_name(name)
            or name in seen
            or entry.flag_bits & 0x1  # encrypted
            or entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        ):
            raise SpreadsheetRefused(
                _(
                    "Le fichier Excel contient un élément inattendu (« %(name)s ») : enregistrez-le à nouveau "
                    "depuis votre tableur."
                )
                % {"name": name[:100]}
            )
        seen.add(name)
        if name.lower().endswith(NESTED_ARCHIVES):
            raise SpreadsheetRefused(
                _(
                    "Le fichier Excel contient une archive imbriquée (« %(name)s ») : enregistrez le tableau seul, "
                    "sans objet incorporé."
                )
                % {"name": name[:100]}
            )
        if entry.file_size > RATIO_FROM and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise SpreadsheetRefused(
                _(
                    "Le fichier Excel est anormalement compressé (« %(name)s » se décompresse en %(ratio)s fois sa "
                    "taille, %(max)s au plus) : il n'est pas lu."
                )
                % {
                    "name": name[:100],
                    "ratio": _n(entry.file_size // max(entry.compress_size, 1)),
                    "max": _n(limits.max_ratio),
                }
            )
        loaded_whole = not _is_worksheet(name)
        cap = limits.max_loaded_size if loaded_whole else limits.max_entry_size
        if entry.file_size > cap:
            raise SpreadsheetRefused(
                _(
                    "Le fichier Excel dépasse %(n)s Mo une fois décompressé (« %(name)s ») : découpez-le en "
                    "plusieurs fichiers."
                )
                % {"n": _mb(cap), "name": name[:100]}
            )
        total += entry.file_size
    if total > limits.max_total_size:
        raise SpreadsheetRefused(
            _("Le fichier Excel dépasse %(n)s Mo une fois décompressé : découpez-le en plusieurs fichiers.")
            % {"n": _mb(limits.max_total_size)}
        )
    return archive


def _is_worksheet(name: str) -> bool:
    return "worksheets/" in name and name.endswith(".xml") and "_rels/" not in name


# --- .xlsx: the real extent of each sheet --------------------------------------------------------------------

PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
# Rows numbered with 7 digits or more (Excel stops at 1,048,576), cells of 2 letters or more holding a value.
FAR_ROW = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\s[^>]*?\br="(\d{7,})"')
FAR_CELL = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="([A-Z]{2,})(\d+)"[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?(?:v|f|is)[\s>/]'
)
DTD = (b"<!DOCTYPE", b"<!ENTITY")


@dataclass
class SheetExtent:
    rows: int = 0  # rows holding at least one value
    has_formulas: bool = False
    shared_string_cells: int = 0  # cells whose value is an index into the shared strings (t="s")


def _scan_worksheet(archive: zipfile.ZipFile, name: str, limits: Limits) -> SheetExtent:
    """Count the rows holding a value, and look for values beyond the last column and rows beyond Excel's last,
    streaming the decompressed XML by chunks (byte searches in C, no XML parsing)."""
    extent = SheetExtent()
    row_tag = values = formulas = None
    in_row, counted = False, False
    tail = b""
    with archive.open(name) as source:
        while True:
            chunk = source.read(SCAN_CHUNK)
            data = tail + chunk
            if not chunk:
                cut = len(data)
            else:  # keep the last (possibly cut) tag for the next chunk
                cut = data.rfind(b"<")
                if cut < len(data) - 65536 or cut <= 0:
                    cut = len(data)
            block, tail = data[:cut], data[cut:]
            if any(marker in block for marker in DTD):
                raise SpreadsheetRefused(
                    _(
                        "Le fichier Excel contient un élément inattendu (« %(name)s ») : enregistrez-le à nouveau "
                        "depuis votre tableur."
                    )
                    % {"name": name[:100]}
                )
            if row_tag is None:
                found = PREFIX.search(block)
                prefix = (found.group(1) or b"") if found else b""
                row_tag = b"<" + prefix + b"row"
                values = (b"<" + prefix + b"v>", b"<" + prefix + b"v ", b"<" + prefix + b"is>", b"<" + prefix + b"f")
                formulas = (b"<" + prefix + b"f>", b"<" + prefix + b"f ")
            for found in FAR_ROW.finditer(block):
                if int(found.group(1)) > EXCEL_MAX_ROW:
                    raise SpreadsheetRefused(
                        _(
                            "Le fichier Excel numérote une ligne %(n)s, au-delà de la dernière ligne possible "
                            "(%(max)s) : il est corrompu."
                        )
                        % {"n": _n(int(found.group(1))), "max": _n(EXCEL_MAX_ROW)}
                    )
            for found in FAR_CELL.finditer(block):
                if _column_index(found.group(1)) > limits.max_columns:
                    raise too_many_columns(limits, int(found.group(2)))
            extent.shared_string_cells += block.count(b't="s"')
            if not extent.has_formulas and any(marker in block for marker in formulas):
                extent.has_formulas = True
            pieces = block.split(row_tag)
            # The first piece continues the row of the previous chunk.
            if in_row and not counted and any(marker in pieces[0] for marker in values):
                counted = True
                extent.rows += 1
            for piece in pieces[1:]:
                in_row = True
                counted = any(marker in piece for marker in values)
                extent.rows += counted
            if extent.rows > limits.max_rows:
                raise too_many_rows(limits)
            if not chunk:
                return extent


def _check_shared_strings(archive: zipfile.ZipFile, cells: int) -> None:
    """openpyxl loads every shared string into memory: there cannot be many more of them than cells using them
    (a spreadsheet saves only the strings its cells use)."""
    for entry in archive.infolist():
        if not entry.filename.lower().endswith("sharedstrings.xml"):
            continue
        count, tail = 0, b""
        with archive.open(entry) as source:
            while chunk := source.read(SCAN_CHUNK):
                data = tail + chunk
                count += data.count(b"<si>") + data.count(b"<si ") + data.count(b":si>") + data.count(b":si ")
                tail = data[-4:]
                count -= tail.count(b"<si>") + tail.count(b"<si ") + tail.count(b":si>") + tail.count(b":si ")
            count += tail.count(b"<si>") + tail.count(b"<si ") + tail.count(b":si>") + tail.count(b":si ")
        if count > 2 * cells + SHARED_STRINGS_SLACK:
            raise SpreadsheetRefused(
                _(
                    "Le fichier Excel contient %(n)s textes pour %(cells)s cellules qui en utilisent : "
                    "enregistrez-le à nouveau depuis votre tableur."
                )
                % {"n": _n(count), "cells": _n(cells)}
            )


# --- .xlsx: streaming the rows -------------------------------------------------------------------------------


def _formula_text(value):
    """The text of a formula cell read with data_only=False ("=B2&C2"), else None."""
    text = getattr(value, "text", value)  # an array formula keeps its text in .text
    return text if isinstance(text, str) and text.startswith("=") else None


class XlsxBook:
    """A checked workbook whose sheets are streamed row by row. Use as a context manager."""

    def __init__(self, content: bytes, limits: Limits = LIMITS):
        import openpyxl

        self.limits = limits
        archive = xlsx_check_archive(content, limits)
        self.extents = {}
        try:
            for entry in archive.infolist():
                if _is_worksheet(entry.filename):
                    self.extents[entry.filename] = _scan_worksheet(archive, entry.filename, limits)
            _check_shared_strings(archive, sum(e.shared_string_cells for e in self.extents.values()))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            if isinstance(error, SpreadsheetRefused):
                raise
            raise _unreadable() from error  # a corrupt entry (bad CRC, truncated data)
        finally:
            archive.close()
        self._content = content
        self._formulas = None
        try:
            # read_only streams the sheets; keep_links=False skips the caches of external workbooks.
            self.values = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
        except Exception as error:  # openpyxl raises many kinds (KeyError, TypeError, ParseError…) on broken files
            raise _unreadable() from error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.values.close()
        if self._formulas is not None:
            self._formulas.close()

    @property
    def sheets(self) -> list:
        """The worksheets, the active one first."""
        worksheets = self.values.worksheets
        active = self.values.active
        first = [active] if active in worksheets else []
        return first + [ws for ws in worksheets if ws is not active]

    def _formula_sheet(self, sheet):
        import openpyxl

        if self._formulas is None:
            self._formulas = openpyxl.load_workbook(
                io.BytesIO(self._content), read_only=True, data_only=False, keep_links=False
            )
        return self._formulas[sheet.title]

    def rows(self, sheet) -> Iterator[tuple[int, list]]:
        """(row number, values) of the rows holding a value, trailing empty cells dropped; caps enforced."""
        limits = self.limits
        width = limits.max_columns + 1  # one more column, to see values beyond the last allowed one
        sheet.reset_dimensions()  # never trust the declared dimension
        values = sheet.iter_rows(min_row=1, max_col=width, values_only=True)
        extent = self.extents.get(str(getattr(sheet, "_worksheet_path", "")).lstrip("/"))
        if extent is None or extent.has_formulas:
            formula_sheet = self._formula_sheet(sheet)
            formula_sheet.reset_dimensions()
            formulas = formula_sheet.iter_rows(min_row=1, max_col=width, values_only=True)
        else:
            formulas = itertools.repeat(None)
        kept = 0
        try:
            for number, (row, formula_row) in enumerate(zip(values, formulas, strict=False), 1):
                if number > EXCEL_MAX_ROW:
                    raise too_many_rows(limits)
                if formula_row and formula_row.count(None) == len(formula_row):
                    formula_row = None
                if not row or (row.count(None) == len(row) and not formula_row):
                    continue  # an empty row (the same tuple for every missing row: nothing built)
                row = list(row)
                if formula_row:
                    for index, value in enumerate(row):
                        if value is None and index < len(formula_row):
                            row[index] = _formula_text(formula_row[index])
                if len(row) > limits.max_columns and row[limits.max_columns] not in (None, ""):
                    raise too_many_columns(limits, number)
                while row and (row[-1] is None or row[-1] == ""):
                    row.pop()
                if not row:
                    continue
                for index, value in enumerate(row, 1):
                    if isinstance(value, str) and len(value) > limits.max_cell_chars:
                        raise cell_too_long(limits, number, index)
                kept += 1
                if kept > limits.max_rows:
                    raise too_many_rows(limits)
                yield number, row
        except SpreadsheetRefused:
            raise
        except Exception as error:  # a broken XML part met while streaming
            raise _unreadable() from error


# --- .csv ----------------------------------------------------------------------------------------------------


def text_decode(content: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252, else Latin-1 (which never fails)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def csv_rows(text: str, *, delimiter: str, limits: Limits = LIMITS) -> Iterator[tuple[int, list[str]]]:
    """(record number, fields) of the non-empty records, trailing empty fields dropped; caps enforced.

    csv.field_size_limit is left alone (it is global to the process, shared by every thread); a field longer
    than its default (131,072) is refused as a cell too long, and shorter ones are checked against the limit here.
    """
    wide = 10 * limits.max_columns  # a physical line with more delimiters than this cannot be a sane record

    def lines():
        for number, line in enumerate(io.StringIO(text, newline=""), 1):
            if line.count(delimiter) > wide:
                raise too_many_columns(limits, number)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    kept = 0
    number = 0
    try:
        for number, record in enumerate(reader, 1):
            if number > limits.max_blank_rows:
                raise too_many_rows(limits)
            while record and not record[-1].strip():
                record.pop()
            if not record:
                continue
            if len(record) > limits.max_columns:
                raise too_many_columns(limits, number)
            for index, value in enumerate(record, 1):
                if len(value) > limits.max_cell_chars:
                    raise cell_too_long(limits, number, index)
            kept += 1
            if kept > limits.max_rows:
                raise too_many_rows(limits)
            yield number, record
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise cell_too_long(limits, number + 1, 1) from error
        raise SpreadsheetRefused(
            _("Ce fichier CSV est illisible (%(detail)s) : enregistrez-le à nouveau en CSV depuis votre tableur.")
            % {"detail": str(error)}
        ) from error

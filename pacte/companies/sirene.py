"""INSEE's SIRENE register: the definitions, in one place; the streamed reader; the idempotent import; the figures.

Definitions (the README repeats them; tests/test_companies_definitions.py checks each edge):

- **industrial**: the establishment's main activity (`activitePrincipaleEtablissement`) is in NAF section C,
  divisions 10 to 33 (33 is industrial, 34 does not exist in NAF rév. 2 and 35 is energy, section D). Only codes of
  the current nomenclature (`nomenclatureActivitePrincipaleEtablissement` = "NAFRev2") are classified: establishments
  still coded in an older nomenclature (NAFRev1, NAF1993, NAP — almost all closed before 2008) are never counted as
  industrial, because their division numbers mean other activities.
- **employer**: `caractereEmployeurEtablissement` = "O".
- **active**: `etatAdministratifEtablissement` = "A" (and present in the latest stock imported: an establishment
  missing from a newer stock is marked closed).
- **size class**: the legal unit's `categorieEntreprise` (PME, ETI, GE); a **micro**-enterprise is a PME whose
  `trancheEffectifsUniteLegale` is NN, 00, 01, 02 or 03 (under 10 employees; an empty band is read as NN, "no
  headcount known"). "PME" in the figures means **PME that are not micro**, so micro + PME + ETI + GE = 100 %
  (± rounding). A unit without a category (INSEE computes it once a year; recent units have none) or missing from
  the legal units file is "unknown": counted apart, left out of the percentages.
- **diffusion**: `statutDiffusionEtablissement` / `statutDiffusionUniteLegale` "P" (partially diffusible) or "N"
  (not diffusible): counted in every figure, never named (names are not even stored).

The key figures are those of the active, employer, industrial establishments of the perimeter.
"""

import datetime
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Establishment, ImportStatus, LegalUnit, SireneImport, SizeClass

# --- the definitions ------------------------------------------------------------------------------------------

INDUSTRIAL_DIVISIONS = frozenset(f"{d:02d}" for d in range(10, 34))  # NAF rév. 2, section C
CURRENT_NOMENCLATURE = "NAFRev2"
MICRO_BANDS = frozenset({"NN", "00", "01", "02", "03", ""})
NOT_DIFFUSIBLE = frozenset({"P", "N"})
CATEGORIES = {"PME": SizeClass.PME, "ETI": SizeClass.ETI, "GE": SizeClass.GE}
SIZE_KEYS = ("micro", "pme", "eti", "ge")  # the keys of the figures, in the source's order


def naf_division(code: str | None, nomenclature: str | None) -> str:
    """The 2-digit division of a NAF rév. 2 code ("25.62A" → "25"); '' for another nomenclature or no code."""
    code = (code or "").strip()
    if (nomenclature or "").strip() != CURRENT_NOMENCLATURE or len(code) < 2 or not code[:2].isdigit():
        return ""
    return code[:2]


def is_industrial(code: str | None, nomenclature: str | None) -> bool:
    return naf_division(code, nomenclature) in INDUSTRIAL_DIVISIONS


def is_employer(value: str | None) -> bool:
    return (value or "").strip() == "O"


def is_active(value: str | None) -> bool:
    return (value or "").strip() == "A"


def is_diffusible(value: str | None) -> bool:
    """Missing status (an extract without the column): diffusible, as INSEE's public files are by default."""
    return (value or "").strip() not in NOT_DIFFUSIBLE


def size_class(category: str | None, headcount_band: str | None) -> str:
    """The size class of a legal unit: micro, pme (not micro), eti, ge, or '' (unknown)."""
    size = CATEGORIES.get((category or "").strip(), SizeClass.UNKNOWN)
    if size == SizeClass.PME and (headcount_band or "").strip() in MICRO_BANDS:
        return SizeClass.MICRO
    return str(size)


def unit_name(row: dict) -> str:
    """The legal unit's name: its denomination, or for a person their first and last names; '' if not diffusible."""
    if not is_diffusible(row.get("statutDiffusionUniteLegale")):
        return ""
    name = _clean(row.get("denominationUniteLegale"))
    if name:
        return name
    first = _clean(row.get("prenomUsuelUniteLegale")) or _clean(row.get("prenom1UniteLegale"))
    last = _clean(row.get("nomUsageUniteLegale")) or _clean(row.get("nomUniteLegale"))
    return " ".join(part for part in (first, last) if part)


def _clean(value) -> str:
    value = " ".join(str(value or "").split())
    return "" if value == "[ND]" else value  # INSEE writes [ND] in the hidden fields of a partly diffusible row


def shares(counts: dict) -> dict:
    """Percentages (one decimal) of each size class among the classified ones; unknown sizes are left out."""
    known = sum(counts.get(key, 0) for key in SIZE_KEYS)
    return {key: round(100 * counts.get(key, 0) / known, 1) if known else 0.0 for key in SIZE_KEYS}


# --- the columns ---------------------------------------------------------------------------------------------

ESTABLISHMENT_COLUMNS = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "codeCommuneEtablissement",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
)
ESTABLISHMENT_REQUIRED = ("siret", "codeCommuneEtablissement", "activitePrincipaleEtablissement")
UNIT_COLUMNS = (
    "siren",
    "statutDiffusionUniteLegale",
    "etatAdministratifUniteLegale",
    "denominationUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "prenom1UniteLegale",
    "prenomUsuelUniteLegale",
    "categorieEntreprise",
    "trancheEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
)
UNIT_REQUIRED = ("siren", "categorieEntreprise")

# SIRENE locates establishments of Paris, Lyon and Marseille in their municipal arrondissements.
ARRONDISSEMENTS = {
    "75056": [f"751{n:02d}" for n in range(1, 21)],
    "69123": [f"6938{n}" for n in range(1, 10)],
    "13055": [f"132{n:02d}" for n in range(1, 17)],
}


# --- reading the files, streamed -----------------------------------------------------------------------------

GiB = 1024**3
MiB = 1024**2


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int | None = None  # the file as given (the upload page caps it; the command does not)
    max_uncompressed: int = 40 * GiB  # a zip member, as declared (the national stock: about 8 GB)
    max_ratio: int = 100  # uncompressed / compressed (INSEE's zipped CSV: about 5)
    batch_rows: int = 131_072
    csv_block: int = 4 * 1024 * 1024  # bytes of CSV per batch (16 MB: no faster, 100 MB more memory)


COMMAND_LIMITS = ReadLimits()
UPLOAD_LIMITS = ReadLimits(max_bytes=50 * MiB, max_uncompressed=2 * GiB)


class SireneRefused(ValueError):
    """The file is refused; the message is French and says why."""


class _Counting(io.RawIOBase):
    """A read-only stream that counts the bytes read (the progress of a file of known size)."""

    def __init__(self, stream):
        self.stream, self.count = stream, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)

    def close(self):
        self.stream.close()
        super().close()


@dataclass
class Source:
    """An opened file: its batches of string columns, and how far the reading is (bytes or rows)."""

    kind: str  # csv, zip, parquet
    total: int  # bytes (csv, zip) or rows (parquet)
    batches: Iterator[pa.RecordBatch]
    position: Callable[[], int]


def _zip_member(path: str, limits: ReadLimits) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    """The CSV member of a zipped CSV, once the archive passes the checks (nothing is decompressed for them)."""
    try:
        archive = zipfile.ZipFile(path)
        entries = [e for e in archive.infolist() if not e.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise SireneRefused(_("L'archive zip est illisible.")) from error
    members = [e for e in entries if e.filename.lower().endswith(".csv")]
    if len(members) != 1 or len(entries) > 3:
        raise SireneRefused(_("L'archive zip doit contenir un seul fichier CSV (le stock tel que publié par l'Insee)."))
    member = members[0]
    if member.flag_bits & 0x1 or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise SireneRefused(_("L'archive zip est chiffrée ou compressée d'une manière non prise en charge."))
    if member.file_size > limits.max_uncompressed:
        raise SireneRefused(
            _("Le fichier décompressé dépasserait %(n)s Mo : déposez un extrait plus petit.")
            % {"n": f"{limits.max_uncompressed // MiB:,}".replace(",", "\u00a0")}
        )
    if member.file_size > MiB and member.file_size > limits.max_ratio * max(member.compress_size, 1):
        raise SireneRefused(
            _("L'archive est anormalement compressée (%(ratio)s fois sa taille) : elle n'est pas lue.")
            % {"ratio": f"{member.file_size // max(member.compress_size, 1):,}".replace(",", "\u00a0")}
        )
    return archive, member


def _header(stream) -> tuple[list[str], str]:
    line = stream.readline(64 * 1024).decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    delimiter = ";" if line.count(";") > line.count(",") else ","
    return [name.strip().strip('"') for name in line.split(delimiter)], delimiter


def _missing(names, required) -> list[str]:
    return [name for name in required if name not in names]


def _refuse_missing(missing: list[str]) -> None:
    if missing:
        raise SireneRefused(
            _("Colonnes Insee absentes du fichier : %(columns)s. Déposez le fichier tel que publié par l'Insee.")
            % {"columns": ", ".join(missing)}
        )


def _csv_batches(stream, names: list[str], delimiter: str, columns, limits: ReadLimits):
    wanted = [c for c in columns if c in names]
    reader = pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(block_size=limits.csv_block, use_threads=True),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            include_columns=wanted,
            column_types={c: pa.string() for c in wanted},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    yield from reader


def _parquet_batches(parquet: pq.ParquetFile, columns, limits: ReadLimits, counter: list):
    names = parquet.schema_arrow.names
    wanted = [c for c in columns if c in names]
    for batch in parquet.iter_batches(columns=wanted, batch_size=limits.batch_rows):
        counter[0] += batch.num_rows
        arrays = [batch.column(name) for name in wanted]
        arrays = [a if pa.types.is_string(a.type) else _as_string(a) for a in arrays]
        yield pa.RecordBatch.from_arrays(arrays, names=wanted)


def _as_string(array: pa.Array) -> pa.Array:
    if pa.types.is_boolean(array.type):
        return pc.if_else(array, "true", "false")
    if pa.types.is_timestamp(array.type):
        return pc.strftime(array, format="%Y-%m-%dT%H:%M:%S")
    return pc.cast(array, pa.string())


def open_source(path: str, columns, required, *, limits: ReadLimits = COMMAND_LIMITS) -> Source:
    """Open a CSV (UTF-8, INSEE's header), a zipped CSV or a Parquet file; refuse it early if it cannot be read."""
    size = os.path.getsize(path)
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise SireneRefused(
            _("Le fichier dépasse %(n)s Mo : déposez l'extrait d'un département, compressé en zip.")
            % {"n": limits.max_bytes // MiB}
        )
    with open(path, "rb") as probe:
        head = probe.read(4)
    if head == b"PAR1":
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as error:
            raise SireneRefused(_("Le fichier Parquet est illisible.")) from error
        _refuse_missing(_missing(parquet.schema_arrow.names, required))
        counter = [0]
        return Source(
            "parquet",
            parquet.metadata.num_rows,
            _parquet_batches(parquet, columns, limits, counter),
            lambda: counter[0],
        )
    if head == b"PK\x03\x04":
        archive, member = _zip_member(path, limits)
        with archive.open(member) as first:
            names, delimiter = _header(first)
        _refuse_missing(_missing(names, required))
        stream = _Counting(archive.open(member))
        return Source(
            "zip", member.file_size, _csv_batches(stream, names, delimiter, columns, limits), lambda: stream.count
        )
    with open(path, "rb") as first:
        names, delimiter = _header(first)
    _refuse_missing(_missing(names, required))
    stream = _Counting(open(path, "rb"))  # noqa: SIM115 (closed with the reader)
    return Source("csv", size, _csv_batches(stream, names, delimiter, columns, limits), lambda: stream.count)


def _rows(batch: pa.RecordBatch, columns) -> list[dict]:
    present = set(batch.schema.names)
    data = {name: batch.column(name).to_pylist() if name in present else None for name in columns}
    return [
        {name: (values[i] if values is not None else None) for name, values in data.items()}
        for i in range(batch.num_rows)
    ]


@dataclass
class Progress:
    """What a progress bar shows; `report` is called after each batch."""

    rows_read: int = 0
    rows_kept: int = 0
    done: int = 0  # bytes or rows, of `total`
    total: int = 0
    step: str = "establishments"


@dataclass
class ReadResult:
    rows: list[dict]
    rows_read: int
    departments: set[str] = field(default_factory=set)  # départements present in the file (see `_closing_scope`)
    last_processed: str = ""  # the latest dateDernierTraitement… seen: the stock's date


def _department(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def read_establishments(path: str, communes: set[str], *, limits=COMMAND_LIMITS, report=None) -> ReadResult:
    """The establishments located in `communes`, streamed (a batch at a time: memory follows the batch size)."""
    source = open_source(path, ESTABLISHMENT_COLUMNS, ESTABLISHMENT_REQUIRED, limits=limits)
    value_set = pa.array(sorted(communes), pa.string())
    result, progress = ReadResult(rows=[], rows_read=0), Progress(total=source.total)
    prefixes: set[str] = set()
    try:
        for batch in source.batches:
            codes = batch.column("codeCommuneEtablissement")
            prefixes.update(p for p in pc.unique(pc.utf8_slice_codeunits(codes, 0, 3)).to_pylist() if p)
            kept = batch.filter(pc.is_in(codes, value_set=value_set))
            result.rows_read += batch.num_rows
            if kept.num_rows:
                result.rows.extend(_rows(kept, ESTABLISHMENT_COLUMNS))
                if "dateDernierTraitementEtablissement" in kept.schema.names:
                    latest = pc.max(kept.column("dateDernierTraitementEtablissement")).as_py() or ""
                    result.last_processed = max(result.last_processed, latest)
            if report is not None:
                progress.rows_read, progress.rows_kept, progress.done = (
                    result.rows_read,
                    len(result.rows),
                    source.position(),
                )
                report(progress)
    except pa.ArrowInvalid as error:
        raise SireneRefused(
            _("Le fichier est illisible à la ligne %(n)s environ : %(error)s")
            % {"n": result.rows_read + 1, "error": str(error)[:200]}
        ) from error
    result.departments = {_department(p) for p in prefixes}
    return result


def read_units(path: str, sirens: set[str], *, limits=COMMAND_LIMITS, report=None) -> ReadResult:
    """The legal units of `sirens` (those of the perimeter's establishments), streamed."""
    source = open_source(path, UNIT_COLUMNS, UNIT_REQUIRED, limits=limits)
    value_set = pa.array(sorted(sirens), pa.string())
    result, progress = ReadResult(rows=[], rows_read=0), Progress(total=source.total, step="units")
    try:
        for batch in source.batches:
            kept = batch.filter(pc.is_in(batch.column("siren"), value_set=value_set))
            result.rows_read += batch.num_rows
            if kept.num_rows:
                result.rows.extend(_rows(kept, UNIT_COLUMNS))
            if report is not None:
                progress.rows_read, progress.rows_kept, progress.done = (
                    result.rows_read,
                    len(result.rows),
                    source.position(),
                )
                report(progress)
    except pa.ArrowInvalid as error:
        raise SireneRefused(
            _("Le fichier des unités légales est illisible à la ligne %(n)s environ : %(error)s")
            % {"n": result.rows_read + 1, "error": str(error)[:200]}
        ) from error
    return result


# --- the import ----------------------------------------------------------------------------------------------


def territory_communes(territory) -> dict[str, str]:
    """Commune codes as SIRENE writes them (arrondissements included) → the territory's commune code."""
    from pacte.territories.models import Commune

    codes = Commune.objects.filter(intercommunality__territories=territory).values_list("insee_code", flat=True)
    mapping = {}
    for code in codes:
        mapping[code] = code
        for arrondissement in ARRONDISSEMENTS.get(code, ()):
            mapping[arrondissement] = code
    return mapping


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _flag(value) -> bool:
    return str(value or "").strip().lower() in {"true", "1", "o", "oui"}


ESTABLISHMENT_FIELDS = (
    "siren",
    "nic",
    "commune_code",
    "naf_code",
    "naf_nomenclature",
    "naf_division",
    "industrial",
    "employer",
    "headcount_band",
    "active",
    "sign_name",
    "usual_name",
    "head_office",
    "created_on",
    "diffusible",
)
UNIT_FIELDS = ("name", "category", "headcount_band", "active", "diffusible")


def establishment_values(row: dict, commune_code: str) -> dict:
    """The stored fields of an establishment row (the definitions applied; no name when not diffusible)."""
    diffusible = is_diffusible(row.get("statutDiffusionEtablissement"))
    code = _clean(row.get("activitePrincipaleEtablissement"))
    nomenclature = _clean(row.get("nomenclatureActivitePrincipaleEtablissement")) or (
        CURRENT_NOMENCLATURE if code else ""
    )
    siret = _clean(row.get("siret"))
    return {
        "siren": _clean(row.get("siren")) or siret[:9],
        "nic": _clean(row.get("nic")) or siret[9:],
        "commune_code": commune_code,
        "naf_code": code[:10],
        "naf_nomenclature": nomenclature[:10],
        "naf_division": naf_division(code, nomenclature),
        "industrial": is_industrial(code, nomenclature),
        "employer": is_employer(row.get("caractereEmployeurEtablissement")),
        "headcount_band": _clean(row.get("trancheEffectifsEtablissement"))[:2],
        "active": is_active(row.get("etatAdministratifEtablissement")),
        "sign_name": _clean(row.get("enseigne1Etablissement"))[:300] if diffusible else "",
        "usual_name": _clean(row.get("denominationUsuelleEtablissement"))[:300] if diffusible else "",
        "head_office": _flag(row.get("etablissementSiege")),
        "created_on": _date(row.get("dateCreationEtablissement")),
        "diffusible": diffusible,
    }


def unit_values(row: dict) -> dict:
    return {
        "name": unit_name(row)[:300],
        "category": _clean(row.get("categorieEntreprise"))[:3],
        "headcount_band": _clean(row.get("trancheEffectifsUniteLegale"))[:2],
        "active": (_clean(row.get("etatAdministratifUniteLegale")) or "A") == "A",
        "diffusible": is_diffusible(row.get("statutDiffusionUniteLegale")),
    }


@dataclass
class ImportResult:
    territory: str
    stock_month: str
    rows_read: int = 0
    rows_kept: int = 0
    units_read: int = 0
    units_kept: int = 0
    created: int = 0
    updated: int = 0
    closed: int = 0
    figures: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            **self.figures,
            "created": self.created,
            "updated": self.updated,
            "closed": self.closed,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "units_kept": self.units_kept,
        }


def latest_stock_month(territory) -> str:
    return Establishment.objects.for_territory(territory).aggregate(m=Max("stock_month"))["m"] or ""


def _stock_month(given: str | None, read: ReadResult) -> str:
    if given:
        try:
            datetime.datetime.strptime(given, "%Y-%m")
        except ValueError as error:
            raise SireneRefused(_("Le mois du stock s'écrit AAAA-MM (par exemple 2024-11).")) from error
        return given
    if read.last_processed[:7] and read.last_processed[4:5] == "-":
        return read.last_processed[:7]
    return timezone.localdate().strftime("%Y-%m")


@transaction.atomic
def _write(territory, *, month: str, establishments: list[dict], units: list[dict] | None, covered: set[str], result):
    # Legal units first: the establishments take their size class from them.
    existing_units = {u.siren: u for u in LegalUnit.objects.filter(territory=territory)}
    new_units, changed_units = [], []
    for row in units or ():
        siren = _clean(row.get("siren"))
        if not siren:
            continue
        values = unit_values(row)
        unit = existing_units.get(siren)
        if unit is None:
            unit = LegalUnit(territory=territory, siren=siren, stock_month=month, **values)
            existing_units[siren] = unit
            new_units.append(unit)
        elif any(getattr(unit, k) != v for k, v in values.items()) or unit.stock_month != month:
            for k, v in values.items():
                setattr(unit, k, v)
            unit.stock_month = month
            changed_units.append(unit)
    LegalUnit.objects.bulk_create(new_units, batch_size=1000)
    LegalUnit.objects.bulk_update(changed_units, [*UNIT_FIELDS, "stock_month"], batch_size=1000)
    result.units_kept = len(units or ())

    existing = {e.siret: e for e in Establishment.objects.filter(territory=territory)}
    was_active = {siret for siret, e in existing.items() if e.active}
    seen, new, changed = set(), [], []
    for row, commune in establishments:
        siret = _clean(row.get("siret"))
        if len(siret) != 14 or siret in seen:
            continue
        seen.add(siret)
        values = establishment_values(row, commune)
        unit = existing_units.get(values["siren"])
        values["legal_unit_id"] = unit.pk if unit is not None else None
        values["size_class"] = size_class(unit.category, unit.headcount_band) if unit is not None else ""
        establishment = existing.get(siret)
        if establishment is None:
            new.append(Establishment(territory=territory, siret=siret, stock_month=month, **values))
            continue
        if any(getattr(establishment, k) != v for k, v in values.items()):
            result.updated += 1
        elif establishment.stock_month == month:
            continue
        for k, v in values.items():
            setattr(establishment, k, v)
        establishment.stock_month = month
        changed.append(establishment)
    Establishment.objects.bulk_create(new, batch_size=1000)
    Establishment.objects.bulk_update(
        changed, [*ESTABLISHMENT_FIELDS, "legal_unit_id", "size_class", "stock_month"], batch_size=1000
    )
    result.created = len(new)
    # Absent from this stock, in a commune this file covers: closed (or gone), whatever the stock said before.
    vanished = [
        e.pk
        for siret, e in existing.items()
        if siret not in seen and e.active and _department(e.commune_code) in covered
    ]
    for start in range(0, len(vanished), 1000):
        Establishment.objects.filter(pk__in=vanished[start : start + 1000]).update(active=False)
    # Closed: active before, and now either absent from the stock or said closed by it.
    result.closed = len(vanished) + sum(1 for e in changed if not e.active and e.siret in was_active)
    return result


def sirene_import(
    *,
    territory,
    establishments_path: str,
    units_path: str | None = None,
    stock_month: str | None = None,
    limits: ReadLimits = COMMAND_LIMITS,
    report: Callable[[Progress], None] | None = None,
    record: SireneImport | None = None,
) -> ImportResult:
    """Import a stock (or an extract) into the territory: idempotent, a newer stock updates and closes.

    Raises SireneRefused (nothing written) if a file cannot be read or if a newer stock was already imported.
    """
    communes = territory_communes(territory)
    if not communes:
        raise SireneRefused(_("Le territoire n'a aucune commune : son périmètre doit être défini avant l'import."))
    read = read_establishments(establishments_path, set(communes), limits=limits, report=report)
    month = _stock_month(stock_month, read)
    latest = latest_stock_month(territory)
    if latest and month < latest:
        raise SireneRefused(
            _("Un stock plus récent (%(latest)s) est déjà importé : ce fichier (%(month)s) n'est pas appliqué.")
            % {"latest": latest, "month": month}
        )
    result = ImportResult(territory=territory.slug, stock_month=month, rows_read=read.rows_read)
    result.rows_kept = len(read.rows)
    units = None
    if units_path:
        sirens = {_clean(r.get("siren")) or _clean(r.get("siret"))[:9] for r in read.rows}
        units_read = read_units(units_path, sirens, limits=limits, report=report)
        units, result.units_read = units_read.rows, units_read.rows_read
    if record is not None:
        SireneImport.objects.filter(pk=record.pk).update(
            rows_read=result.rows_read, rows_kept=result.rows_kept, stock_month=month
        )
    rows = [(row, communes[row["codeCommuneEtablissement"]]) for row in read.rows]
    _write(territory, month=month, establishments=rows, units=units, covered=read.departments, result=result)
    result.figures = key_figures(territory=territory)
    if record is not None:
        SireneImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.DONE,
            units_kept=result.units_kept,
            created=result.created,
            updated=result.updated,
            closed=result.closed,
            finished_at=timezone.now(),
        )
    return result


# --- the key figures -----------------------------------------------------------------------------------------


def key_figures(*, territory) -> dict:
    """The perimeter's figures (2 queries): establishments, industrial employers, their shares by size, the stock."""
    totals = Establishment.objects.for_territory(territory).aggregate(
        establishments=Count("pk", filter=Q(active=True)), month=Max("stock_month")
    )
    by_size = dict(
        Establishment.objects.for_territory(territory)
        .industrial_employers()
        .order_by()
        .values_list("size_class")
        .annotate(n=Count("pk"))
        .values_list("size_class", "n")
    )
    return {
        "territory": territory.slug,
        "establishments": totals["establishments"],
        "industrial_employer_establishments": sum(by_size.values()),
        "size_classes": shares(by_size),
        "size_unknown": by_size.get("", 0),
        "source_date": totals["month"] or "",
    }


NATIONAL_MIN_TERRITORIES = 10


def national_shares() -> tuple[dict | None, int]:
    """Shares by size over every territory with an imported register, pooled (None under 10 territories)."""
    territories = (
        Establishment.objects.order_by().values("territory_id").distinct().count()
    )  # territories with a register
    if territories < NATIONAL_MIN_TERRITORIES:
        return None, territories
    by_size = dict(
        Establishment.objects.industrial_employers()
        .order_by()
        .values_list("size_class")
        .annotate(n=Count("pk"))
        .values_list("size_class", "n")
    )
    return shares(by_size), territories

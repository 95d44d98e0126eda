"""Reading CSV, JSONL and JSON files for the ingest command, with the fatal checks done up front.

Exports come from systems we do not control, so the reader takes them as they are and says
what it found: the encoding (UTF-8 with or without a byte order mark, UTF-16, else
Windows-1252), the CSV delimiter (comma, semicolon, tab or bar, from the header line or Excel's
"sep=" line), column names that differ from the canonical ones only in case, spaces, hyphens or
dots, nested JSON objects (as dotted names), the spellings exports use for an empty value
(NULL, N/A, ...), which are read as empty, and whether the file writes decimals with a comma.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from mdm.ingest.schema import ENTITY_FIELDS, NUMBER_FORMAT, allowed_columns, number_format_mark
from mdm.normalization import AmbiguousNumber, decimal_convention, parse_decimal_text


class FileRejected(Exception):
    """The file cannot be ingested at all; nothing was written."""


AUTO = "auto"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
DELIMITER_NAMES = {**{name: d for d, name in DELIMITERS.items()}, **{d: d for d in DELIMITERS}, "\\t": "\t"}
# How exports spell an empty value; compared ignoring case and surrounding spaces.
NULL_VALUES = ("NULL", "N/A", "#N/A", "(null)", "None", "nil", "-")
_CHUNK = 1 << 20
LINES_ABOVE_HEADER = 10
# A long description must not stop a file (the csv module's default limit is 128 KiB): the
# record is read and its field is refused as too long, like any other.
csv.field_size_limit(1 << 30)
_SEPARATORS = re.compile(r"[\s\-.]+")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+\.0+")


@dataclass
class FilePlan:
    path: Path
    fmt: str
    mapping: dict[str, str]
    columns: list[str]  # "" for a nameless column left out
    rows: int
    preamble: int = 0  # lines before the header (Excel's "sep=;")
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    null_values: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()  # columns (JSON: keys) left out with --ignore
    whole_numbers: frozenset[str] = frozenset()  # fields whose every value was written as "1001.0"
    sheet: str | None = None  # of a workbook; None: its first
    sheet_text: str | None = field(default=None, repr=False)  # the sheet as CSV, read once
    decimal_comma: bool | None = None  # how the file writes decimals, when its numbers show it
    decimal_fields: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)  # what was detected, for the user


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise FileRejected(f"--map {pair!r} is not SOURCE_COLUMN=FIELD")
        mapping[source.strip()] = target.strip()
    return mapping


def parse_ignored(values: list[str]) -> frozenset[str]:
    """--ignore "Payment Terms" --ignore "Created By,Currency" -> the column names."""
    return frozenset(name.strip() for value in values for name in value.split(",") if name.strip())


def _ignored_columns(columns: list[str], ignore: frozenset[str], notes: list[str]) -> frozenset[str]:
    """The columns --ignore names: by name, ignoring case, spacing and separators, or (JSON) a nested object
    by its name ("meta" leaves out "meta.created"). Names that match no column are noted."""
    wanted = {_squeezed(name): name for name in ignore}
    left_out: set[str] = set()
    used: set[str] = set()
    for column in columns:
        parts = column.split(".")
        names = {_squeezed(".".join(parts[:n])) for n in range(1, len(parts) + 1)} & wanted.keys()
        if names:
            left_out.add(column)
            used |= names
    if left_out:
        notes.append(f"left out {len(left_out)} column(s) as asked: {', '.join(sorted(left_out))}")
    unused = sorted(wanted[w] for w in wanted.keys() - used)
    if unused:
        notes.append(f"--ignore named no column of the file: {', '.join(unused)}")
    return frozenset(left_out)


def parse_null_values(text: str | None) -> frozenset[str]:
    """--null-values "NULL,N/A" -> the tokens, lower-cased; "" turns the rule off."""
    tokens = NULL_VALUES if text is None else text.split(",")
    return frozenset(t.strip().lower() for t in tokens if t.strip())


FORMATS = ("csv", "jsonl", "json", "workbook")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"
    return "jsonl" if suffix in (".jsonl", ".ndjson") else "json" if suffix == ".json" else "csv"


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV export of it would hold. Workbooks keep every number
    as a float: whole ones are written without a fraction, others in their shortest exact form."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _workbook_as_csv(path: Path, sheet: str | None, notes: list[str] | None = None) -> io.StringIO:
    """One sheet of a workbook (the first, unless named) as CSV text, for the CSV reader. Read
    with calamine: Excel (.xlsx, .xlsm, .xlsb, .xls) and OpenDocument (.ods); formulas give the
    values last computed."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error, or OSError, for a file that is no workbook
        raise FileRejected(f"cannot read {path} as a workbook (Excel or OpenDocument): {exc}") from exc
    names = workbook.sheet_names
    if not names:
        raise FileRejected(f"{path} has no sheet")
    if sheet is not None and sheet not in names:
        raise FileRejected(f"{path} has no sheet {sheet!r}; its sheets: {', '.join(names)}")
    if notes is not None and sheet is None and len(names) > 1:
        notes.append(f"read the first of {len(names)} sheets, {names[0]!r} (--sheet NAME reads another)")
    try:
        rows = workbook.get_sheet_by_name(sheet if sheet is not None else names[0]).iter_rows()
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        for row in rows:
            writer.writerow([_cell_text(value) for value in row])
    except Exception as exc:
        raise FileRejected(f"cannot read {path} as a workbook (Excel or OpenDocument): {exc}") from exc
    text.seek(0)
    return text


def _open_text(path: Path, fmt: str, encoding: str, sheet: str | None, notes: list[str] | None = None) -> Any:
    """The file as text: as it is, or a workbook's sheet as CSV."""
    if fmt == "workbook":
        return _workbook_as_csv(path, sheet, notes)
    return path.open(encoding=encoding, newline="")


def _open_planned(file_plan: FilePlan) -> Any:
    if file_plan.sheet_text is not None:  # parsing a workbook is slow: the plan's copy is read again
        return io.StringIO(file_plan.sheet_text)
    return _open_text(file_plan.path, file_plan.fmt, file_plan.encoding, file_plan.sheet)


def _flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"address": {"city": "Boston"}} -> {"address.city": "Boston"}: nested objects of JSON
    exports become dotted names, which --map can rename (address.city=city)."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _json_objects(handle: Any, fmt: str, path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSONL file (one object a line) or a JSON file (an array of objects, or
    an object holding one such array, as in {"data": [...]}), flattened; a line or item that is
    no object comes as {"_line": ..., "_error": ...} to be quarantined."""
    if fmt == "jsonl":
        for line in handle:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield {"_line": line.rstrip("\n")[:2000], "_error": f"line is not valid JSON: {exc.msg}"}
                continue
            if not isinstance(obj, dict):
                yield {"_line": line.rstrip("\n")[:2000], "_error": "a line must be a JSON object"}
                continue
            yield _flatten(obj)
        return
    try:
        document = json.load(handle)
    except json.JSONDecodeError as exc:
        raise FileRejected(f"{path} is not valid JSON: {exc.msg} on line {exc.lineno}") from exc
    if isinstance(document, dict):
        arrays = [value for value in document.values() if isinstance(value, list)]
        document = arrays[0] if len(arrays) == 1 else None
    if not isinstance(document, list):
        raise FileRejected(f"{path} holds no array of records: a JSON file needs [{{...}}, ...] "
                           "or an object with one such array")
    for position, item in enumerate(document):
        if isinstance(item, dict):
            yield _flatten(item)
        else:
            yield {"_line": f"item {position}: {json.dumps(item)[:2000]}", "_error": "an item must be a JSON object"}


def _undecodable(path: Path, encoding: str) -> str:
    """Where a file stops being `encoding` ("byte 0xfc on line 2, offset 21"); "" when it is."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        offset = lines = 0
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
                lines += chunk.count(b"\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if exc.start >= len(exc.object):
                return f"the file ends inside a character ({exc.reason})"
            line = lines + exc.object[:exc.start].count(b"\n") + 1
            return f"byte {exc.object[exc.start]:#04x} on line {line}, offset {offset + exc.start}"
    return ""


def detect_encoding(path: Path, requested: str | None) -> tuple[str, str]:
    """(codec, note) of a file: the requested codec, else what its bytes say."""
    if requested and requested != AUTO:
        try:
            codec = codecs.lookup(requested).name
        except LookupError as exc:
            raise FileRejected(f"unknown encoding {requested!r} (try utf-8, cp1252, latin-1 or utf-16)") from exc
        if where := _undecodable(path, codec):
            raise FileRejected(f"cannot read {path} as {requested}: {where} is not {requested}")
        return codec, ""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if where := _undecodable(path, "utf-16"):
            raise FileRejected(f"cannot read {path}: it starts as UTF-16 but is not: {where}")
        return "utf-16", "decoded as UTF-16 (byte order mark)"
    if head.startswith(b"PK\x03\x04"):
        raise FileRejected(f"cannot read {path}: it is a ZIP archive (an Excel workbook?); save it as CSV")
    if head.count(b"\x00") > len(head) // 4:
        # Text in UTF-16 without a byte order mark has a NUL beside (nearly) every character.
        for codec, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
            if zeros.count(0) >= 0.9 * len(zeros) and not _undecodable(path, codec):
                return codec, f"decoded as {codec.upper()} (no byte order mark)"
        raise FileRejected(f"cannot read {path}: it is mostly NUL bytes, so it is binary, not text")
    where = _undecodable(path, "utf-8-sig")
    if not where:
        return "utf-8-sig", ""
    fallback = "cp1252" if not _undecodable(path, "cp1252") else "latin-1"
    name = {"cp1252": "Windows-1252", "latin-1": "Latin-1"}[fallback]
    return fallback, f"not UTF-8 ({where}): decoded as {name}; pass --encoding if that is wrong"


def detect_delimiter(header_line: str, requested: str | None) -> str:
    """The requested delimiter, else the candidate found most often outside quotes in the header."""
    if requested and requested != AUTO:
        if requested not in DELIMITER_NAMES:
            raise FileRejected(f"unknown delimiter {requested!r}; use one of {', '.join(DELIMITERS.values())}")
        return DELIMITER_NAMES[requested]
    outside = "".join(part for n, part in enumerate(header_line.split('"')) if n % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _canonical(column: str) -> str:
    return _SEPARATORS.sub("_", column.strip()).strip("_").lower()


def _squeezed(column: str) -> str:
    return _canonical(column).replace("_", "")


def _field_of(column: str, mapping: dict[str, str], allowed: frozenset[str]) -> str:
    """The field a column names: --map first, then the column itself, then its name ignoring
    case and spacing ("Postal Code", "E-Mail", "PostalCode"); a column naming no field is itself
    (and refused as unknown)."""
    target = mapping.get(column, column)
    if target in allowed or column in mapping:
        return target
    canonical = _canonical(column)
    if canonical in allowed:
        return canonical
    squeezed = _squeezed(column)
    return next((name for name in allowed if name.replace("_", "") == squeezed), target)


def _rename(entity: str, columns: list[str], mapping: dict[str, str], notes: list[str]) -> dict[str, str]:
    """Column -> field (see _field_of); the loosely matched ones are noted for the user."""
    allowed = allowed_columns(entity)
    rename: dict[str, str] = {}
    loose: list[str] = []
    for column in columns:
        target = _field_of(column, mapping, allowed)
        if target != mapping.get(column, column):
            loose.append(f"{column!r} as {target}")
        rename[column] = target
    if loose:
        notes.append(f"columns matched ignoring case and spacing: {', '.join(loose)}")
    return rename


def _check_columns(entity: str, columns: list[str], rename: dict[str, str]) -> list[str]:
    mapped = [rename[c] for c in columns]
    if "source_key" not in mapped:
        raise FileRejected("no source_key column (map one with --map YOUR_ID_COLUMN=source_key)")
    allowed = allowed_columns(entity)
    unknown = [f"{c} (mapped to {m})" if c != m else c for c, m in zip(columns, mapped, strict=True)
               if m not in allowed]
    if unknown:
        raise FileRejected(
            f"unknown column(s) for {entity}: {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))} (map them with --map SOURCE_COLUMN=FIELD, "
            "or leave them out with --ignore COLUMN)"
        )
    duplicated = sorted({m for m in mapped if mapped.count(m) > 1})
    if duplicated:
        raise FileRejected(f"duplicated column(s): {', '.join(duplicated)}")
    return mapped


UNCLOSED_QUOTE = ("a quote opened in this row is never closed; the row was read up to the end of its line, "
                  "and the lines after it as rows of their own")


def _csv_rows(handle: Any, separator: str) -> Iterator[tuple[list[str], tuple[str, str] | None]]:
    """The rows of a CSV file (header first), each with None or (problem, physical line).

    A quote that is opened and never closed makes the csv module read every following line, up
    to the next quote or the end of the file, into one value: one broken row would swallow the
    rows after it. When a row spans several lines, has the wrong number of values, and the lines
    after its first read as a row of the header's width, the row is read again from its first
    line alone, without quoting, and the other lines are read as rows of their own.
    """
    taken: list[str] = []

    def source(lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            taken.append(line)
            yield line

    lines: Iterator[str] = iter(handle)
    width = None
    while True:
        for row in csv.reader(source(lines), delimiter=separator):
            physical = taken[:]
            taken.clear()
            if width is None:
                width = len(row)
            elif len(physical) > 1 and len(row) != width and _reads_as_row(physical[1:], separator, width):
                first = physical[0].rstrip("\r\n")
                yield next(csv.reader([first], delimiter=separator, quoting=csv.QUOTE_NONE)), (UNCLOSED_QUOTE,
                                                                                              first[:2000])
                lines = itertools.chain(physical[1:], lines)
                break
            yield row, None
        else:
            return


def _reads_as_row(lines: list[str], separator: str, width: int) -> bool:
    return len(next(csv.reader(iter(lines), delimiter=separator), ())) == width


def _names_source_key(line: str, separator: str, mapping: dict[str, str], allowed: frozenset[str]) -> bool:
    cells = next(csv.reader([line], delimiter=separator), [])
    return any(_field_of(cell.strip(), mapping, allowed) == "source_key" for cell in cells)


def _is_empty(row: list[str]) -> bool:
    """A blank line, or a row of empty cells (what a spreadsheet leaves where rows were deleted)."""
    return not "".join(row).strip()


class _CsvLayout(NamedTuple):
    separator: str
    columns: list[str]  # the fields, "" for a column left out
    rows: int
    preamble: int
    ignored: frozenset[str]
    whole_numbers: frozenset[str]  # fields written as "1001.0"


class _WholeNumbers:
    """Columns whose every value is a whole number written with a zero fraction ("1001.0"), as
    spreadsheets and dataframes export integer columns that have empty cells. Read without the
    fraction, a key, a postal code or a phone number is what its system meant. A column with
    one value of another form is read as it is."""

    def __init__(self, columns: Iterable[Any]) -> None:
        self.open, self.seen = set(columns), set()

    def see(self, column: Any, value: Any) -> None:
        if isinstance(value, str):
            if not (value := value.strip()):
                return
            if _WHOLE_NUMBER.fullmatch(value):
                self.seen.add(column)
                return
        elif isinstance(value, float) and value.is_integer():
            self.seen.add(column)
            return
        elif value is None or isinstance(value, int):
            return
        self.open.discard(column)

    def found(self) -> set[Any]:
        return self.open & self.seen


def _whole(value: Any) -> Any:
    if isinstance(value, float):
        return int(value)
    return value.strip().split(".", 1)[0] if isinstance(value, str) else value


def _plan_csv(handle: Any, entity: str, path: Path, mapping: dict[str, str], delimiter: str | None,
              ignore: frozenset[str], notes: list[str], numbers_seen: list[str]) -> _CsvLayout:
    """The layout of a CSV file, or FileRejected. The values of its decimal columns are added to
    `numbers_seen`."""
    first = handle.readline()
    preamble, hinted = 0, ""
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        preamble, hinted = 1, first.strip()[4]  # Excel's hint line: the delimiter, then the header
        first = handle.readline()

    def separator_of(line: str) -> str:
        if delimiter in (None, AUTO) and (hinted or path.suffix.lower() in (".tsv", ".tab")):
            return hinted or "\t"
        return detect_delimiter(line, delimiter)

    # A title, an export date or blank lines may stand above the header: the header is the
    # first line naming the source key column, within the first few; else the first line.
    lines, allowed = [first], allowed_columns(entity)
    while (lines[-1] and len(lines) <= LINES_ABOVE_HEADER
           and not _names_source_key(lines[-1], separator_of(lines[-1]), mapping, allowed)):
        lines.append(handle.readline())
    if len(lines) > 1 and lines[-1] and _names_source_key(lines[-1], separator_of(lines[-1]), mapping, allowed):
        above = [line.strip()[:60] for line in lines[:-1] if line.strip()]
        notes.append(f"skipped {len(lines) - 1} line(s) above the header"
                     + (f": {', '.join(map(repr, above))}" if above else ""))
        preamble, first = preamble + len(lines) - 1, lines[-1]
    if not first.strip():
        raise FileRejected(f"{path} is empty: a CSV file needs a header row")
    separator = separator_of(first)
    if separator != ",":
        notes.append(f"columns separated by {DELIMITERS.get(separator, repr(separator))}")
    handle.seek(0)
    for _ in range(preamble):
        handle.readline()
    reader = _csv_rows(handle, separator)
    header = [h.strip() for h in next(reader)[0]]
    ignored = _ignored_columns([h for h in header if h], ignore, notes)
    kept = ["" if h in ignored else h for h in header]  # "" for a column left out
    named = [h for h in kept if h]
    rename = _rename(entity, named, mapping, notes)
    decimals = _decimal_fields(entity)
    decimal_positions = [n for n, h in enumerate(kept) if h and rename[h] in decimals]
    nameless = [n for n, h in enumerate(header) if not h]
    rows = empty = 0
    filled: set[int] = set()
    whole = _WholeNumbers(n for n, h in enumerate(kept) if h and rename[h] not in decimals)
    for row, _problem in reader:
        if _is_empty(row):
            empty += 1
            continue
        rows += 1
        filled.update(n for n in nameless if n < len(row) and row[n].strip())
        numbers_seen.extend(row[n] for n in decimal_positions if n < len(row) and row[n])
        if whole.open:
            for n in [n for n in whole.open if n < len(row)]:
                whole.see(n, row[n])
    if filled:
        positions = ", ".join(str(n + 1) for n in sorted(filled))
        raise FileRejected(f"column(s) {positions} have no name in the header but hold values; name or remove them")
    if nameless:
        notes.append(f"left out {len(nameless)} empty column(s) without a name")
    if empty:
        notes.append(f"skipped {empty} empty row(s)")
    mapped = iter(_check_columns(entity, named, rename))
    columns = [next(mapped) if h else "" for h in kept]
    return _CsvLayout(separator, columns, rows, preamble, ignored, frozenset(columns[n] for n in whole.found()))


def plan(entity: str, path: Path, *, fmt: str | None, mapping: dict[str, str], encoding: str | None = None,
         delimiter: str | None = None, null_values: frozenset[str] | None = None,
         ignore: frozenset[str] = frozenset(), sheet: str | None = None) -> FilePlan:
    fmt = detect_format(path, fmt)
    if fmt not in FORMATS:
        raise FileRejected(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    notes: list[str] = []
    numbers_seen: list[str] = []
    try:
        if fmt == "workbook":
            codec, delimiter = "utf-8", ","
        else:
            codec, note = detect_encoding(path, encoding)
            notes += [note] if note else []
        with _open_text(path, fmt, codec, sheet, notes) as handle:
            sheet_text = handle.getvalue() if fmt == "workbook" else None
            if fmt in ("csv", "workbook"):
                separator, columns, rows, preamble, ignored, whole_numbers = _plan_csv(
                    handle, entity, path, mapping, delimiter, ignore, notes, numbers_seen)
            else:
                separator, preamble = ",", 0
                keys: dict[str, bool] = {}  # key -> whether it names a decimal field
                decimals, allowed = _decimal_fields(entity), allowed_columns(entity)
                whole = _WholeNumbers(())
                rows = 0
                for obj in _json_objects(handle, fmt, path):
                    rows += 1
                    if "_error" in obj:  # a broken line is quarantined when read; not fatal
                        continue
                    for key, value in obj.items():
                        if key not in keys:
                            keys[key] = _field_of(key, mapping, allowed) in decimals
                            if not keys[key]:
                                whole.open.add(key)
                        if keys[key] and isinstance(value, str):
                            numbers_seen.append(value)
                        elif key in whole.open:
                            whole.see(key, value)
                ignored = _ignored_columns(list(keys), ignore, notes)
                columns = [key for key in keys if key not in ignored]
                mapping = _rename(entity, columns, mapping, notes)
                whole_numbers = frozenset(mapping[key] for key in whole.found() if key in mapping)
                if rows:
                    _check_columns(entity, columns, mapping)
    except FileRejected:
        raise
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FileRejected(f"cannot read {path}: {exc}") from exc
    if whole_numbers:
        notes.append(f"whole numbers written with a zero fraction, as spreadsheets export integer columns, read "
                     f"without it ('1001.0' as 1001) in: {', '.join(sorted(whole_numbers))}")
    decimal_comma = decimal_convention(numbers_seen)
    if decimal_comma is not None and any(_depends_on_convention(v, decimal_comma) for v in numbers_seen):
        example = "'1,500' as 1.5" if decimal_comma else "'1,500' as 1500"
        notes.append(f"numbers written with a decimal {'comma' if decimal_comma else 'point'}: {example}")
    return FilePlan(path=path, fmt=fmt, mapping=mapping, columns=columns, rows=rows, preamble=preamble, encoding=codec,
                    delimiter=separator, null_values=parse_null_values(None) if null_values is None else null_values,
                    ignored=ignored, whole_numbers=whole_numbers, sheet=sheet, sheet_text=sheet_text,
                    decimal_comma=decimal_comma, decimal_fields=tuple(_decimal_fields(entity)), notes=notes)


def _decimal_fields(entity: str) -> frozenset[str]:
    return frozenset(spec.name for spec in ENTITY_FIELDS[entity] if spec.kind == "decimal")


def _depends_on_convention(value: Any, decimal_comma: bool) -> bool:
    """Whether a value reads differently, or only, once the file's decimal convention is known."""
    if not isinstance(value, str):
        return False
    try:
        return parse_decimal_text(value) != parse_decimal_text(value, decimal_comma)
    except AmbiguousNumber:
        return True


def _with_number_format(record: dict[str, Any], file_plan: FilePlan) -> dict[str, Any]:
    """The record, marked with the file's decimal convention when one of its numbers needs it,
    with the zero fractions of whole-number columns left out."""
    for name in file_plan.whole_numbers:
        if record.get(name) is not None:
            record[name] = _whole(record[name])
    convention = file_plan.decimal_comma
    if convention is not None and any(_depends_on_convention(record.get(f), convention)
                                      for f in file_plan.decimal_fields):
        record[NUMBER_FORMAT] = number_format_mark(convention)
    return record


def _is_null(value: str, nulls: frozenset[str]) -> bool:
    """An export's spelling of an empty value."""
    return value.strip().lower() in nulls


def read_records(file_plan: FilePlan) -> Iterator[dict[str, Any]]:
    nulls = file_plan.null_values
    with _open_planned(file_plan) as handle:
        if file_plan.fmt in ("csv", "workbook"):
            for _ in range(file_plan.preamble):
                handle.readline()
            reader = _csv_rows(handle, file_plan.delimiter)
            next(reader)
            columns = file_plan.columns
            for row, problem in reader:
                if _is_empty(row):
                    continue
                record = {c: v for c, v in zip(columns, row, strict=False)
                          if c and (text := v.strip()) and text.lower() not in nulls}
                if len(row) != len(columns):
                    record["_columns"] = f"row has {len(row)} values, header has {len(columns)}"
                if problem:
                    record["_error"], record["_line"] = problem
                yield _with_number_format(record, file_plan)
        else:
            rename, ignored = file_plan.mapping, file_plan.ignored
            for obj in _json_objects(handle, file_plan.fmt, file_plan.path):
                if "_error" in obj:
                    yield obj
                    continue
                yield _with_number_format({rename.get(k, k): None if isinstance(v, str) and _is_null(v, nulls) else v
                                           for k, v in obj.items() if k not in ignored}, file_plan)

"""Reading CSV and JSONL files for the ingest command, with the fatal checks done up front."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mdm.ingest.schema import allowed_columns


class FileRejected(Exception):
    """The file cannot be ingested at all; nothing was written."""


@dataclass
class FilePlan:
    path: Path
    fmt: str
    mapping: dict[str, str]
    columns: list[str]
    rows: int


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise FileRejected(f"--map {pair!r} is not SOURCE_COLUMN=FIELD")
        mapping[source.strip()] = target.strip()
    return mapping


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv"


def _check_columns(entity: str, columns: list[str], mapping: dict[str, str]) -> list[str]:
    mapped = [mapping.get(c, c) for c in columns]
    if "source_key" not in mapped:
        raise FileRejected("no source_key column (map one with --map YOUR_ID_COLUMN=source_key)")
    allowed = allowed_columns(entity)
    unknown = [f"{c} (mapped to {m})" if c != m else c for c, m in zip(columns, mapped, strict=True)
               if m not in allowed]
    if unknown:
        raise FileRejected(
            f"unknown column(s) for {entity}: {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))} (or map them with --map SOURCE_COLUMN=FIELD)"
        )
    duplicated = sorted({m for m in mapped if mapped.count(m) > 1})
    if duplicated:
        raise FileRejected(f"duplicated column(s): {', '.join(duplicated)}")
    return mapped


def plan(entity: str, path: Path, *, fmt: str | None, mapping: dict[str, str]) -> FilePlan:
    fmt = detect_format(path, fmt)
    if fmt not in ("csv", "jsonl"):
        raise FileRejected(f"unknown format {fmt!r}; use csv or jsonl")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if fmt == "csv":
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    raise FileRejected(f"{path} is empty: a CSV file needs a header row")
                columns = _check_columns(entity, [h.strip() for h in header], mapping)
                rows = sum(1 for _ in reader)
            else:
                keys: list[str] = []
                seen: set[str] = set()
                rows = 0
                for line in handle:
                    if not line.strip():
                        continue
                    rows += 1
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # the line is quarantined when read; not fatal
                    if isinstance(obj, dict):
                        for key in obj:
                            if key not in seen:
                                seen.add(key)
                                keys.append(key)
                columns = _check_columns(entity, keys, mapping) if rows else []
    except FileRejected:
        raise
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FileRejected(f"cannot read {path}: {exc}") from exc
    return FilePlan(path=path, fmt=fmt, mapping=mapping, columns=columns, rows=rows)


def read_records(file_plan: FilePlan) -> Iterator[dict[str, Any]]:
    mapping = file_plan.mapping
    with file_plan.path.open(encoding="utf-8-sig", newline="") as handle:
        if file_plan.fmt == "csv":
            reader = csv.reader(handle)
            next(reader)
            columns = file_plan.columns
            for row in reader:
                record = {c: v for c, v in zip(columns, row, strict=False) if v != ""}
                if len(row) != len(columns):
                    record["_columns"] = f"row has {len(row)} values, header has {len(columns)}"
                yield record
        else:
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
                yield {mapping.get(k, k): v for k, v in obj.items()}

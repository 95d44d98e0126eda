"""Reads behind the REST API: crosswalk lookups, key translation and as-of reads from history.

Each function runs a fixed number of queries whatever the input size (a translate of 10,000
keys is two set-based queries), so the API stays fast as the hub grows.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from mdm.models import GOLDEN_MODELS, GoldenRecord, GoldenStatus, SourceRecord, SourceStatus, SourceSystem
from mdm.selectors import CROSSWALK_STATUSES

HistoricalSourceRecord = SourceRecord.history.model


class LookupMiss(Exception):
    """A lookup that cannot be answered; `code` is the stable problem code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class CrosswalkEntry:
    entity: str
    system: str
    source_key: str
    source_status: str
    golden_id: str
    golden_status: str
    version: int
    keys: list[dict[str, Any]] = field(default_factory=list)


# --- golden records -------------------------------------------------------------------------
def golden_queryset(*, entity: str) -> QuerySet:
    model = GOLDEN_MODELS[entity]
    queryset = model.objects.select_related("merged_into")
    if entity == "product":
        queryset = queryset.prefetch_related("supplier_links__supplier")
    elif entity == "location":
        queryset = queryset.select_related("parent")
    return queryset


def golden_as_of(*, entity: str, golden_id: str, as_of: datetime) -> tuple[GoldenRecord | None, Any]:
    """The golden record as it was at `as_of`, following merges made by then.

    Returns (instance rebuilt from history, its historical row), or (None, None) when the id did
    not exist yet (or no longer) at that time.
    """
    history = GOLDEN_MODELS[entity].history
    row = history.filter(golden_id=golden_id, history_date__lte=as_of).order_by(
        "-history_date", "-history_id").first()
    seen: set[int] = set()
    while row is not None and row.status == GoldenStatus.MERGED and row.merged_into_id and row.id not in seen:
        seen.add(row.id)
        row = history.filter(id=row.merged_into_id, history_date__lte=as_of).order_by(
            "-history_date", "-history_id").first()
    if row is None or row.history_type == "-":
        return None, None
    return row.instance, row


def _source_rows_as_of(*, entity: str, golden_ids: Iterable[str], as_of: datetime) -> list[Any]:
    """The latest historical row (at or before `as_of`) of every source record that was ever
    linked to one of these golden ids by then; the caller keeps those still linked at `as_of`."""
    ids = list(golden_ids)
    candidates = HistoricalSourceRecord.objects.filter(
        entity=entity, golden_id__in=ids, history_date__lte=as_of).values("id")
    latest: dict[int, Any] = {}
    for row in HistoricalSourceRecord.objects.select_related("system").filter(
        id__in=candidates, history_date__lte=as_of
    ).order_by("id", "history_date", "history_id"):
        latest[row.id] = row
    return [r for r in latest.values()
            if r.history_type != "-" and r.golden_id in ids and r.status in CROSSWALK_STATUSES]


def crosswalk_keys_as_of(*, entity: str, golden_ids: Sequence[str], as_of: datetime) -> dict[str, dict[str, list[str]]]:
    keys: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = sorted(_source_rows_as_of(entity=entity, golden_ids=golden_ids, as_of=as_of),
                  key=lambda r: (r.system.code, r.source_key))
    for row in rows:
        keys[row.golden_id][row.system.code].append(row.source_key)
    return {gid: dict(by_system) for gid, by_system in keys.items()}


# --- crosswalk lookup -----------------------------------------------------------------------
def _not_found(entity: str, system: str, source_key: str, as_of: datetime | None) -> LookupMiss:
    when = f" at {as_of.isoformat()}" if as_of else ""
    record = SourceRecord.objects.filter(entity=entity, system__code=system, source_key=source_key).only(
        "status").first()
    if record is None or (as_of is not None and not HistoricalSourceRecord.objects.filter(
            entity=entity, system__code=system, source_key=source_key, history_date__lte=as_of).exists()):
        return LookupMiss("unknown_key", f"{system} has no {entity} with key {source_key!r}{when}.")
    return LookupMiss("not_linked", f"{system} {entity} {source_key!r} is not linked to a golden record{when}.")


def crosswalk_lookup(*, entity: str, system: str, source_key: str, as_of: datetime | None = None) -> CrosswalkEntry:
    """The golden record of one system's key and every system's keys for it (2 queries now)."""
    if as_of is not None:
        return _crosswalk_lookup_as_of(entity=entity, system=system, source_key=source_key, as_of=as_of)
    linked_to = SourceRecord.objects.filter(
        entity=entity, system__code=system, source_key=source_key, status__in=CROSSWALK_STATUSES
    ).exclude(golden_id="").values("golden_id")[:1]
    rows = list(
        SourceRecord.objects.filter(entity=entity, golden_id=linked_to, status__in=CROSSWALK_STATUSES)
        .order_by("system__priority", "system__code", "source_key")
        .values("system__code", "source_key", "status", "golden_id", "first_seen", "last_seen")
    )
    own = next((r for r in rows if r["system__code"] == system and r["source_key"] == source_key), None)
    if own is None:
        raise _not_found(entity, system, source_key, None)
    golden = (GOLDEN_MODELS[entity].objects.filter(golden_id=own["golden_id"])
              .values("golden_id", "status", "version", "merged_into_id").first())
    if golden is None:
        raise LookupMiss("not_linked", f"{system} {entity} {source_key!r} is not linked to a golden record.")
    if golden["status"] == GoldenStatus.MERGED:
        # Merges repoint source records, so this only shows while a merge is being committed.
        from mdm.selectors import resolve_golden

        survivor = resolve_golden(entity=entity, golden_id=golden["golden_id"])
        golden = {"golden_id": survivor.golden_id, "status": survivor.status, "version": survivor.version}
    keys = [{"system": r["system__code"], "source_key": r["source_key"], "status": r["status"],
             "first_seen": r["first_seen"], "last_received_at": r["last_seen"]} for r in rows]
    return CrosswalkEntry(entity=entity, system=system, source_key=source_key, source_status=own["status"],
                          golden_id=golden["golden_id"], golden_status=golden["status"],
                          version=golden["version"], keys=keys)


def _crosswalk_lookup_as_of(*, entity: str, system: str, source_key: str, as_of: datetime) -> CrosswalkEntry:
    own = (HistoricalSourceRecord.objects.filter(entity=entity, system__code=system, source_key=source_key,
                                                 history_date__lte=as_of)
           .order_by("-history_date", "-history_id").first())
    if own is None or own.history_type == "-" or not own.golden_id or own.status not in CROSSWALK_STATUSES:
        raise _not_found(entity, system, source_key, as_of)
    golden, _row = golden_as_of(entity=entity, golden_id=own.golden_id, as_of=as_of)
    if golden is None:
        raise LookupMiss("not_linked", f"{system} {entity} {source_key!r} had no golden record at that time.")
    rows = sorted(_source_rows_as_of(entity=entity, golden_ids=[own.golden_id, golden.golden_id], as_of=as_of),
                  key=lambda r: (r.system.priority, r.system.code, r.source_key))
    keys = [{"system": r.system.code, "source_key": r.source_key, "status": r.status,
             "first_seen": r.first_seen, "last_received_at": r.history_date} for r in rows]
    return CrosswalkEntry(entity=entity, system=system, source_key=source_key, source_status=own.status,
                          golden_id=golden.golden_id, golden_status=golden.status, version=golden.version,
                          keys=keys)


def acknowledgements(*, entity: str, golden_id: str, version: int, as_of: datetime | None = None) -> list[dict]:
    """Which targets have acknowledged this version (or a newer one), as of a time if given."""
    from sync.selectors import propagation_status

    status = propagation_status(entity=entity, golden_id=golden_id, version=version)
    result = []
    for target, info in status.items():
        acked = info["acknowledged"] and (as_of is None or info["acknowledged_at"] <= as_of)
        result.append({"target": target, "acknowledged": acked,
                       "acknowledged_at": info["acknowledged_at"] if acked else None, "state": info["state"]})
    return result


# --- translate ------------------------------------------------------------------------------
@dataclass
class Translation:
    mapping: dict[str, dict[str, Any]]
    unknown: list[str]
    no_target_key: list[str]


def translate_keys(*, entity: str, from_system: SourceSystem, to_system: SourceSystem,
                   keys: Sequence[str]) -> Translation:
    """Map keys of one system to another system's keys through the golden records (two queries)."""
    wanted = list(dict.fromkeys(keys))
    if connection.vendor == "postgresql":
        golden_of, target_keys = _translate_rows_postgresql(entity, from_system, to_system, wanted)
    else:
        golden_of, target_keys = _translate_rows_portable(entity, from_system, to_system, wanted)
    mapping: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    no_target: list[str] = []
    for key in wanted:
        golden_id = golden_of.get(key)
        if golden_id is None:
            unknown.append(key)
            continue
        found = target_keys.get(golden_id, [])
        mapping[key] = {"golden_id": golden_id, "keys": found}
        if not found:
            no_target.append(key)
    return Translation(mapping=mapping, unknown=unknown, no_target_key=no_target)


# One array parameter instead of 10,000 bound literals: parsing and planning the query is
# what costs, not running it.
FROM_KEYS_SQL = """
    SELECT source_key, golden_id FROM mdm_sourcerecord
    WHERE system_id = %s AND entity = %s AND source_key = ANY(%s) AND status = ANY(%s) AND golden_id <> ''
"""
TARGET_KEYS_SQL = """
    SELECT golden_id, source_key FROM mdm_sourcerecord
    WHERE entity = %s AND golden_id = ANY(%s) AND system_id = %s AND status = ANY(%s)
    ORDER BY source_key
"""


def _translate_rows_postgresql(entity, from_system, to_system, wanted):  # type: ignore[no-untyped-def]
    statuses = [str(status) for status in CROSSWALK_STATUSES]
    target_keys: dict[str, list[str]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(FROM_KEYS_SQL, [from_system.pk, entity, wanted, statuses])
        golden_of = dict(cursor.fetchall())
        cursor.execute(TARGET_KEYS_SQL, [entity, list(set(golden_of.values())), to_system.pk, statuses])
        for golden_id, key in cursor.fetchall():
            target_keys[golden_id].append(key)
    return golden_of, target_keys


def _translate_rows_portable(entity, from_system, to_system, wanted):  # type: ignore[no-untyped-def]
    golden_of = dict(
        SourceRecord.objects.filter(entity=entity, system=from_system, source_key__in=wanted,
                                    status__in=CROSSWALK_STATUSES)
        .exclude(golden_id="").values_list("source_key", "golden_id")
    )
    target_keys: dict[str, list[str]] = defaultdict(list)
    for golden_id, key in (
        SourceRecord.objects.filter(entity=entity, system=to_system, golden_id__in=set(golden_of.values()),
                                    status__in=CROSSWALK_STATUSES)
        .order_by("source_key").values_list("golden_id", "source_key")
    ):
        target_keys[golden_id].append(key)
    return golden_of, target_keys


# --- source records -------------------------------------------------------------------------
def visible_source_records(*, user: Any) -> QuerySet:
    """Source records (raw payloads) a caller may see: an integration only its own system's."""
    from mdm.api.permissions import is_auditor, is_integration, is_steward

    queryset = SourceRecord.objects.select_related("system").order_by("pk")
    if is_integration(user):
        return queryset.filter(system=user.system)
    if is_steward(user) or is_auditor(user):
        return queryset
    return queryset.none()


QUARANTINE_STATUS = SourceStatus.QUARANTINED

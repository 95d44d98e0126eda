"""Reads behind the REST API: crosswalk lookups, key translation and as-of reads from history.

Each function runs a fixed number of queries whatever the input size (a current crosswalk
lookup is one query, a translate of 10,000 keys two set-based ones), so the API stays fast as
the hub grows. The hot paths read plain rows, never model instances.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.dateparse import parse_datetime

from mdm.db import server_bound_cursor
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


@cache
def _lookup_sql(entity: str) -> str:
    """One query for a current lookup: the key's own record, its golden record and every linked key."""
    source, system = SourceRecord._meta.db_table, SourceSystem._meta.db_table
    golden = GOLDEN_MODELS[entity]._meta.db_table
    statuses = ", ".join(["%s"] * len(CROSSWALK_STATUSES))
    return f"""
        SELECT ms.code, m.source_key, m.status, m.first_seen, m.last_seen,
               o.status, g.golden_id, g.status, g.version
        FROM {source} o
        JOIN {system} os ON os.id = o.system_id
        JOIN {golden} g ON g.golden_id = o.golden_id
        JOIN {source} m ON m.entity = o.entity AND m.golden_id = o.golden_id AND m.status IN ({statuses})
        JOIN {system} ms ON ms.id = m.system_id
        WHERE os.code = %s AND o.entity = %s AND o.source_key = %s AND o.status IN ({statuses})
              AND o.golden_id <> ''
        ORDER BY ms.priority, ms.code, m.source_key
    """


def _aware(value: Any) -> Any:
    """A timestamp from a raw cursor: PostgreSQL gives aware datetimes, SQLite gives text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def crosswalk_lookup(*, entity: str, system: str, source_key: str, as_of: datetime | None = None) -> CrosswalkEntry:
    """The golden record of one system's key and every system's keys for it.

    A current lookup is one query returning plain rows (no model instances); a miss runs a
    second one to tell an unknown key from an unlinked one.
    """
    if as_of is not None:
        return _crosswalk_lookup_as_of(entity=entity, system=system, source_key=source_key, as_of=as_of)
    statuses = [str(status) for status in CROSSWALK_STATUSES]
    with server_bound_cursor(prepare=True) as cursor:
        cursor.execute(_lookup_sql(entity), [*statuses, system, entity, source_key, *statuses])
        rows = cursor.fetchall()
    if not rows:
        raise _not_found(entity, system, source_key, None)
    _code, _key, _status, _first, _last, own_status, golden_id, golden_status, version = rows[0]
    if golden_status == GoldenStatus.MERGED:
        # Merges repoint source records, so this only shows while a merge is being committed.
        from mdm.selectors import resolve_golden

        survivor = resolve_golden(entity=entity, golden_id=golden_id)
        if survivor is not None:
            golden_id, golden_status, version = survivor.golden_id, survivor.status, survivor.version
    keys = [{"system": code, "source_key": key, "status": status, "first_seen": _aware(first),
             "last_received_at": _aware(last)} for code, key, status, first, last, *_rest in rows]
    return CrosswalkEntry(entity=entity, system=system, source_key=source_key, source_status=own_status,
                          golden_id=golden_id, golden_status=golden_status, version=version, keys=keys)


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


# (expires_at, entities some target subscribes to), per process, like sync's own subscription cache.
_target_entities: tuple[float, frozenset[str]] | None = None


def entities_with_targets() -> frozenset[str]:
    """The entities at least one sync target subscribes to (paused ones included), cached briefly."""
    global _target_entities
    if _target_entities is None or _target_entities[0] < time.monotonic():
        from sync import conf
        from sync.models import Target

        entities = frozenset(e for listed in Target.objects.values_list("entities", flat=True) for e in listed or ())
        _target_entities = (time.monotonic() + conf.target_cache_seconds(), entities)
    return _target_entities[1]


def _forget_target_entities(**kwargs: Any) -> None:
    global _target_entities
    _target_entities = None


def _connect_target_signals() -> None:
    from sync.models import Target

    receiver(post_save, sender=Target, dispatch_uid="mdm.api.target_entities.save")(_forget_target_entities)
    receiver(post_delete, sender=Target, dispatch_uid="mdm.api.target_entities.delete")(_forget_target_entities)


_connect_target_signals()


def acknowledgements(*, entity: str, golden_id: str, version: int, as_of: datetime | None = None) -> list[dict]:
    """Which targets have acknowledged this version (or a newer one), as of a time if given."""
    from sync.selectors import propagation_status

    if entity not in entities_with_targets():
        return []

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
    golden_of, target_keys = _translate_rows(entity, from_system, to_system, wanted)
    mapping: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    no_target: list[str] = []
    for key in wanted:
        golden_id = golden_of.get(key)
        if golden_id is None:
            unknown.append(key)
            continue
        found = target_keys.get(golden_id)
        if found is None:
            found = []
            no_target.append(key)
        mapping[key] = {"golden_id": golden_id, "keys": found}
    return Translation(mapping=mapping, unknown=unknown, no_target_key=no_target)


# Two single-table queries rather than one join: each has one good plan whatever the planner
# knows about the table (a join planned on missing statistics can turn quadratic). The key
# arrays are bound server-side in binary, instead of quoting 10,000 keys into the statement,
# and never prepared, so every run is planned for its own array.
FROM_KEYS_SQL = """
    SELECT source_key, golden_id FROM mdm_sourcerecord
    WHERE system_id = %s AND entity = %s AND source_key = ANY(%b) AND status = ANY(%s) AND golden_id <> ''
"""
TARGET_KEYS_SQL = """
    SELECT golden_id, source_key FROM mdm_sourcerecord
    WHERE entity = %s AND golden_id = ANY(%b) AND system_id = %s AND status = ANY(%s)
    ORDER BY source_key
"""

def _translate_rows(entity: str, from_system: SourceSystem, to_system: SourceSystem,
                    wanted: list[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """({from key: golden id}, {golden id: target keys, sorted}) for the keys the from-system has linked."""
    statuses = [str(status) for status in CROSSWALK_STATUSES]
    if connection.vendor == "postgresql":
        with server_bound_cursor(prepare=False) as cursor:
            cursor.execute(FROM_KEYS_SQL, [from_system.pk, entity, wanted, statuses])
            golden_of = dict(cursor.fetchall())
            cursor.execute(TARGET_KEYS_SQL, [entity, list(set(golden_of.values())), to_system.pk, statuses])
            target_rows = cursor.fetchall()
    else:
        golden_of = dict(
            SourceRecord.objects.filter(entity=entity, system=from_system, source_key__in=wanted,
                                        status__in=CROSSWALK_STATUSES)
            .exclude(golden_id="").values_list("source_key", "golden_id")
        )
        target_rows = (
            SourceRecord.objects.filter(entity=entity, system=to_system, golden_id__in=set(golden_of.values()),
                                        status__in=CROSSWALK_STATUSES)
            .order_by("source_key").values_list("golden_id", "source_key")
        )
    target_keys: dict[str, list[str]] = defaultdict(list)
    for golden_id, key in target_rows:
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

"""Selectors: the reads of the hub's core (crosswalk, golden records, source records)."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from mdm.models import GOLDEN_MODELS, GoldenRecord, GoldenStatus, SourceRecord, SourceStatus

# Source records that hold a key in the crosswalk (a retired or discarded one no longer does).
CROSSWALK_STATUSES = (SourceStatus.LINKED, SourceStatus.PENDING_REVIEW, SourceStatus.QUARANTINED)


def crosswalk_rows(*, entity: str, system_code: str | None = None) -> Iterator[tuple]:
    rows = SourceRecord.objects.filter(entity=entity)
    if system_code:
        rows = rows.filter(system__code=system_code)
    yield from rows.order_by("golden_id", "system__code", "source_key").values_list(
        "golden_id", "system__code", "source_key", "status", "first_seen", "last_seen"
    ).iterator(chunk_size=5000)


def quarantine_reasons(*, system_id: int, entity: str, since: datetime) -> list[tuple[str, int]]:
    """What put records of a system in quarantine since a time, most frequent first: ("/country
    invalid_country", 40), ... Each record counts once per reason it has."""
    reasons: Counter[str] = Counter()
    for errors in SourceRecord.objects.filter(system_id=system_id, entity=entity, status=SourceStatus.QUARANTINED,
                                              last_seen__gte=since).values_list("errors", flat=True):
        reasons.update({f"{e.get('pointer') or '(row)'} {e.get('code', '')}".strip() for e in errors or ()})
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def resolve_golden(*, entity: str, golden_id: str) -> GoldenRecord | None:
    """The golden record for an id; a merged id resolves to its survivor (chains collapsed)."""
    model = GOLDEN_MODELS[entity]
    golden = model.objects.filter(golden_id=golden_id).first()
    seen: set[str] = set()
    while golden is not None and golden.status == GoldenStatus.MERGED and golden.merged_into_id:
        if golden.golden_id in seen:
            break
        seen.add(golden.golden_id)
        golden = model.objects.get(pk=golden.merged_into_id)
    return golden


def golden_members(*, entity: str, golden_id: str):
    return SourceRecord.objects.select_related("system").filter(entity=entity, golden_id=golden_id).order_by(
        "system__priority", "system__code", "source_key"
    )


def crosswalk_keys(*, entity: str, golden_ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """golden_id -> {system code: [source keys]} for the records linked to each golden record."""
    return keys_by_golden(
        SourceRecord.objects.filter(entity=entity, golden_id__any=golden_ids, status__in=CROSSWALK_STATUSES)
        .values_list("golden_id", "system__code", "source_key")
    )


def keys_by_golden(rows: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, list[str]]]:
    """(golden id, system code, source key) rows as crosswalk_keys gives them: systems and keys
    in code point order, whatever the database's collation."""
    keys: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for golden_id, system_code, source_key in sorted(rows, key=lambda row: (row[1], row[2])):
        keys[golden_id][system_code].append(source_key)
    return {gid: dict(by_system) for gid, by_system in keys.items()}

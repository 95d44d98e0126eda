"""Publish: turn golden record changes into events of the sync event log.

Called inside the transaction of the change, so the event is committed with it (the outbox
rule). The payload carries the golden attributes and every system's keys for the record.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mdm.selectors import crosswalk_keys


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "golden_id"):
        return value.golden_id
    return value


def golden_payload(golden: Any, keys: dict[str, list[str]]) -> dict[str, Any]:
    attributes = {name: _json_value(getattr(golden, name)) for name in golden.ATTRIBUTES}
    return {
        "entity": golden.ENTITY,
        "golden_id": golden.golden_id,
        "version": golden.version,
        "status": golden.status,
        "merged_into": golden.merged_into.golden_id if golden.merged_into_id else None,
        "attributes": attributes,
        "keys": keys,
        "updated_at": _json_value(golden.updated_at),
    }


def golden_events(*, entity: str, events: Sequence[tuple[Any, str]],
                  keys: dict[str, dict[str, list[str]]] | None = None) -> None:
    """Record one event per (golden record, event type) in the current transaction.

    `keys` (as crosswalk_keys gives them) when the caller holds the records' members already.
    """
    if not events:
        return
    from sync.services import record_events

    if keys is None:
        keys = crosswalk_keys(entity=entity, golden_ids=[g.golden_id for g, _ in events])
    record_events(changes=[
        {"entity": entity, "golden_id": golden.golden_id, "golden_version": golden.version,
         "event_type": event_type, "payload": golden_payload(golden, keys.get(golden.golden_id, {}))}
        for golden, event_type in events
    ])

"""Writes of the sync app: the event log (record_event), targets, replay and feed sequencing.

record_event is called by the hub's services inside their transaction, once per changed golden
record, so it must stay cheap: one INSERT for the event, one bulk INSERT for its deliveries, and a
kick of the delivery workers after commit. Nothing waits for the broker: if it is down, the
periodic drain finds the deliveries in the database later.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from mdm.audit import current_context
from mdm.bulk import copy_insert

from . import conf
from .models import Delivery, DeliveryState, Event, EventType, SyncAction, SyncActionKind, Target
from .signing import check_secret, generate_secret

logger = logging.getLogger(__name__)

# --- Subscriptions --------------------------------------------------------------------------
# (expires_at, [(target_id, entities, event_types)]): paused targets are included on purpose,
# pausing stops sending, not queueing.
_subscriptions: tuple[float, list[tuple[int, list[str], list[str]]]] | None = None


def _subscribers(entity: str, event_type: str) -> list[int]:
    global _subscriptions
    if _subscriptions is None or _subscriptions[0] < time.monotonic():
        rows = list(Target.objects.order_by("id").values_list("id", "entities", "event_types"))
        _subscriptions = (time.monotonic() + conf.target_cache_seconds(), rows)
    return [
        target_id
        for target_id, entities, event_types in _subscriptions[1]
        if entity in entities and (not event_types or event_type in event_types)
    ]


@receiver(post_save, sender=Target)
@receiver(post_delete, sender=Target)
def forget_subscriptions(**kwargs) -> None:
    """Drop this process's cached subscription list (other processes refresh within the TTL)."""
    global _subscriptions
    _subscriptions = None


# --- Kicking workers after commit -----------------------------------------------------------
_kicks = threading.local()


def _queue_kick(target_ids: list[int]) -> None:
    pending = getattr(_kicks, "targets", None)
    if pending is None:
        pending = _kicks.targets = set()
    pending.update(target_ids)
    # One callback per call is cheap; the first one to run at commit sends all kicks and the rest
    # find nothing left. After a rollback the set may hold stale ids: that only costs a spare kick.
    transaction.on_commit(_send_kicks)


def _send_kicks() -> None:
    pending = getattr(_kicks, "targets", None)
    if not pending:
        return
    target_ids = sorted(pending)
    pending.clear()
    kick_targets(target_ids=target_ids)


_broker_down_until = 0.0
BROKER_DOWN_PAUSE_SECONDS = 30


def kick_targets(*, target_ids: list[int]) -> None:
    """Ask the workers to deliver for these targets now; a lost kick only waits for the next drain.

    When the broker is unreachable, kicks stop for a while: every commit would otherwise wait for
    a connection timeout, and the deliveries are safe in the database anyway.
    """
    global _broker_down_until
    if not target_ids or time.monotonic() < _broker_down_until:
        return
    from .tasks import deliver_target

    for target_id in target_ids:
        try:
            deliver_target.apply_async((target_id,), retry=False)
        except Exception:
            _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE_SECONDS
            logger.warning("broker unreachable: delivery kicks paused, the periodic drain will deliver")
            return


# --- The event log --------------------------------------------------------------------------
def record_event(
    *, entity: str, golden_id: str, golden_version: int, event_type: str, payload: dict
) -> Event:
    """Append one event and a delivery per subscribed target, in the caller's transaction.

    `payload` carries the golden attributes and the systems' keys, by convention
    {"attributes": {...}, "keys": {"ERP": ["V-1001"], ...}}; a target with send_own_keys gets
    keys[its source_system] beside the golden id.
    """
    return record_events(
        changes=[
            {"entity": entity, "golden_id": golden_id, "golden_version": golden_version,
             "event_type": event_type, "payload": payload}
        ]
    )[0]


def record_events(*, changes: list[dict]) -> list[Event]:
    """record_event for many changes at once (bulk loads): two INSERT statements for the lot.

    Each change is a dict with the keyword arguments of record_event.
    """
    ctx = current_context()
    now = timezone.now()
    events = []
    known_types = set(EventType.values)
    for change in changes:
        if change["event_type"] not in known_types:
            raise ValueError(f"unknown event type {change['event_type']!r}")
        events.append(
            Event(
                entity=change["entity"],
                golden_id=change["golden_id"],
                golden_version=change["golden_version"],
                event_type=change["event_type"],
                payload=change["payload"],
                request_id=ctx.request_id,
                source_system=ctx.system_code,
                occurred_at=now,
            )
        )
    if len(events) == 1:
        events[0].save()
    else:
        copy_insert(Event, events)
    deliveries = []
    kicked: set[int] = set()
    for event in events:
        for target_id in _subscribers(event.entity, event.event_type):
            kicked.add(target_id)
            deliveries.append(
                Delivery(
                    target_id=target_id,
                    event=event,
                    entity=event.entity,
                    golden_id=event.golden_id,
                    golden_version=event.golden_version,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    if deliveries:
        copy_insert(Delivery, deliveries)
        _queue_kick(sorted(kicked))
    return events


_SEQUENCE_LOCK = 0x5E0_5EC


def sequence_events(*, limit: int = 10_000) -> int:
    """Stamp committed, unsequenced events with feed sequence numbers in commit-visible order.

    An auto-increment id is taken at INSERT but becomes visible at COMMIT, so a reader paging by
    id could skip a slow transaction's event. Only committed events are visible here, and one
    sequencer runs at a time (advisory lock), so a sequence number once read is never followed
    by a smaller one.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCE_LOCK])
        last = Event.objects.aggregate(last=Max("sequence"))["last"] or 0
        ids = list(
            Event.objects.filter(sequence__isnull=True).order_by("id").values_list("id", flat=True)[:limit]
        )
        if not ids:
            return 0
        numbers = list(range(last + 1, last + 1 + len(ids)))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "UPDATE sync_event SET sequence = v.seq FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, seq)"
                    " WHERE sync_event.id = v.id",
                    [ids, numbers],
                )
            else:
                cursor.executemany(
                    "UPDATE sync_event SET sequence = %s WHERE id = %s", list(zip(numbers, ids, strict=True))
                )
    return len(ids)


# --- Targets --------------------------------------------------------------------------------
def create_target(
    *,
    name: str,
    url: str = "",
    entities: list[str],
    event_types: list[str] | None = None,
    transport: str = "webhook",
    folder: str = "",
    file_format: str = "jsonl",
    secret: str | None = None,
    active: bool = True,
    source_system: str = "",
    send_own_keys: bool = False,
) -> tuple[Target, str]:
    """Create a target; returns it with its signing secret, which is shown to the user once."""
    secret = secret or generate_secret()
    check_secret(secret)
    target = Target(
        name=name,
        transport=transport,
        url=url,
        folder=folder,
        file_format=file_format,
        entities=list(entities),
        event_types=list(event_types or []),
        secret=secret,
        active=active,
        source_system=source_system,
        send_own_keys=send_own_keys,
    )
    target.full_clean()
    with transaction.atomic():
        target.save()
        _record_action(target, SyncActionKind.CREATE, {"url": url, "entities": list(entities)})
    return target, secret


def _record_action(target: Target, kind: str, detail: dict) -> None:
    """Leave an audited trace of a steward's action on a target (who and why come from the context)."""
    SyncAction.objects.create(target=target, kind=kind, detail=detail)


@transaction.atomic
def set_target_active(*, target: Target, active: bool) -> Target:
    target.active = active
    target.save(update_fields=["active"])
    _record_action(target, SyncActionKind.RESUME if active else SyncActionKind.PAUSE, {})
    if active:
        transaction.on_commit(lambda: kick_targets(target_ids=[target.pk]))
    return target


# --- Replay ---------------------------------------------------------------------------------
def _requeue(queryset) -> int:
    now = timezone.now()
    return queryset.update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        lease_until=None,
        claim_token=None,
        acknowledged_at=None,
        finished_at=None,
    )


@transaction.atomic
def replay_delivery(*, delivery: Delivery) -> Delivery:
    """Send one delivery again, whatever its state; a newer acknowledged version still wins."""
    _requeue(Delivery.objects.filter(pk=delivery.pk))
    _record_action(delivery.target, SyncActionKind.REPLAY_DELIVERY,
                   {"delivery": delivery.pk, "event": str(delivery.event_id)})
    transaction.on_commit(lambda: kick_targets(target_ids=[delivery.target_id]))
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def replay_dead_letters(*, target: Target) -> int:
    count = _requeue(Delivery.objects.filter(target=target, state=DeliveryState.DEAD))
    _record_action(target, SyncActionKind.REPLAY_DEAD_LETTERS, {"queued": count})
    transaction.on_commit(lambda: kick_targets(target_ids=[target.pk]))
    return count


@transaction.atomic
def replay_since(*, target: Target, since: datetime, batch_size: int = 5000) -> int:
    """Queue every event since `since` that the target subscribes to, e.g. to rebuild a consumer.

    New delivery rows are created (events from before the target existed have none); coalescing
    then sends only the newest version of each golden record.
    """
    events = Event.objects.filter(occurred_at__gte=since, entity__in=target.entities).order_by("id")
    if target.event_types:
        events = events.filter(event_type__in=target.event_types)
    now = timezone.now()
    created = 0
    batch: list[Delivery] = []
    for event_id, entity, golden_id, version in events.values_list(
        "id", "entity", "golden_id", "golden_version"
    ).iterator(chunk_size=batch_size):
        batch.append(
            Delivery(
                target=target,
                event_id=event_id,
                entity=entity,
                golden_id=golden_id,
                golden_version=version,
                next_attempt_at=now,
                created_at=now,
            )
        )
        if len(batch) >= batch_size:
            created += len(Delivery.objects.bulk_create(batch))
            batch = []
    if batch:
        created += len(Delivery.objects.bulk_create(batch))
    transaction.on_commit(lambda: kick_targets(target_ids=[target.pk]))
    _record_action(target, SyncActionKind.REPLAY_SINCE, {"since": since.isoformat(), "queued": created})
    return created

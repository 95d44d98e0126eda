"""Reads of the sync app: propagation status, the pull feed, and the per-target health summary."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from .models import Delivery, DeliveryState, Event, Target


def propagation_status(*, entity: str, golden_id: str, version: int) -> dict[str, dict]:
    """For each target subscribed to `entity`: has it acknowledged `version` (or a newer one)?

    A newer acknowledged version counts, since it carries this version's changes; `state` is the
    state of this version's own delivery ("not_queued" when there is none, e.g. the target was
    created later).
    """
    targets = [t for t in Target.objects.order_by("name") if entity in t.entities]
    rows = Delivery.objects.filter(entity=entity, golden_id=golden_id, target__in=targets).order_by("id")
    own_state: dict[int, str] = {}
    acked_at: dict[int, datetime] = {}
    for target_id, row_version, state, acknowledged_at in rows.values_list(
        "target_id", "golden_version", "state", "acknowledged_at"
    ):
        if row_version == version:
            own_state[target_id] = state
        acked = state == DeliveryState.ACKNOWLEDGED and row_version >= version
        if acked and (target_id not in acked_at or acknowledged_at < acked_at[target_id]):
            acked_at[target_id] = acknowledged_at
    return {
        target.name: {
            "acknowledged": target.pk in acked_at,
            "acknowledged_at": acked_at.get(target.pk),
            "state": own_state.get(target.pk, "not_queued"),
        }
        for target in targets
    }


def changes_since(*, cursor: int | None, entity: str | None, limit: int) -> tuple[list[Event], int]:
    """Events after `cursor` in feed order, and the cursor to pass next time.

    Newly committed events are stamped first, so the feed never waits for a worker.
    """
    from .services import sequence_events

    sequence_events()
    events = Event.objects.filter(sequence__isnull=False, sequence__gt=cursor or 0).order_by("sequence")
    if entity:
        events = events.filter(entity=entity)
    page = list(events[:limit])
    return page, (page[-1].sequence if page else cursor or 0)


def due_target_ids(*, now: datetime | None = None) -> list[int]:
    """Active targets with something to send now (including leases of crashed workers that ran out)."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        target=OuterRef("pk"), next_attempt_at__lte=now, state__in=[DeliveryState.PENDING, DeliveryState.IN_FLIGHT]
    ).filter(Q(state=DeliveryState.PENDING) | Q(lease_until__lt=now))
    return list(
        Target.objects.filter(active=True)
        .filter(Q(circuit_open_until__isnull=True) | Q(circuit_open_until__lte=now))
        .filter(Exists(due))
        .values_list("pk", flat=True)
    )


def target_summaries(*, now: datetime | None = None) -> list[dict]:
    """Per target: pending, oldest pending age (s), failed attempts in the last day, dead letters, last success."""
    now = now or timezone.now()
    waiting = Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.IN_FLIGHT])
    rows = Target.objects.order_by("name").annotate(
        pending=Count("deliveries", filter=waiting),
        oldest_pending=Min("deliveries__created_at", filter=waiting),
        dead=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DEAD)),
        last_ack=Max("deliveries__acknowledged_at"),
    )
    day_ago = now - timedelta(days=1)
    failures = dict(
        Delivery.objects.filter(attempt_log__success=False, attempt_log__started_at__gte=day_ago)
        .order_by()
        .values_list("target_id")
        .annotate(n=Count("attempt_log"))
    )
    return [
        {
            "target": t.name,
            "active": t.active,
            "circuit_open": bool(t.circuit_open_until and t.circuit_open_until > now),
            "pending": t.pending,
            "oldest_pending_age_s": round((now - t.oldest_pending).total_seconds(), 1) if t.oldest_pending else None,
            "failures_24h": failures.get(t.pk, 0),
            "dead_letters": t.dead,
            "last_success": t.last_success_at or t.last_ack,
        }
        for t in rows
    ]

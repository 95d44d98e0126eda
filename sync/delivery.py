"""The delivery engine: claim a batch for one target, send it, record what happened.

Guarantees and how they are kept:
- Order per (target, golden record): a claim takes at most one delivery per golden record, never
  one whose record already has a delivery in flight, and always the newest waiting version
  (older ones are superseded, and so is anything older than a version already acknowledged).
  Claims for one target are serialized by a row lock on the target, so two workers cannot both
  decide a record is free; sending happens outside any transaction, in parallel across workers.
- No loss: a claim is a lease. A worker killed mid-batch leaves rows "in flight" whose lease
  expires; the next claim (kicked by the periodic drain) takes them again, with the same event
  id, so a receiver can de-duplicate. A worker never starts a send it could not finish within
  its lease.
- Retries are rows with next_attempt_at (capped exponential backoff with jitter) until the
  retry window ends, then a dead letter. No Celery ETA task holds a retry.
- Circuit breaker per target: after N consecutive failures the target is skipped until a
  cooldown passes, then a single probe decides; its queue waits untouched meanwhile.
"""
from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from . import conf, transports
from .models import Delivery, DeliveryAttempt, DeliveryState, Event, Target
from .transports import Outcome


def retry_delay(attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Seconds before retry number `attempt` (1-based): capped exponential, "equal jitter"."""
    ceiling = min(cap, base * 2 ** min(attempt - 1, 62))
    return ceiling / 2 + rand() * ceiling / 2


@dataclass
class Claim:
    target: Target
    deliveries: list[Delivery]
    token: uuid.UUID
    lease_until: datetime
    probe: bool = False
    superseded: int = 0


@dataclass
class BatchResult:
    sent: list[tuple[Delivery, datetime, Outcome]] = field(default_factory=list)
    unsent: list[Delivery] = field(default_factory=list)


def _waiting(now: datetime) -> Q:
    # The redundant state__in lets PostgreSQL use the partial index sync_delivery_waiting.
    return Q(state__in=[DeliveryState.PENDING, DeliveryState.IN_FLIGHT]) & (
        Q(state=DeliveryState.PENDING) | Q(lease_until__lt=now)
    )


def claim_batch(*, target_id: int, limit: int | None = None) -> Claim | None:
    """Lease up to `limit` deliveries of one target, one per golden record, oldest records first."""
    limit = limit or conf.batch_size()
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(pk=target_id).first()
        if target is None or not target.active:
            return None
        now = timezone.now()
        probe = False
        if target.circuit_open_until is not None:
            if now < target.circuit_open_until:
                return None
            probe, limit = True, 1
        due = (
            Delivery.objects.filter(target=target, next_attempt_at__lte=now)
            .filter(_waiting(now))
            .order_by("id")
            .values_list("entity", "golden_id")[: limit * 4]
        )
        groups = list(dict.fromkeys(due))[:limit]
        if not groups:
            return None
        golden_ids = {golden_id for _, golden_id in groups}
        acknowledged = {
            (row["entity"], row["golden_id"]): row["top"]
            for row in Delivery.objects.filter(
                target=target, state=DeliveryState.ACKNOWLEDGED, golden_id__in=golden_ids
            )
            .order_by()
            .values("entity", "golden_id")
            .annotate(top=Max("golden_version"))
        }
        # SKIP LOCKED: rows a replay or a worker recording its results is changing right now are left
        # for later (a row being recorded has already been sent, so skipping it cannot break order).
        rows = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(target=target, golden_id__in=golden_ids, state__in=[DeliveryState.PENDING, DeliveryState.IN_FLIGHT])
            .order_by()
        )
        by_group: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
        busy: set[tuple[str, str]] = set()
        for row in rows:
            if row.state == DeliveryState.IN_FLIGHT and row.lease_until >= now:
                busy.add((row.entity, row.golden_id))
            else:
                by_group[(row.entity, row.golden_id)].append(row)
        chosen: list[Delivery] = []
        superseded: list[int] = []
        for key in groups:
            candidates = by_group.get(key)
            if not candidates or key in busy:
                continue
            candidates.sort(key=lambda d: (d.golden_version, d.id), reverse=True)
            newest = candidates[0]
            if acknowledged.get(key, 0) > newest.golden_version:
                superseded.extend(d.pk for d in candidates)
                continue
            if newest.next_attempt_at > now:
                continue  # the newest version is backing off; nothing older may overtake it
            chosen.append(newest)
            superseded.extend(d.pk for d in candidates[1:])
        if superseded:
            Delivery.objects.filter(pk__in=superseded).update(
                state=DeliveryState.SUPERSEDED, finished_at=now, lease_until=None, claim_token=None
            )
        if not chosen:
            return Claim(target, [], uuid.uuid4(), now, probe, len(superseded)) if superseded else None
        token = uuid.uuid4()
        lease_until = now + timedelta(seconds=conf.lease_seconds())
        Delivery.objects.filter(pk__in=[d.pk for d in chosen]).update(
            state=DeliveryState.IN_FLIGHT, lease_until=lease_until, claim_token=token
        )
        if probe:
            # Other workers keep away while the probe is out.
            Target.objects.filter(pk=target.pk).update(circuit_open_until=lease_until)
    events = Event.objects.in_bulk([d.event_id for d in chosen])
    for delivery in chosen:
        delivery.target = target
        delivery.event = events[delivery.event_id]
    return Claim(target, chosen, token, lease_until, probe, len(superseded))


_executor: tuple[int, int, ThreadPoolExecutor] | None = None


def _sender_pool() -> ThreadPoolExecutor:
    global _executor
    size = conf.send_concurrency()
    # Threads do not survive a fork (Celery's prefork pool): one executor per process.
    if _executor is None or _executor[:2] != (os.getpid(), size):
        _executor = (os.getpid(), size, ThreadPoolExecutor(size, thread_name_prefix="sync-send"))
    return _executor[2]


def send_claim(claim: Claim, *, send: Callable[[Delivery], Outcome] = transports.send) -> BatchResult:
    """Send the claimed deliveries, several at a time; stop early when the lease or the target gives out.

    Sending in parallel keeps order per golden record because a claim holds at most one delivery
    per record.
    """
    lease_left = (claim.lease_until - timezone.now()).total_seconds()
    deadline = time.monotonic() + lease_left - 1
    worst_case = transports.worst_case_send_seconds(claim.target)
    threshold = conf.breaker_threshold()
    lock = threading.Lock()
    failures_in_row = 0

    def attempt(delivery: Delivery) -> tuple[Delivery, datetime, Outcome] | None:
        nonlocal failures_in_row
        if failures_in_row >= threshold or time.monotonic() + worst_case > deadline:
            return None
        started_at = timezone.now()
        outcome = send(delivery)
        with lock:
            failures_in_row = 0 if outcome.ok else failures_in_row + 1
        return delivery, started_at, outcome

    if conf.send_concurrency() > 1 and len(claim.deliveries) > 1:
        outcomes = list(_sender_pool().map(attempt, claim.deliveries))
    else:
        outcomes = [attempt(delivery) for delivery in claim.deliveries]
    result = BatchResult()
    for delivery, outcome in zip(claim.deliveries, outcomes, strict=True):
        if outcome is None:
            result.unsent.append(delivery)
        else:
            result.sent.append(outcome)
    return result


def record_results(claim: Claim, result: BatchResult) -> None:
    """Store the attempts and move each delivery on: acknowledged, retry later, or dead letter."""
    now = timezone.now()
    base, cap, window = conf.retry_base(), conf.retry_cap(), conf.retry_window()
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    delivery=delivery,
                    started_at=started_at,
                    duration_ms=outcome.duration_ms,
                    status_code=outcome.status_code,
                    response_excerpt=outcome.excerpt,
                    error=outcome.error,
                    success=outcome.ok,
                )
                for delivery, started_at, outcome in result.sent
            ]
        )
        # Rows whose lease ran out may belong to another claim by now: only our token may move them on.
        acked = [d.pk for d, _, outcome in result.sent if outcome.ok]
        if acked:
            Delivery.objects.filter(pk__in=acked, claim_token=claim.token).update(
                state=DeliveryState.ACKNOWLEDGED,
                attempts=F("attempts") + 1,
                acknowledged_at=now,
                finished_at=now,
                lease_until=None,
                claim_token=None,
                last_error="",
            )
        candidates = [d.pk for d, _, outcome in result.sent if not outcome.ok] + [d.pk for d in result.unsent]
        ours = set(
            Delivery.objects.filter(pk__in=candidates, claim_token=claim.token).values_list("pk", flat=True)
        ) if candidates else set()
        failed: list[Delivery] = []
        for delivery, _, outcome in result.sent:
            if outcome.ok or delivery.pk not in ours:
                continue
            delivery.attempts += 1
            retry_at = now + timedelta(seconds=retry_delay(delivery.attempts, base=base, cap=cap))
            if (retry_at - delivery.created_at).total_seconds() > window:
                delivery.state, delivery.finished_at = DeliveryState.DEAD, now
            else:
                delivery.state, delivery.next_attempt_at = DeliveryState.PENDING, retry_at
            delivery.last_error = outcome.error or f"HTTP {outcome.status_code}"
            delivery.lease_until = delivery.claim_token = None
            failed.append(delivery)
        if failed:
            Delivery.objects.bulk_update(
                failed,
                ["state", "attempts", "next_attempt_at", "finished_at", "last_error", "lease_until", "claim_token"],
            )
        unsent = [d.pk for d in result.unsent if d.pk in ours]
        if unsent:
            Delivery.objects.filter(pk__in=unsent).update(
                state=DeliveryState.PENDING, lease_until=None, claim_token=None
            )
        _update_breaker(claim, result, now=now, window=window)


def _update_breaker(claim: Claim, result: BatchResult, *, now: datetime, window: float) -> None:
    if not result.sent:
        return
    trailing_failures = 0
    for _, _, outcome in reversed(result.sent):
        if outcome.ok:
            break
        trailing_failures += 1
    targets = Target.objects.filter(pk=claim.target.pk)
    if trailing_failures < len(result.sent):
        targets.update(consecutive_failures=trailing_failures, circuit_open_until=None, last_success_at=now)
        if trailing_failures == 0:
            return
    else:
        targets.update(consecutive_failures=F("consecutive_failures") + trailing_failures)
    failures = targets.values_list("consecutive_failures", flat=True).first() or 0
    if failures >= conf.breaker_threshold():
        targets.update(circuit_open_until=now + timedelta(seconds=conf.breaker_cooldown()))
        # A target down for longer than the retry window must not keep its queue forever.
        Delivery.objects.filter(
            target=claim.target,
            state=DeliveryState.PENDING,
            created_at__lt=now - timedelta(seconds=window),
        ).update(
            state=DeliveryState.DEAD,
            finished_at=now,
            last_error="retry window ended while the target was unreachable",
        )


def run_target(*, target_id: int, time_budget: float | None = None) -> tuple[int, bool]:
    """Deliver for one target until nothing is due or the time budget is spent.

    Returns (attempts made, whether work may remain) so the task can hand over to a fresh task.
    """
    budget = conf.task_time_budget() if time_budget is None else time_budget
    stop_at = time.monotonic() + budget
    attempts = 0
    while time.monotonic() < stop_at:
        claim = claim_batch(target_id=target_id)
        if claim is None:
            return attempts, False
        if not claim.deliveries:
            continue
        result = send_claim(claim)
        record_results(claim, result)
        attempts += len(result.sent)
        if not result.sent:
            return attempts, False  # nothing could be sent in the lease: leave it to the drain, no busy loop
    return attempts, True

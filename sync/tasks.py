"""Celery tasks of the sync app: thin wrappers over the delivery engine, and the periodic drain.

`celery -A mdm worker -B` (or a separate `celery -A mdm beat`) runs the drain every
SYNC_DRAIN_INTERVAL seconds; it is the safety net for kicks lost while the broker was down,
for retries that came due, and for leases of workers that died.
"""
from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from mdm.celery import app

from . import conf, delivery, selectors, services


@shared_task(name="sync.deliver_target", ignore_result=True)
def deliver_target(target_id: int) -> int:
    attempts, more = delivery.run_target(target_id=target_id)
    if more:
        services.kick_targets(target_ids=[target_id])
    return attempts


@shared_task(name="sync.drain", ignore_result=True)
def drain() -> int:
    services.sequence_events()
    target_ids = selectors.due_target_ids()
    services.kick_targets(target_ids=target_ids)
    return len(target_ids)


app.add_periodic_task(conf.drain_interval(), drain.s(), name="sync-drain")


@worker_ready.connect
def _drain_on_start(sender, **kwargs) -> None:
    # A restarted worker picks up what a killed one left without waiting for beat.
    drain.apply_async(retry=False)

"""Celery tasks of the hub. `ingest_batch` is one batch of a file that `mdm.ingest.loader` spreads
over the workers; the loader holds the logic (partitions, order, progress, failures)."""
from __future__ import annotations

from typing import Any

from celery import shared_task

from mdm.ingest.loader import run_batch


# The one task whose result is read: the loader waits for each batch's counts before it sends the
# next batch of the same partition. Everything else keeps CELERY_TASK_IGNORE_RESULT.
@shared_task(name="mdm.ingest_batch", ignore_result=False)
def ingest_batch(system_pk: int, entity: str, records: list[dict[str, Any]], reason: str,
                 request_id: str) -> dict[str, int]:
    return run_batch(system_pk, entity, records, reason, request_id)

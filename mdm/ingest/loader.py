"""Loading a file's records through `ingest_records`, on every core of the machine.

The records are dealt to worker processes by a hash of their source key, so every version of
one key goes to the same worker and is applied in file order. Each worker runs ordinary
`ingest_records` batches on its own database connection: validation, normalization and key
building run side by side, while the matching step of batches that share blocking keys takes
turns under the matcher's advisory locks (the same locks that keep two REST requests from
creating one supplier twice), so the result is that of some sequential order of the batches.

A record whose reference (a location's parent) sat in another worker's uncommitted batch
waits in quarantine; the loader replays those once every worker is done, so the file ends as
a sequential load would.

SQLite allows one writer at a time, and a load called inside an open transaction must see that
transaction's rows: in both cases the loader runs the batches in this process.
"""
from __future__ import annotations

import multiprocessing
import queue
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections

from mdm.audit import change_context
from mdm.ingest.services import ingest_records, reprocess_waiting_for_references
from mdm.models import SourceSystem

Progress = Callable[[int], None]


class LoadFailed(Exception):
    """A worker stopped on an unexpected error (bad records never do this: they are quarantined)."""


@dataclass
class LoadResult:
    read: int
    outcomes: Counter[str]


def default_workers() -> int:
    return max(1, min(multiprocessing.cpu_count(), 8))


def _ingest_batch(system: SourceSystem, entity: str, batch: list[dict[str, Any]], reason: str) -> Counter[str]:
    return Counter(r.outcome for r in ingest_records(system=system, entity=entity, records=batch, reason=reason))


def _worker(system_pk: int, entity: str, reason: str, inbox: Any, outbox: Any) -> None:
    try:
        system = SourceSystem.objects.get(pk=system_pk)
        while (batch := inbox.get()) is not None:
            outbox.put(("done", len(batch), _ingest_batch(system, entity, batch, reason)))
        outbox.put(("exit", 0, Counter()))
    except BaseException:  # reported to the parent, which stops the load
        outbox.put(("error", 0, traceback.format_exc()))
    finally:
        connections.close_all()


def load_records(
    *,
    system: SourceSystem,
    entity: str,
    records: Iterable[dict[str, Any]],
    reason: str,
    batch_size: int = 1000,
    workers: int | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Ingest every record; returns how many were read and the outcome counts."""
    workers = default_workers() if workers is None else max(1, workers)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1  # one writer at a time; or rows of the open transaction that workers could not see
    with change_context(system=system, reason=reason):  # one request id for the whole file
        if workers == 1:
            result = _load_here(system, entity, records, reason, batch_size, progress)
        else:
            result = _load_in_workers(system, entity, records, reason, batch_size, workers, progress)
            # Children whose parent was in another worker's open batch waited; now the parents are in.
            if entity == "location":
                keys = list(_loaded_keys(system, entity))
                reprocess_waiting_for_references(system=system, ref_entity=entity, keys=keys)
    return result


def _loaded_keys(system: SourceSystem, entity: str) -> Iterable[str]:
    from mdm.models import SourceRecord

    return SourceRecord.objects.filter(system=system, entity=entity).values_list("source_key", flat=True)


def _load_here(system, entity, records, reason, batch_size, progress) -> LoadResult:
    outcomes: Counter[str] = Counter()
    read = 0
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            outcomes += _ingest_batch(system, entity, batch, reason)
            read += len(batch)
            batch = []
            if progress:
                progress(read)
    if batch:
        outcomes += _ingest_batch(system, entity, batch, reason)
        read += len(batch)
        if progress:
            progress(read)
    return LoadResult(read, outcomes)


def _partition(record: dict[str, Any], workers: int) -> int:
    key = record.get("source_key") if isinstance(record, dict) else None
    return zlib.crc32(str(key).strip().encode()) % workers


def _load_in_workers(system, entity, records, reason, batch_size, workers, progress) -> LoadResult:
    context = multiprocessing.get_context("fork")
    connections.close_all()  # each worker opens its own connection
    inboxes = [context.Queue(maxsize=2) for _ in range(workers)]
    outbox = context.Queue()
    processes = [context.Process(target=_worker, args=(system.pk, entity, reason, inbox, outbox), daemon=True)
                 for inbox in inboxes]
    for process in processes:
        process.start()
    outcomes: Counter[str] = Counter()
    state = {"read": 0, "running": workers}

    def handle(message: tuple[str, int, Any]) -> None:
        kind, count, payload = message
        if kind == "error":
            raise LoadFailed(payload)
        if kind == "exit":
            state["running"] -= 1
            return
        state["read"] += count
        outcomes.update(payload)
        if progress:
            progress(state["read"])

    def drain(block: bool) -> None:
        while True:
            try:
                handle(outbox.get(block=block, timeout=1.0 if block else None))
            except queue.Empty:
                if not block or not any(p.is_alive() for p in processes):
                    return
                continue
            if block:
                return

    def send(index: int, batch: list[dict[str, Any]] | None) -> None:
        while True:
            try:
                inboxes[index].put(batch, timeout=0.2)
                return
            except queue.Full:
                drain(block=False)
                if not processes[index].is_alive():
                    drain(block=False)
                    raise LoadFailed(f"worker {index} stopped") from None

    try:
        buffers: list[list[dict[str, Any]]] = [[] for _ in range(workers)]
        for record in records:
            index = _partition(record, workers)
            buffers[index].append(record)
            if len(buffers[index]) >= batch_size:
                send(index, buffers[index])
                buffers[index] = []
                drain(block=False)
        for index, buffer in enumerate(buffers):
            if buffer:
                send(index, buffer)
            send(index, None)
        while state["running"]:
            before = state["running"]
            drain(block=True)
            if state["running"] == before and not any(p.is_alive() for p in processes):
                raise LoadFailed("a worker stopped without a word")
    finally:
        for process in processes:
            if process.is_alive() and state["running"]:
                process.terminate()
            process.join(timeout=10)
    return LoadResult(state["read"], outcomes)

"""Loading a file's records through `ingest_records`, on every core of the machine.

The records are dealt to worker processes by a hash of their source key, so every version of
one key goes to the same worker and is applied in file order. Each worker runs ordinary
`ingest_records` batches on its own database connection: validation, normalization and key
building run side by side, while the matching step of batches that share blocking keys takes
turns under the matcher's advisory locks (the same locks that keep two REST requests from
creating one supplier twice), so the result is that of some sequential order of the batches.

Locations load in one process, in file order (IN_FILE_ORDER): their parents are in the same
file. SQLite allows one writer at a time, and a load called inside an open transaction must see
that transaction's rows: in these cases too the loader runs the batches in this process.

With Celery workers running (`distribute="celery"`, or "auto" when one answers), the same
partitioning spreads the load over the workers of every machine: the records are split by
source-key hash into shards, each batch of a shard is one `mdm.ingest_batch` task, and a
shard has at most one task in flight, so its next batch goes out only once the previous one
finished and every version of a key is still applied in file order. The loader reads each
task's outcome counts from the result backend (Redis, the broker's own by default) and fails
with LoadFailed when a task fails, or when no batch finishes for `timeout` seconds (workers
gone, broker lost), instead of waiting forever.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import queue
import time
import traceback
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, connections

from mdm.audit import change_context, current_context
from mdm.ingest.services import ingest_records
from mdm.models import SourceSystem

Progress = Callable[[int], None]


DISTRIBUTE = ("auto", "celery", "local")
DEFAULT_TIMEOUT = 300.0  # seconds without any finished batch before a Celery load gives up
PING_EVERY = 5.0  # while no batch finishes, how often to ask whether any worker is still there


class LoadFailed(Exception):
    """A worker stopped on an unexpected error (bad records never do this: they are quarantined)."""


class CannotDistribute(Exception):
    """The Celery mode was asked for but cannot run here; nothing was ingested."""


@dataclass
class LoadResult:
    read: int
    outcomes: Counter[str]
    where: str = field(default="in this process")


# Loaded in one process, in file order: a location's parent is mostly in the same file, and
# children taken side by side with their parent waited and were matched without it (measured:
# location F1 0.80 on two processes against 0.94 in file order). Location files are small.
IN_FILE_ORDER = ("location",)


def default_workers() -> int:
    return max(1, min(multiprocessing.cpu_count(), 8))


def _ingest_batch(system: SourceSystem, entity: str, batch: list[dict[str, Any]], reason: str) -> Counter[str]:
    return Counter(r.outcome for r in ingest_records(system=system, entity=entity, records=batch, reason=reason))


def run_batch(system_pk: int, entity: str, records: list[dict[str, Any]], reason: str,
              request_id: str) -> dict[str, int]:
    """One batch on a Celery worker, under the file's change context; the outcome counts."""
    system = SourceSystem.objects.get(pk=system_pk)
    with change_context(system=system, reason=reason, request_id=request_id):
        return dict(_ingest_batch(system, entity, records, reason))


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
    distribute: str = "local",
    shards: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> LoadResult:
    """Ingest every record; returns how many were read and the outcome counts.

    distribute: "local" loads on `workers` processes of this machine; "celery" spreads shards
    over the Celery workers (CannotDistribute when that cannot work here); "auto" uses Celery
    when it can and a worker answers, else the local processes.
    """
    if distribute not in DISTRIBUTE:
        raise ValueError(f"distribute must be one of {DISTRIBUTE}, not {distribute!r}")
    workers = default_workers() if workers is None else max(1, workers)
    if entity in IN_FILE_ORDER:
        workers, distribute = 1, "local"
    celery_processes = 0
    if distribute != "local":
        reason_not = celery_unavailable()
        if reason_not is None:
            celery_processes = responding_worker_processes()
            if not celery_processes:
                reason_not = "no Celery worker answers"
        if reason_not and distribute == "celery":
            raise CannotDistribute(f"cannot spread the load over Celery workers: {reason_not}")
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1  # one writer at a time; or rows of the open transaction that workers could not see
    with change_context(system=system, reason=reason):  # one request id for the whole file
        if celery_processes:
            shards = max(1, shards or 2 * celery_processes)
            result = _load_in_celery(system, entity, records, reason, batch_size, shards, progress, timeout)
            result.where = f"in {shards} shards over {celery_processes} Celery worker processes"
        elif workers == 1:
            result = _load_here(system, entity, records, reason, batch_size, progress)
        else:
            result = _load_in_workers(system, entity, records, reason, batch_size, workers, progress)
            result.where = f"on {workers} local processes"
    return result


def celery_unavailable() -> str | None:
    """Why this load cannot go to Celery workers, or None when it can (workers not asked yet)."""
    from mdm.celery import app

    if connection.vendor != "postgresql":
        return "the database is not PostgreSQL (workers on other machines need a shared database)"
    if connection.in_atomic_block:
        return "the load runs inside an open transaction whose rows the workers could not see"
    if app.conf.task_always_eager or settings.CELERY_TASK_ALWAYS_EAGER:
        return "Celery runs tasks eagerly (CELERY_TASK_ALWAYS_EAGER)"
    if not app.conf.result_backend or str(app.conf.result_backend).startswith("disabled"):
        return "no result backend is configured (CELERY_RESULT_BACKEND)"
    return None


def responding_worker_processes(timeout: float = 1.0) -> int:
    """How many task processes the Celery workers that answer within `timeout` seconds run."""
    from mdm.celery import app

    try:
        # A connection of its own, closed here: a pooled one left waiting for replies would be
        # inherited by the local worker processes forked next, which then block on its socket.
        with app.connection_for_write() as conn:
            replies = app.control.inspect(timeout=timeout, connection=conn).stats() or {}
    except Exception:  # broker unreachable: as good as no worker
        return 0
    return sum(max(1, int((stats.get("pool") or {}).get("max-concurrency") or 1)) for stats in replies.values())


def _workers_answer() -> bool:
    from mdm.celery import app

    try:
        with app.connection_for_write() as conn:
            return bool(app.control.ping(timeout=1.0, connection=conn))
    except Exception:  # broker unreachable
        return False


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
    from mdm.celery import close_broker_connections

    context = multiprocessing.get_context("fork")
    connections.close_all()  # each worker opens its own connection
    close_broker_connections()  # nor does it inherit an open broker connection
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


@dataclass
class _Shard:
    buffer: list[dict[str, Any]] = field(default_factory=list)
    waiting: deque[list[dict[str, Any]]] = field(default_factory=deque)  # at most one batch ready to go
    running: Any = None  # the AsyncResult of the batch in flight
    size: int = 0  # records in the batch in flight


def _load_in_celery(system, entity, records, reason, batch_size, shards, progress, timeout) -> LoadResult:
    from mdm.celery import app
    from mdm.tasks import ingest_batch

    request_id = current_context().request_id
    parts = [_Shard() for _ in range(shards)]
    outcomes: Counter[str] = Counter()
    state = {"read": 0, "finished_at": time.monotonic(), "pinged_at": time.monotonic(), "silent": 0}
    ping_every = min(PING_EVERY, timeout / 4)

    def send(shard: _Shard, batch: list[dict[str, Any]]) -> None:
        shard.running = ingest_batch.apply_async(args=(system.pk, entity, batch, reason, request_id))
        shard.size = len(batch)

    def collect() -> bool:
        """Take in the batches that finished and send each shard's next one; whether any finished."""
        finished = False
        for shard in parts:
            result = shard.running
            if result is None or not result.ready():
                continue
            if not result.successful():
                raise LoadFailed(f"a Celery worker failed on a batch ({result.state}):\n"
                                 f"{result.traceback or result.result!r}")
            outcomes.update(result.result)
            result.forget()
            shard.running = None
            state["read"] += shard.size
            finished = True
            if shard.waiting:
                send(shard, shard.waiting.popleft())
            if progress:
                progress(state["read"])
        if finished:
            state["finished_at"] = time.monotonic()
        return finished

    def wait() -> None:
        """Block until some batch finished, failing when none does for `timeout` seconds."""
        pause = 0.01
        while not collect():
            now = time.monotonic()
            stalled = now - state["finished_at"]
            if stalled > timeout:
                who = "Celery workers still answer" if _workers_answer() else "no Celery worker answers"
                raise LoadFailed(f"no batch finished in {timeout:g} s ({who})")
            if stalled > ping_every and now - state["pinged_at"] > ping_every:
                # Workers that all went away fail the load before the timeout: three pings unanswered.
                state["silent"] = 0 if _workers_answer() else state["silent"] + 1
                state["pinged_at"] = time.monotonic()
                if state["silent"] >= 3:
                    silence = time.monotonic() - state["finished_at"]
                    raise LoadFailed(f"no Celery worker has answered for {silence:.0f} s while batches were in flight")
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def enqueue(shard: _Shard, batch: list[dict[str, Any]]) -> None:
        while shard.running is not None and shard.waiting:
            wait()
        if shard.running is None:
            send(shard, batch)
        else:
            shard.waiting.append(batch)

    done = False
    try:
        for record in records:
            shard = parts[_partition(record, shards)]
            shard.buffer.append(record)
            if len(shard.buffer) >= batch_size:
                enqueue(shard, shard.buffer)
                shard.buffer = []
                collect()
        for shard in parts:
            if shard.buffer:
                enqueue(shard, shard.buffer)
                shard.buffer = []
        while any(shard.running is not None for shard in parts):
            wait()
        done = True
    except (LoadFailed, KeyboardInterrupt):
        raise
    except Exception as exc:  # the broker or the result backend went away
        raise LoadFailed(f"lost touch with the Celery broker or result backend:\n{traceback.format_exc()}") from exc
    finally:
        if not done:  # batches not started yet stay unapplied, as the local processes would stop
            pending = [shard.running for shard in parts if shard.running is not None]
            if pending:
                with contextlib.suppress(Exception):  # the broker may be what failed
                    app.control.revoke([result.id for result in pending])
    return LoadResult(state["read"], outcomes)

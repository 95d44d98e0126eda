"""Database concurrency helpers: retry on deadlocks and serialization failures, key locks."""
from __future__ import annotations

import functools
import random
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
LOCK_BUCKETS = 1024


def _is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES or "database is locked" in str(exc)


def retry_on_conflict(func: Callable[..., T], *, attempts: int = 5) -> Callable[..., T]:
    """Run `func` again when the database aborted it for a deadlock or a serialization failure.

    Only the outermost transaction can be retried: inside an enclosing atomic block the error
    is raised to the caller, whose own retry (if any) repeats the whole unit of work.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        for attempt in range(1, attempts + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if connection.in_atomic_block or attempt == attempts or not _is_retryable(exc):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise AssertionError("unreachable")

    return wrapper


def lock_keys(namespace: str, keys: Iterable[str]) -> None:
    """Serialize transactions that touch the same keys (PostgreSQL advisory locks, held to commit).

    Keys are hashed into a fixed number of buckets and locked in ascending order, so two
    transactions can never wait on each other in a cycle. A no-op on SQLite, whose writers
    are serialized anyway.
    """
    if connection.vendor != "postgresql":
        return
    buckets = sorted({zlib.crc32(f"{namespace}:{key}".encode()) % LOCK_BUCKETS for key in keys})
    if not buckets:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, b) FROM (SELECT unnest(%s::int[]) AS b ORDER BY 1) AS ordered",
            [zlib.crc32(namespace.encode()) & 0x7FFFFFFF, buckets],
        )

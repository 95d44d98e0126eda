"""Database helpers: retry on deadlocks and serialization failures, key locks, bound cursors, array lookups."""
from __future__ import annotations

import functools
import random
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, models
from django.db.backends.utils import CursorDebugWrapper
from django.db.models.lookups import In

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


def current_snapshot() -> str | None:
    """Which transactions this moment sees as finished (PostgreSQL's pg_snapshot, as text);
    None on other databases."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        return cursor.fetchone()[0]


def others_ended_since(snapshot: str | None) -> bool:
    """Whether another transaction committed or rolled back since `snapshot` was taken (always
    True without a snapshot, on other databases: it cannot be told). Read-only transactions
    have no id and do not count: they changed nothing."""
    if snapshot is None:
        return True
    with connection.cursor() as cursor:
        cursor.execute(_ENDED_SINCE_SQL, [snapshot, snapshot])
        return cursor.fetchone()[0]


# The transactions in progress at the snapshot, and those that began after it, that the
# present sees as ended (this transaction's own id left out).
_ENDED_SINCE_SQL = """
    SELECT EXISTS (
        SELECT 1 FROM (
            SELECT pg_snapshot_xip(%s::pg_snapshot) AS x
            UNION ALL
            SELECT g::text::xid8 FROM generate_series(
                pg_snapshot_xmax(%s::pg_snapshot)::text::bigint,
                pg_snapshot_xmax(pg_current_snapshot())::text::bigint - 1) AS g
        ) AS c
        WHERE pg_visible_in_snapshot(x, pg_current_snapshot())
          AND x IS DISTINCT FROM pg_current_xact_id_if_assigned()
    )
"""


class _BoundCursor(psycopg.Cursor):
    """A server-binding cursor whose statements are always, or never, prepared."""

    def __init__(self, conn: Any, *, prepare: bool) -> None:
        super().__init__(conn)
        self.prepare = prepare

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[no-untyped-def]
        return super().execute(query, params, prepare=self.prepare, binary=binary)


class _StatementDebugWrapper(CursorDebugWrapper):
    """Django's query log for a server-bound cursor: the statement as written, with its parameters
    (psycopg keeps no query text for a prepared execution)."""

    def execute(self, sql, params=None):  # type: ignore[no-untyped-def]
        with self.debug_sql(sql, params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


@contextmanager
def server_bound_cursor(*, prepare: bool) -> Iterator[Any]:
    """A PostgreSQL cursor binding parameters on the server, wrapped like connection.cursor().

    Django binds parameters on the client, so PostgreSQL plans every statement anew. With
    prepare=True a statement is planned once per connection (persistent connections keep the
    plan): for a lookup joining several indexed tables, planning costs several times the
    execution. prepare=False never prepares, for statements whose best plan depends on the
    size of a bound array. Needs the `prepare_threshold` the settings give PostgreSQL; without
    it (DB_PREPARED_STATEMENTS=0) nothing is prepared. On other databases: a plain cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _BoundCursor(connection.connection, prepare=prepare)
    cursor = _StatementDebugWrapper(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        yield cursor


def text_array(values: Iterable[str]) -> str:
    """A PostgreSQL text[] literal of these strings, for one `%s::text[]` parameter."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


class AnyOf(In):
    """`field__any=values`: the values as one array parameter, `field = ANY(%s)`, on PostgreSQL.

    Django's `__in` writes one placeholder per value; for the thousands of keys or ids of a bulk
    batch, building, quoting and re-parsing that statement costs more than running it. Other
    databases get the plain IN list.
    """

    lookup_name = "any"

    def get_prep_lookup(self):  # type: ignore[no-untyped-def]
        # The values as given (of the field's Python type): preparing thousands one by one is
        # the cost this lookup is for avoiding.
        return [v for v in self.rhs if v is not None]

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        values = self.rhs
        if not values:
            raise EmptyResultSet  # as IN () would: nothing matches
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Ids and keys go as one array literal, joined in C: the driver would otherwise quote the
        # array element by element in Python.
        if all(type(v) is int for v in values):
            return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, "{" + ",".join(map(str, values)) + "}")
        if all(type(v) is str for v in values):
            return f"{lhs} = ANY(%s::text[])", (*lhs_params, text_array(values))
        field = self.lhs.output_field  # other types: each value prepared by its field, here only
        return f"{lhs} = ANY(%s)", (*lhs_params, [field.get_db_prep_value(v, connection) for v in values])


models.Field.register_lookup(AnyOf)
models.ForeignObject.register_lookup(AnyOf)  # relations keep lookups of their own

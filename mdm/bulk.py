"""Set-based writes for the bulk paths, history included.

On PostgreSQL new rows go in with COPY: ids are taken from the table's sequence first (one
query), then the rows stream through `COPY ... FROM STDIN`. Django's `bulk_create` sends the
rows as arrays that the driver quotes element by element in Python, which cost more than all
the database work of a load. Updates COPY the new values into a temporary table and run one
`UPDATE ... FROM` it, instead of Django's CASE expressions (five times faster than a VALUES
list of the same rows). Every tracked write also writes its history rows, the same rows
simple-history's own bulk helpers would write (change context included). Other databases
(the SQLite default) fall back to Django's bulk methods, and so do small batches (a record
arriving over REST): for a few rows, a sequence query plus COPY, or a temporary table, cost
more round trips than one INSERT ... RETURNING or an UPDATE per row.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import orjson
from django.db import connection, models, transaction
from django.utils import timezone

from mdm.audit import bulk_history_kwargs, current_context

M = TypeVar("M", bound=models.Model)

# Up to this many rows, Django's own bulk statements are cheaper than COPY.
SMALL_BATCH = 16


def _set_based(count: int) -> bool:
    return connection.vendor == "postgresql" and count > SMALL_BATCH


# Fields whose Python value psycopg writes as is: COPY's text format leaves parsing to the
# column type, so only JSON (and unknown field types) need Django's conversion.
_PLAIN_FIELDS = (
    models.CharField, models.TextField, models.IntegerField, models.BigIntegerField, models.SmallIntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField, models.BooleanField, models.FloatField,
    models.DecimalField, models.DateTimeField, models.DateField, models.UUIDField, models.AutoField,
    models.BigAutoField, models.ForeignKey,
)


_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def _json_value(encoder: Any) -> Any:
    """A JSON field's value as COPY text. Without an encoder of its own, orjson writes it: the
    same JSON as json.dumps (PostgreSQL stores jsonb parsed, so spacing and escapes do not
    matter) in a tenth of the time, which was the largest single cost of writing a load's rows."""
    if encoder is None:
        def convert(value: Any) -> Any:
            if value is None:
                return None
            try:
                return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
            except TypeError:  # a type orjson does not know, or an integer beyond 64 bits
                return json.dumps(value)
        return convert

    def convert_with(value: Any) -> Any:
        return None if value is None else json.dumps(value, cls=encoder)
    return convert_with


def _converter(field: models.Field) -> Any:
    """How one field's attribute value becomes what COPY writes (None: as it is)."""
    if isinstance(field, models.JSONField):
        return _json_value(field.encoder)
    if isinstance(field, _PLAIN_FIELDS):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _allocate_pks(model: type[models.Model], count: int) -> list[int]:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model: type[models.Model], rows: Iterable[Iterable[Any]], fields: Sequence[models.Field] = (),
          table: str = "") -> None:
    """COPY rows (values of `fields`, by default all concrete fields, in order) into the model's table."""
    fields = fields or model._meta.concrete_fields
    converters = [_converter(f) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(table or model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write([v if c is None else c(v) for v, c in zip(row, converters, strict=True)])


def copy_insert(model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """INSERT `objs` (with COPY on PostgreSQL) and set their primary keys. Writes no history."""
    if not objs:
        return objs
    if not _set_based(len(objs)):
        return model._default_manager.bulk_create(objs, batch_size=500)
    meta = model._meta
    missing = [obj for obj in objs if obj.pk is None]
    if missing:
        for obj, value in zip(missing, _allocate_pks(model, len(missing)), strict=True):
            obj.pk = value
    automatic = [f for f in meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for field in automatic:
            field.pre_save(obj, True)
    attnames = [f.attname for f in meta.concrete_fields]
    _copy(model, ([getattr(obj, name) for name in attnames] for obj in objs))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def copy_values(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT plain rows of some fields (the rest take their database defaults, ids included).

    For index-like tables written in bulk, where building a model instance per row costs more
    than the insert.
    """
    fields = [model._meta.get_field(name) for name in field_names]
    rows = list(rows)
    if _set_based(len(rows)):
        _copy(model, rows, fields)
        return
    model._default_manager.bulk_create(
        [model(**{f.attname: v for f, v in zip(fields, row, strict=True)}) for row in rows], batch_size=500
    )


@functools.cache
def _history_manager(model: type[models.Model]) -> Any:
    """The model's history manager. simple-history builds a new manager class on every
    `Model.history` access (through `inspect.getmembers`); this one holds no per-call state."""
    return model.history


def write_history(model: type[models.Model], objs: Sequence[models.Model], *, history_type: str = "+") -> None:
    """One historical row per object, stamped with the current change context.

    The same rows simple-history's `bulk_history_create` writes, without building a model
    instance per row.
    """
    if not objs:
        return
    if not _set_based(len(objs)):
        _history_manager(model).bulk_history_create(objs, update=history_type == "~", **bulk_history_kwargs())
        return
    history_model = _history_manager(model).model
    ctx = current_context()
    now = timezone.now()
    tracked = {f.attname for f in history_model.tracked_fields}
    common = {"history_user_id": ctx.user_id, "history_type": history_type,
              "request_id": ctx.request_id, "source_system": ctx.system_code}
    # The history ids are the table's own, numbered by the database in row order: nobody here
    # needs them, so they are not allocated first.
    fields = [f for f in history_model._meta.concrete_fields if f is not history_model._meta.pk]
    layout = [(f.attname, f.attname in tracked) for f in fields]

    def rows() -> Iterable[list[Any]]:
        for obj in objs:
            extra = {**common, "history_date": getattr(obj, "_history_date", now),
                     "history_change_reason": getattr(obj, "_change_reason", None) or ctx.reason or None,
                     "history_relation_id": obj.pk}
            yield [getattr(obj, name) if is_tracked else extra[name] for name, is_tracked in layout]

    _copy(history_model, rows(), fields)


def create_tracked(objs: Sequence[M], model: type[M]) -> Sequence[M]:
    """Insert new tracked objects and their "created" history rows."""
    copy_insert(model, objs)
    write_history(model, objs, history_type="+")
    return objs


def _pg_update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """COPY the new values into a temporary table, then one UPDATE ... FROM it."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    table = quote(meta.db_table)
    staging = f"_bulk_update_{meta.db_table}"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(staging)} ON COMMIT DROP AS "
                       f"SELECT {', '.join(quote(f.column) for f in columns)} FROM {table} LIMIT 0")
        _copy(model, ([getattr(obj, f.attname) for f in columns] for obj in objs), columns, table=staging)
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {quote(staging)} AS v "
                       f"WHERE {table}.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}")
        cursor.execute(f"DROP TABLE {quote(staging)}")


def bulk_update_tracked(
    objs: Sequence[models.Model], model: type[models.Model], fields: Sequence[str], *, batch_size: int = 500
) -> None:
    """Update `fields` of `objs` and write one historical row per object."""
    if not objs:
        return
    if _set_based(len(objs)):
        _pg_update(model, objs, fields)
    elif len(objs) <= SMALL_BATCH:
        # Django's bulk_update builds a CASE per field and row; a plain UPDATE per row compiles
        # in a fraction of that for the one or few rows of a request.
        attnames = [model._meta.get_field(name).attname for name in fields]
        for obj in objs:
            model._base_manager.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in attnames})
    else:
        model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
    write_history(model, objs, history_type="~")

"""Set-based writes of tracked models that still write a history row per changed object.

Django's `bulk_update` builds one CASE expression per field and object, which costs more
than the database work for batches of hundreds. On PostgreSQL `bulk_update_tracked` sends
one `UPDATE ... FROM (VALUES ...)` per batch instead; elsewhere it falls back to Django's.
Either way the history rows go through simple-history's `bulk_history_create`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from mdm.audit import bulk_history_kwargs


def _pg_update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    types = [pk.db_type(connection)] + [f.db_type(connection) for f in columns]
    row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    params: list[Any] = []
    for obj in objs:
        params.append(pk.get_db_prep_save(obj.pk, connection))
        for field in columns:
            params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
    names = ", ".join(connection.ops.quote_name(c) for c in ["_pk", *(f.column for f in columns)])
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = v.{connection.ops.quote_name(f.column)}" for f in columns
    )
    table = connection.ops.quote_name(meta.db_table)
    sql = (f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(objs))}) AS v({names}) "
           f"WHERE {table}.{connection.ops.quote_name(pk.column)} = v._pk")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def bulk_update_tracked(
    objs: Sequence[models.Model], model: type[models.Model], fields: Sequence[str], *, batch_size: int = 500
) -> None:
    """Update `fields` of `objs` and write one historical row per object."""
    if not objs:
        return
    if connection.vendor == "postgresql":
        for start in range(0, len(objs), batch_size):
            _pg_update(model, objs[start:start + batch_size], fields)
    else:
        model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
    model.history.bulk_history_create(objs, batch_size=batch_size, update=True, **bulk_history_kwargs())

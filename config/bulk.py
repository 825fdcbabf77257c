"""Fast bulk inserts: PostgreSQL's COPY where available, ``bulk_create`` elsewhere.

Django's ``bulk_create`` costs about a millisecond a row in Python for wide rows; the nightly
rollups and the demo generator write hundreds of thousands, so on PostgreSQL they stream plain
tuples through COPY instead. COPY applies no Django defaults: callers give every column.

A batch of a thousand records also allocates a few hundred thousand short-lived containers, and
CPython's cyclic garbage collector, counting allocations, runs a full collection over every object
of the process every other batch or so (0.1–0.25 s each in the synchronisation benchmark, a fifth
of a batch's Python time): ``collection_paused`` holds it off for the duration of a batch.
"""

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models
from django.db.models import sql


@contextmanager
def collection_paused() -> Iterator[None]:
    """Hold off CPython's cyclic garbage collector while the block runs (also as a decorator).

    Nothing is leaked: objects are still freed by reference counting as the block goes, and the
    few reference cycles it leaves are collected by the first collection after it. Only the
    caller that found the collector enabled enables it again, so nested blocks, and blocks of
    concurrent threads, never leave it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``, which are attribute names)."""
    if connection.vendor == "postgresql":
        quoted = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in columns)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    attnames = [model._meta.get_field(name).attname for name in columns]
    model.objects.bulk_create((model(**dict(zip(attnames, row, strict=True))) for row in rows), batch_size=2000)


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """``count`` fresh primary keys from the table's sequence (PostgreSQL), or None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_together(objects: Sequence[models.Model]) -> None:
    """Insert a few model instances, of any models, one row each, and set their primary keys.

    On PostgreSQL in one statement (each ``INSERT … RETURNING`` a data-modifying ``WITH`` query,
    so they all happen or none does); elsewhere one ``save(force_insert=True)`` each. Field
    defaults and ``auto_now`` apply as in ``save``; ``Model.save`` overrides and signals do not
    run (callers fill in what those would).
    """
    if connection.vendor != "postgresql":
        for obj in objects:
            obj.save(force_insert=True)
        return
    parts, params, keys = [], [], []
    for number, obj in enumerate(objects):
        meta = obj._meta
        fields = [
            field
            for field in meta.local_concrete_fields
            if not field.generated and not (field.primary_key and obj.pk is None)
        ]
        query = sql.InsertQuery(type(obj))
        query.insert_values(fields, [obj], raw=False)
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [meta.pk]
        [(statement, values)] = compiler.as_sql()
        parts.append(f"w{number} AS ({statement})")
        params.extend(values)
        keys.append(f"(SELECT {connection.ops.quote_name(meta.pk.column)} FROM w{number})")
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {', '.join(keys)}", params)
        row = cursor.fetchone()
    for obj, pk in zip(objects, row, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias

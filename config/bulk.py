"""Fast bulk inserts: PostgreSQL's COPY where available, ``bulk_create`` elsewhere.

Django's ``bulk_create`` costs about a millisecond a row in Python for wide rows; the nightly
rollups and the demo generator write hundreds of thousands, so on PostgreSQL they stream plain
tuples through COPY instead. COPY applies no Django defaults: callers give every column.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models


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

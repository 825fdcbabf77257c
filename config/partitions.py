"""Tables range-partitioned by year on PostgreSQL (issue 15): converting a table in place, and
creating the partitions of the years ahead.

A partitioned table here has one partition per calendar year of its date column,
``<table>_y<year>`` holding ``[<year>-01-01, <year+1>-01-01)``, and a ``<table>_default``
partition that catches any other date, so an insert never fails for want of a partition. The
Django models do not change: the conversion is a data migration, and a partitioned table takes the
same ``INSERT``, ``UPDATE``, ``DELETE`` and ``COPY`` statements as a plain one.

PostgreSQL requires every primary key and unique constraint of a partitioned table to include the
partition key (https://www.postgresql.org/docs/15/ddl-partitioning.html, "Limitations"), so the
conversion appends the date column to them: the primary key becomes ``(id, <date>)`` in the
database while Django keeps ``id`` as the model's primary key (ids still come from one sequence,
so they stay unique), and a unique constraint without the date is then unique within a year's
partition only. Such a constraint carries a comment saying so, which the reverse conversion reads.
No foreign key may point to a partitioned table's ``id`` alone; the conversion refuses a table
that one points to.

This module names no app: the migrations of ``dossiers`` and ``stats`` name their tables, and
``create_partitions_ahead`` finds every table partitioned so in the catalogue. SQLite has no
partitioning; everything here is PostgreSQL only.
"""

import datetime
import re

from django.db import connection as default_connection
from django.utils import timezone

# The marker put as a comment on a unique constraint that had the partition key appended.
_APPENDED = "partition key appended: "
# At most this many yearly partitions are made from the data's years (older rows go to DEFAULT).
MAX_YEARS = 60


def _quote(name: str) -> str:
    return default_connection.ops.quote_name(name)


def partition_name(table: str, year: int) -> str:
    """``dossiers_dossierevent_y2026``: the partition of ``table`` for ``year``."""
    return f"{table}_y{year}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def is_partitioned(cursor, table: str) -> bool:
    """Whether ``table`` (in the current schema) is a partitioned table."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p WHERE p.partrelid = to_regclass(%s))", [table])
    return cursor.fetchone()[0]


def yearly_tables(cursor) -> list[tuple[str, str]]:
    """Every table range-partitioned on one date column: ``[(table, column), …]``, by table name."""
    cursor.execute(
        """
        SELECT c.relname, a.attname
        FROM pg_partitioned_table p
        JOIN pg_class c ON c.oid = p.partrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
        WHERE p.partstrat = 'r' AND p.partnatts = 1 AND a.atttypid = 'date'::regtype
        ORDER BY c.relname
        """
    )
    return [(table, column) for table, column in cursor.fetchall()]


def _bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def ensure_year_partitions(cursor, table: str, column: str, years) -> list[str]:
    """Create the partitions of ``table`` for ``years`` that are missing; returns the names created.

    Idempotent. Rows of such a year already caught by the DEFAULT partition move into the new
    partition in the same statement sequence (PostgreSQL refuses a partition whose rows the
    DEFAULT partition holds), so running it inside a transaction leaves nothing half-done.
    Attaching locks the parent briefly (``SHARE UPDATE EXCLUSIVE``) and the DEFAULT partition
    while PostgreSQL checks it holds no row of the new range (empty in normal operation). Two
    callers at once take turns on a transaction-level advisory lock, so neither trips on the
    other's new table.
    """
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext('config.partitions'))")
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
        [table],
    )
    existing = {row[0] for row in cursor.fetchall()}
    default = default_partition_name(table)
    created = []
    for year in sorted(set(years)):
        name = partition_name(table, year)
        if name in existing:
            continue
        start, end = _bounds(year)
        # NOT NULL and CHECK constraints come with LIKE (ATTACH requires them); indexes and foreign
        # keys are cloned from the parent by ATTACH.
        cursor.execute(
            f"CREATE TABLE {_quote(name)}"
            f" (LIKE {_quote(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        if default in existing:
            # The rows of that year the DEFAULT partition caught move to the new partition first.
            cursor.execute(
                f"WITH moved AS (DELETE FROM {_quote(default)} WHERE {_quote(column)} >= %s AND {_quote(column)} < %s"
                f" RETURNING *) INSERT INTO {_quote(name)} SELECT * FROM moved",
                [start, end],
            )
        cursor.execute(
            f"ALTER TABLE {_quote(table)} ATTACH PARTITION {_quote(name)} FOR VALUES FROM (%s) TO (%s)", [start, end]
        )
        created.append(name)
    if default not in existing:
        cursor.execute(f"CREATE TABLE {_quote(default)} PARTITION OF {_quote(table)} DEFAULT")
        created.append(default)
    return created


def _years_in_default(cursor, table: str, column: str) -> set[int]:
    default = default_partition_name(table)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
    if not cursor.fetchone()[0]:
        return set()
    year = f"CAST(date_part('year', {_quote(column)}) AS integer)"
    # Years far off (a mistyped date) stay in DEFAULT rather than each getting a partition.
    cursor.execute(f"SELECT DISTINCT {year} FROM {_quote(default)} WHERE {year} BETWEEN 2000 AND 2099")
    return {row[0] for row in cursor.fetchall()}


def create_partitions_ahead(*, today: datetime.date | None = None, years_ahead: int = 2, using=None) -> list[str]:
    """Give every yearly-partitioned table its partitions for this year and ``years_ahead`` more,
    and a partition for every year whose rows the DEFAULT partition caught; returns the names created.

    Idempotent (the nightly beat task ``config.tasks.create_partitions_ahead`` calls it); does
    nothing on SQLite. ``today`` defaults to today's local date.
    """
    from django.db import connections, transaction

    connection = connections[using or "default"]
    if connection.vendor != "postgresql":
        return []
    today = today or timezone.localdate()
    created = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table, column in yearly_tables(cursor):
            years = set(range(today.year, today.year + years_ahead + 1)) | _years_in_default(cursor, table, column)
            created += ensure_year_partitions(cursor, table, column, years)
    return created


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped"
        " ORDER BY attnum",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _constraint_columns(cursor, oid: int) -> list[str]:
    cursor.execute(
        "SELECT a.attname FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum WHERE c.oid = %s ORDER BY k.n",
        [oid],
    )
    return [row[0] for row in cursor.fetchall()]


def _definition(cursor, table: str) -> dict:
    """What the rebuilt table needs of ``table``: its indexes (those that back no constraint), its
    constraints, and its identity sequence's next value."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisunique
        FROM pg_index i
        WHERE i.indrelid = to_regclass(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY 1
        """,
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT c.oid, c.conname, c.contype, pg_get_constraintdef(c.oid), obj_description(c.oid, 'pg_constraint')"
        " FROM pg_constraint c WHERE c.conrelid = to_regclass(%s) AND c.contype IN ('p', 'u', 'f', 'c')"
        " ORDER BY c.contype DESC, c.conname",
        [table],
    )
    constraints = [
        (name, kind, definition, _constraint_columns(cursor, oid), comment or "")
        for oid, name, kind, definition, comment in cursor.fetchall()
    ]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    next_id = None
    if sequence:
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {sequence}")
        next_id = cursor.fetchone()[0]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {_quote(table)}")
        next_id = max(next_id, cursor.fetchone()[0])
    return {"indexes": indexes, "constraints": constraints, "sequence": sequence, "next_id": next_id}


def _refuse_references_and_triggers(cursor, table: str) -> None:
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint"
        " WHERE contype = 'f' AND confrelid = to_regclass(%s)",
        [table],
    )
    references = cursor.fetchall()
    if references:
        raise RuntimeError(f"{table} cannot be rebuilt: foreign keys point to it ({references}).")
    cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal", [table])
    triggers = [row[0] for row in cursor.fetchall()]
    if triggers:
        raise RuntimeError(f"{table} cannot be rebuilt: it has triggers ({triggers}) this conversion would drop.")


def _rebuild(cursor, table: str, column: str, *, partitioned: bool, years=()) -> None:
    """Replace ``table`` by a copy of it, partitioned by year of ``column`` or plain, with the same
    columns, defaults, identity, indexes and constraints, then drop the original."""
    _refuse_references_and_triggers(cursor, table)
    cursor.execute(f"LOCK TABLE {_quote(table)} IN ACCESS EXCLUSIVE MODE")
    definition = _definition(cursor, table)
    old = f"{table}__rebuilt"[:63]
    cursor.execute(f"ALTER TABLE {_quote(table)} RENAME TO {_quote(old)}")
    # Columns, NOT NULL, defaults and the identity (a new sequence, set below); indexes, keys and
    # foreign keys are created after the rows are in, which is faster than maintaining them.
    layout = f"LIKE {_quote(old)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE"
    if partitioned:
        cursor.execute(f"CREATE TABLE {_quote(table)} ({layout}) PARTITION BY RANGE ({_quote(column)})")
    else:
        cursor.execute(f"CREATE TABLE {_quote(table)} ({layout})")
    # CHECK constraints before the rows: each row is checked as it is inserted, where adding them
    # afterwards would scan the table once per constraint (the rollups have twenty).
    for name, kind, definition_sql, *_rest in definition["constraints"]:
        if kind == "c":
            cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition_sql}")
    if partitioned:
        ensure_year_partitions(cursor, table, column, years)
    # The index builds below sort the whole table; give them room (this transaction only).
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    columns = ", ".join(_quote(name) for name in _columns(cursor, old))
    cursor.execute(
        f"INSERT INTO {_quote(table)} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {_quote(old)}"
    )
    cursor.execute(f"DROP TABLE {_quote(old)}")
    if definition["sequence"]:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        new_sequence = cursor.fetchone()[0]
        if new_sequence != definition["sequence"]:  # the old name is free again: keep it
            bare = definition["sequence"].split(".")[-1].strip('"')
            cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {_quote(bare)}")
        cursor.execute(f"ALTER TABLE {_quote(table)} ALTER COLUMN id RESTART WITH {int(definition['next_id'])}")
    for _name, statement, unique in definition["indexes"]:
        statement = statement.replace(" ON ONLY ", " ON ", 1)
        if unique and partitioned and not re.search(rf"\b{re.escape(column)}\b", statement):
            raise RuntimeError(f"{table}: the unique index {_name} lacks the partition key; make it a constraint.")
        cursor.execute(statement)
    for name, kind, definition_sql, key_columns, comment in definition["constraints"]:
        if kind == "c":
            continue  # added before the rows
        statement = definition_sql
        note = None
        if kind in ("p", "u"):
            wanted = list(key_columns)
            if partitioned and column not in wanted:
                wanted.append(column)
                if kind == "u":
                    note = f"{_APPENDED}{column}"
            if not partitioned and comment.startswith(_APPENDED):
                wanted.remove(comment[len(_APPENDED) :])
            if not partitioned and kind == "p" and column in wanted and len(wanted) > 1:
                wanted.remove(column)
            statement = ("PRIMARY KEY" if kind == "p" else "UNIQUE") + f" ({', '.join(_quote(c) for c in wanted)})"
            if " DEFERRABLE" in definition_sql:
                statement += definition_sql[definition_sql.index(" DEFERRABLE") :]
        cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {statement}")
        if note:
            cursor.execute(f"COMMENT ON CONSTRAINT {_quote(name)} ON {_quote(table)} IS %s", [note])
    cursor.execute(f"ANALYZE {_quote(table)}")


def _data_years(cursor, table: str, column: str) -> set[int]:
    cursor.execute(f"SELECT MIN({_quote(column)}), MAX({_quote(column)}) FROM {_quote(table)}")
    first, last = cursor.fetchone()
    if first is None:
        return set()
    first_year = max(first.year, last.year - MAX_YEARS + 1)
    return set(range(first_year, last.year + 1))


def partition_by_year(table: str, column: str, *, connection=None, today: datetime.date | None = None) -> None:
    """Convert the plain table ``table`` in place into one range-partitioned by year of ``column``
    (a ``date`` column), with a partition for every year from its oldest row to its newest (at most
    ``MAX_YEARS``), this year and the next, and a DEFAULT partition.

    Rows move with one ``INSERT … SELECT`` into a new table, whose indexes and constraints are
    built after the rows are in; the original is then dropped and the new table takes its name,
    its identity sequence's name and position, its indexes' and constraints' names. Runs inside
    the caller's transaction (a migration's), holding an ``ACCESS EXCLUSIVE`` lock on the table:
    writers and readers of it wait until the migration commits. Does nothing on SQLite or when the
    table is partitioned already. Raises ``RuntimeError`` if a foreign key points to the table,
    it has triggers, or it has a unique index (not a constraint) without ``column``.
    """
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return
        years = _data_years(cursor, table, column) | {today.year, today.year + 1}
        _rebuild(cursor, table, column, partitioned=True, years=years)


def unpartition(table: str, column: str, *, connection=None) -> None:
    """The reverse of ``partition_by_year``: ``table`` becomes a plain table again, with the primary
    key and the unique constraints it had before."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return
        _rebuild(cursor, table, column, partitioned=False)

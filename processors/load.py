"""Loading one cleaned table into its calaccess_raw table with PostgreSQL COPY.

The table is replaced in one transaction (TRUNCATE, drop its secondary
indexes, COPY ... FREEZE, build the indexes again):
TRUNCATE takes an exclusive lock, so a reader waits for the commit and sees
either the previous release's rows or all of the new ones, never part of them.

Values are converted by PostgreSQL itself: dates in the export's
`3/29/2001 12:00:00 AM` form parse under DateStyle MDY, decimals and integers
as written; an empty typed value (a quoted "" in the cleaned CSV) becomes NULL
(NULL in COPY's text format, or FORCE_NULL when the CSV is sent as is). A file whose columns differ from the model's (schema
drift) goes through a staging table and is loaded by column name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from .errors import LoadMismatch
from .native import copy_text_converter
from .schema import DATE, DECIMAL, FLOAT, INTEGER, TEXT, TableSchema

COPY_BUFFER = 1024 * 1024

_SQL_TYPES = {INTEGER: "integer", DECIMAL: "numeric", FLOAT: "double precision", DATE: "date"}


def _copy_file(cursor, statement, path: Path, on_progress: Callable[[int], None] | None, converter=None) -> int:
    """COPY the file; with a converter, its header is skipped and the rest converted on the way."""
    with cursor.copy(statement) as copy, open(path, "rb") as f:
        if converter is not None:
            f.readline()  # the header: COPY's text format has none
        while data := f.read(COPY_BUFFER):
            copy.write(converter.feed(data) if converter is not None else data)
            if on_progress is not None:
                on_progress(len(data))
        if converter is not None:
            converter.finish()
    return cursor.rowcount


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Name and definition of the table's indexes other than its primary key and unique ones."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique
        ORDER BY c.relname
        """,
        [sql.Identifier(table).as_string(cursor)],
    )
    return cursor.fetchall()


def _identifiers(names) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def table_load(
    *,
    conninfo: str,
    schema: TableSchema,
    clean_path: Path,
    header: list[str],
    expected_records: int,
    on_progress: Callable[[int], None] | None = None,
    native: bool = True,
) -> int:
    """Replace the rows of `schema`'s table with the cleaned CSV; return rows loaded.

    With `native` (and a C compiler on the machine) the CSV is streamed to the
    server in COPY's text format, which it parses faster; the rows are the same.

    Raises LoadMismatch (and leaves the previous rows in place) when PostgreSQL
    loaded a different number of rows than the clean stage wrote.
    """
    table = sql.Identifier(schema.db_table)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        cursor.execute("SET LOCAL datestyle = 'ISO, MDY'")
        # Index builds after the COPY sort in memory rather than on disk.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(table))
        # Building an index once after the COPY is cheaper than growing it row by row.
        indexes = _secondary_indexes(cursor, schema.db_table)
        for name, _ in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        if header == schema.column_names:
            # Tables with our own `id` get it numbered in the stream, not drawn from the sequence.
            numbered = schema.primary_key is None
            converter = copy_text_converter([c.typed for c in schema.columns], numbered=numbered) if native else None
            if converter is not None:
                options = sql.SQL("FORMAT text, FREEZE true")
                columns = (["id"] if numbered else []) + header
            else:
                columns = header
                options = sql.SQL("FORMAT csv, HEADER true, FREEZE true")
                typed = [c.name for c in schema.columns if c.typed]
                if typed:
                    options = sql.SQL("{}, FORCE_NULL ({})").format(options, _identifiers(typed))
            statement = sql.SQL("COPY {} ({}) FROM STDIN WITH ({})").format(
                table, _identifiers(columns), options
            )
            loaded = _copy_file(cursor, statement, clean_path, on_progress, converter)
            if converter is not None and numbered and converter.rows:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                    [sql.Identifier(schema.db_table).as_string(cursor), converter.rows],
                )
        else:
            loaded = _load_by_name(cursor, schema, clean_path, header, on_progress)
        for _, definition in indexes:
            cursor.execute(definition)
        if loaded != expected_records:
            conn.rollback()
            raise LoadMismatch(
                f"{schema.name}: PostgreSQL loaded {loaded} rows but the clean stage wrote {expected_records}"
            )
    return loaded


def _load_by_name(cursor, schema: TableSchema, clean_path: Path, header: list[str], on_progress) -> int:
    """Load a drifted file: every source column into a staging table, then by name."""
    stage = sql.Identifier(f"stage_{schema.db_table.lower()}")
    cursor.execute(
        sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
            stage, sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(n)) for n in header)
        )
    )
    _copy_file(
        cursor,
        sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER true)").format(stage),
        clean_path,
        on_progress,
    )
    targets, values = [], []
    for column in schema.columns:
        source = sql.Identifier(column.name)
        if column.name not in header:
            if column.kind != TEXT:
                continue  # NULL: the state no longer sends this column
            targets.append(column.name)
            values.append(sql.SQL("''"))
        elif column.kind == TEXT:
            targets.append(column.name)
            values.append(source)
        else:
            targets.append(column.name)
            values.append(sql.SQL("NULLIF({}, '')::{}").format(source, sql.SQL(_SQL_TYPES[column.kind])))
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
            sql.Identifier(schema.db_table), _identifiers(targets), sql.SQL(", ").join(values), stage
        )
    )
    return cursor.rowcount

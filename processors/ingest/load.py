"""Loading one cleaned table into its calaccess_raw table with PostgreSQL COPY.

The table is replaced in one transaction (TRUNCATE, drop its indexes and
primary key, COPY ... FREEZE, build them again):
TRUNCATE takes an exclusive lock, so a reader waits for the commit and sees
either the previous release's rows or all of the new ones, never part of them.

Values are converted by PostgreSQL itself: dates in the export's
`3/29/2001 12:00:00 AM` form parse under DateStyle MDY, decimals and integers
as written; an empty typed value (a quoted "" in the cleaned CSV) becomes NULL
(NULL in COPY's text format, or FORCE_NULL when the CSV is read as is). A
file whose columns differ from the model's (schema drift) goes through a
staging table and is loaded by column name.

How the rows reach the server, cheapest first:
- a server on this machine that may read server files (the embedded one)
  reads the cleaned CSV itself (COPY FROM a file: no stream through this
  process and the socket), once it has shown it sees our file at that path;
- otherwise the CSV is streamed, turned into COPY's text format by the C
  converter (which the server parses faster than CSV), or as CSV without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from processors.errors import LoadMismatch
from .native import NATIVE, PYTHON, SERVER, copy_text_converter, unavailable_reason
from .schema import DATE, DECIMAL, FLOAT, INTEGER, TEXT, TableSchema

COPY_BUFFER = 1024 * 1024
# Bytes compared at each end of the cleaned file to tell that the server reads
# our file, not another one at the same path on another machine.
SAME_FILE_PROBE = 64 * 1024

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
    """Name and definition of the table's indexes that no constraint owns."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
        """,
        [sql.Identifier(table).as_string(cursor)],
    )
    return cursor.fetchall()


def _key_constraints(cursor, table: str) -> list[tuple[str, str]]:
    """Name and definition of the table's primary key and unique constraints,
    unless a foreign key refers to the table (those keys must stay)."""
    cursor.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype IN ('p', 'u')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = %s::regclass)
        ORDER BY conname
        """,
        [sql.Identifier(table).as_string(cursor)] * 2,
    )
    return cursor.fetchall()


def _server_reads(cursor, path: Path) -> bool:
    """True when the server may read `path` itself and finds our file there
    (same size, same bytes at both ends)."""
    size = path.stat().st_size
    probe = min(SAME_FILE_PROBE, size)
    with open(path, "rb") as f:
        head = f.read(probe)
        f.seek(size - probe)
        tail = f.read(probe)
    try:
        # A savepoint: a refusal (no privilege, no such file there) must not end the load's transaction.
        with cursor.connection.transaction():
            cursor.execute(
                "SELECT (pg_stat_file(%(path)s)).size, pg_read_binary_file(%(path)s, 0, %(probe)s),"
                " pg_read_binary_file(%(path)s, %(tail)s, %(probe)s)",
                {"path": str(path.resolve()), "probe": probe, "tail": size - probe},
            )
            found = cursor.fetchone()
    except psycopg.Error:
        return False
    return found == (size, head, tail)


def _csv_options(schema: TableSchema) -> sql.Composable:
    """COPY options for the cleaned CSV as written: an empty typed value is NULL."""
    options = sql.SQL("FORMAT csv, HEADER true, FREEZE true")
    typed = [c.name for c in schema.columns if c.typed]
    if typed:
        options = sql.SQL("{}, FORCE_NULL ({})").format(options, _identifiers(typed))
    return options


def _identifiers(names) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


@dataclass(frozen=True)
class LoadResult:
    records_loaded: int
    # How the rows went: SERVER (PostgreSQL read the file itself), NATIVE
    # (streamed through the C converter) or PYTHON (streamed as CSV); and why
    # the C converter was wanted but unavailable.
    engine: str
    native_missing: str = ""


def table_load(**options) -> int:
    """Replace the rows of a table with the cleaned CSV; return rows loaded (see `table_load_result`)."""
    return table_load_result(**options).records_loaded


def table_load_result(
    *,
    conninfo: str,
    schema: TableSchema,
    clean_path: Path,
    header: list[str],
    expected_records: int,
    on_progress: Callable[[int], None] | None = None,
    native: bool = True,
    server_files: bool = True,
) -> LoadResult:
    """Replace the rows of `schema`'s table with the cleaned CSV; return rows loaded and how.

    `server_files=False` never lets the server read the file itself, and
    `native=False` streams the CSV without the C converter (see the module
    docstring); the rows are the same whichever way they go.

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
        keys = _key_constraints(cursor, schema.db_table)
        for name, _ in keys:
            cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, sql.Identifier(name)))
        for name, _ in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        engine, native_missing = PYTHON, ""
        if header != schema.column_names:
            loaded = _load_by_name(cursor, schema, clean_path, header, on_progress)
        elif server_files and _server_reads(cursor, clean_path):
            engine = SERVER
            cursor.execute(
                sql.SQL("COPY {} ({}) FROM {} WITH ({})").format(
                    table, _identifiers(header), sql.Literal(str(clean_path.resolve())), _csv_options(schema)
                )
            )
            loaded = cursor.rowcount
            if on_progress is not None:
                on_progress(clean_path.stat().st_size)
        else:
            loaded, engine, native_missing = _stream(cursor, schema, clean_path, on_progress, native)
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in keys:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(table, sql.Identifier(name), sql.SQL(definition))
            )
        if loaded != expected_records:
            conn.rollback()
            raise LoadMismatch(
                f"{schema.name}: PostgreSQL loaded {loaded} rows but the clean stage wrote {expected_records}"
            )
    return LoadResult(records_loaded=loaded, engine=engine, native_missing=native_missing)


def _stream(cursor, schema: TableSchema, clean_path: Path, on_progress, native: bool) -> tuple[int, str, str]:
    """COPY the cleaned CSV through this process: as COPY text with the C converter, else as CSV.

    Returns the rows loaded, the engine and why the C converter was unavailable."""
    table = sql.Identifier(schema.db_table)
    # Tables with our own `id` get it numbered in the stream, not drawn from the sequence.
    numbered = schema.primary_key is None
    converter = copy_text_converter([c.typed for c in schema.columns], numbered=numbered) if native else None
    if converter is not None:
        options = sql.SQL("FORMAT text, FREEZE true")
        columns = (["id"] if numbered else []) + schema.column_names
    else:
        columns = schema.column_names
        options = _csv_options(schema)
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH ({})").format(table, _identifiers(columns), options)
    loaded = _copy_file(cursor, statement, clean_path, on_progress, converter)
    if converter is not None and numbered and converter.rows:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table.as_string(cursor), converter.rows]
        )
    if converter is not None:
        return loaded, NATIVE, ""
    return loaded, PYTHON, (unavailable_reason() or "") if native else ""


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

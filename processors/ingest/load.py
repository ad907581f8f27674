"""Loading one cleaned table with PostgreSQL COPY, beside the live table; swapping a release's tables in.

A release's tables go live together or not at all:

- `table_load_result` loads one table into a fresh copy of the live table in
  the staging schema (`calaccess_staging."X"` beside `public."X"`), created
  in the load's own transaction from the live table's definition (columns,
  types, defaults, its own `id` identity sequence, check constraints, storage
  parameters; then, after the COPY, the live table's indexes, primary key and
  other keys under their live names, and its grants), and marks it with a tag
  (a comment on the table) naming what it holds. Autovacuum leaves the copy
  alone until the swap. The live table is only read. Each table is loaded on
  its own, by whichever process or machine.
- `tables_swap`, once every table is loaded, drops the live tables and moves
  the staging ones into their place (`ALTER TABLE ... SET SCHEMA`), all in
  the caller's transaction: a reader waits on the locks and then sees the
  whole new release, never part of it, and a failure anywhere before the
  commit leaves the previous release's tables live. Dropping each live table
  before its successor moves in keeps index, constraint and sequence names
  free: they are unique per schema, and the new table arrives with the same
  names the old one had.

The staging table is created in the load's transaction, so COPY may FREEZE
it (no later rewrite of every row to mark it visible) and, under
`wal_level=minimal`, skip the write-ahead log, as a TRUNCATE in the same
transaction would. Indexes and keys are built once after the COPY: one sort
per index is much cheaper than growing every index row by row.

Values are converted by PostgreSQL itself: dates in the export's
`3/29/2001 12:00:00 AM` form parse under DateStyle MDY, decimals and integers
as written; an empty typed value (a quoted "" in the cleaned CSV) becomes NULL
(NULL in COPY's text format, or FORCE_NULL when the CSV is read as is). A
file whose columns differ from the model's (schema drift) goes through a
temporary table and is loaded by column name.

How the rows reach the server, cheapest first:
- a server on this machine that may read server files (the embedded one)
  reads the cleaned CSV itself (COPY FROM a file: no stream through this
  process and the socket), once it has shown it sees our file at that path;
- otherwise the CSV is streamed, turned into COPY's text format by the C
  converter (which the server parses faster than CSV), or as CSV without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from processors.errors import LoadMismatch, PipelineError
from .native import NATIVE, PYTHON, SERVER, copy_text_converter, unavailable_reason
from .schema import DATE, DECIMAL, FLOAT, INTEGER, TEXT, TableSchema
from .staging import (
    _AUTOVACUUM,
    _LOCKS,
    LIVE_SCHEMA,
    STAGING_SCHEMA,
    _is_autovacuum,
    _qualified,
    _reloptions,
    _staging_schema_ensure,
)

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


def _secondary_indexes(cursor, live: str, staging: str, table: str) -> list[tuple[str, str]]:
    """Name and definition of the live table's indexes that no constraint owns, as definitions that
    build them under the same names on the staging table."""
    live_name, staging_name = _qualified(cursor, live, table), _qualified(cursor, staging, table)
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
        """,
        [live_name],
    )
    indexes = []
    for name, definition in cursor.fetchall():
        # "CREATE [UNIQUE] INDEX name ON schema.table USING ...": the table comes right after the name.
        target = f" ON {live_name} USING "
        if target not in definition:
            raise PipelineError(f"{table}: index {name} has a definition the load cannot move: {definition}")
        indexes.append((name, definition.replace(target, f" ON {staging_name} USING ", 1)))
    return indexes


def _key_constraints(cursor, live: str, table: str) -> list[tuple[str, str]]:
    """Name and definition of the live table's constraints that LIKE does not copy: primary key, unique and
    exclusion constraints (built after the COPY), then foreign keys."""
    cursor.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x', 'f')
        ORDER BY contype = 'f', conname
        """,
        [_qualified(cursor, live, table)],
    )
    return cursor.fetchall()


def _grants(cursor, live: str, table: str) -> list[tuple[sql.Composable, sql.Composable, sql.Composable]]:
    """The live table's grants to others than its owner (a new table has none): privilege, grantee
    and grant option of each."""
    cursor.execute(
        """
        SELECT a.privilege_type, a.is_grantable, r.rolname
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = %s::regclass AND a.grantee <> c.relowner
        ORDER BY 3, 1
        """,
        [_qualified(cursor, live, table)],
    )
    return [
        (sql.SQL(privilege), sql.SQL("PUBLIC") if role is None else sql.Identifier(role),
         sql.SQL(" WITH GRANT OPTION") if grantable else sql.SQL(""))
        for privilege, grantable, role in cursor.fetchall()
    ]


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
    # Values converted for the typed table, by rule (flag_to_integer, blank_number_to_null).
    conversions: dict = field(default_factory=dict)


def table_load(**options) -> int:
    """Load the cleaned CSV into the table's staging copy; return rows loaded (see `table_load_result`)."""
    return table_load_result(**options).records_loaded


def table_load_result(
    *,
    conninfo: str,
    schema: TableSchema,
    clean_path: Path,
    header: list[str],
    expected_records: int,
    tag: str,
    on_progress: Callable[[int], None] | None = None,
    native: bool = True,
    server_files: bool = True,
    live: str = LIVE_SCHEMA,
    staging: str = STAGING_SCHEMA,
    values_to_convert: int = 0,
) -> LoadResult:
    """Load the cleaned CSV into a new copy of `schema`'s live table in `staging`; return rows loaded and how.

    The copy replaces any earlier one in `staging` and, once committed, carries `tag` (a non-empty
    string naming what it holds: `table_tags` reads it, `tables_swap` moves only the tables whose tag
    it expects). The live table in `live` is not changed.

    `server_files=False` never lets the server read the file itself, and
    `native=False` streams the CSV without the C converter (see the module
    docstring); the rows are the same whichever way they go.

    `values_to_convert` is the clean stage's count of values the typed table
    cannot take as the CSV keeps them (flag letters in integer columns, typed
    values of only spaces): such a table is converted on its way in, by the C
    converter or else in SQL, never read by the server as is.

    Raises LoadMismatch (and leaves the staging schema as it was) when PostgreSQL
    loaded a different number of rows than the clean stage wrote.
    """
    if not tag:
        raise ValueError("a load needs a tag naming what it holds")
    table = sql.Identifier(staging, schema.db_table)
    with psycopg.connect(conninfo) as conn:
        _staging_schema_ensure(conn, staging)
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL datestyle = 'ISO, MDY'")
            # Index builds after the COPY sort in memory rather than on disk.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCKS, schema.db_table])
            # Created in this transaction (COPY FREEZE needs it), with the live table's columns, defaults,
            # identity (a sequence of its own), checks and storage parameters; its indexes come after the COPY.
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            live_options = _reloptions(cursor, live, [schema.db_table]).get(schema.db_table, [])
            options = [o for o in live_options if not _is_autovacuum(o)] + [f"{_AUTOVACUUM}=false"]
            cursor.execute(
                sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL EXCLUDING INDEXES) WITH ({})").format(
                    table, sql.Identifier(live, schema.db_table), sql.SQL(", ").join(sql.SQL(o) for o in options)
                )
            )
            indexes = _secondary_indexes(cursor, live, staging, schema.db_table)
            keys = _key_constraints(cursor, live, schema.db_table)
            grants = _grants(cursor, live, schema.db_table)
            engine, native_missing, conversions = PYTHON, "", {}
            if header != schema.column_names:
                loaded, conversions = _load_by_name(cursor, table, schema, clean_path, header, on_progress)
            elif server_files and not values_to_convert and _server_reads(cursor, clean_path):
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
                loaded, engine, native_missing, conversions = _stream(
                    cursor, table, schema, clean_path, on_progress, native, values_to_convert
                )
            if loaded != expected_records:
                conn.rollback()
                raise LoadMismatch(
                    f"{schema.name}: PostgreSQL loaded {loaded} rows but the clean stage wrote {expected_records}"
                )
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in keys:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                        table, sql.Identifier(name), sql.SQL(definition)
                    )
                )
            for privilege, grantee, option in grants:
                cursor.execute(sql.SQL("GRANT {} ON {} TO {}{}").format(privilege, table, grantee, option))
            cursor.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(tag)))
    return LoadResult(records_loaded=loaded, engine=engine, native_missing=native_missing, conversions=conversions)


def _stream(cursor, table: sql.Identifier, schema: TableSchema, clean_path: Path, on_progress,
            native: bool, values_to_convert: int) -> tuple[int, str, str, dict]:
    """COPY the cleaned CSV through this process: as COPY text with the C converter, else as CSV
    (converted in SQL when it holds values to convert).

    Returns the rows loaded, the engine, why the C converter was unavailable and the conversions."""
    # Tables with our own `id` get it numbered in the stream, not drawn from the sequence.
    numbered = schema.primary_key is None
    converter = copy_text_converter([c.kind for c in schema.columns], numbered=numbered) if native else None
    missing = (unavailable_reason() or "") if native and converter is None else ""
    if converter is None and values_to_convert:
        loaded, conversions = _load_by_name(cursor, table, schema, clean_path, schema.column_names, on_progress)
        return loaded, PYTHON, missing, conversions
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
        return loaded, NATIVE, "", converter.conversions
    return loaded, PYTHON, missing, {}


# The whitespace PostgreSQL skips around a number or a date: a typed value of only these is NULL.
_BLANK = sql.SQL("btrim({}, E' \\t\\n\\r\\x0b\\f') = ''")


def _typed_value(column, source: sql.Composable) -> sql.Composable:
    """SQL turning a cleaned CSV's text into the column's value, as the C converter does."""
    blank = _BLANK.format(source)
    if column.kind == INTEGER:
        return sql.SQL(
            "CASE WHEN {blank} THEN NULL WHEN {v} IN ('Y', 'y', 'X', 'x') THEN 1 WHEN {v} IN ('N', 'n') THEN 0"
            " ELSE {v}::integer END"
        ).format(blank=blank, v=source)
    return sql.SQL("CASE WHEN {} THEN NULL ELSE {}::{} END").format(blank, source, sql.SQL(_SQL_TYPES[column.kind]))


def _conversions_count(cursor, stage: sql.Identifier, columns) -> dict:
    """How many values of the temporary table `_typed_value` converts, by rule."""
    flags = [sql.SQL("count(*) FILTER (WHERE {} IN ('Y', 'y', 'X', 'x', 'N', 'n'))").format(sql.Identifier(c.name))
             for c in columns if c.kind == INTEGER]
    blanks = [sql.SQL("count(*) FILTER (WHERE {} <> '' AND {})").format(
        sql.Identifier(c.name), _BLANK.format(sql.Identifier(c.name))) for c in columns]
    if not columns:
        return {}
    cursor.execute(sql.SQL("SELECT {}, {} FROM {}").format(
        sql.SQL(" + ").join(flags) if flags else sql.SQL("0"), sql.SQL(" + ").join(blanks), stage))
    flagged, blank = cursor.fetchone()
    return {name: n for name, n in (("flag_to_integer", flagged), ("blank_number_to_null", blank)) if n}


def _load_by_name(cursor, table: sql.Identifier, schema: TableSchema, clean_path: Path, header: list[str],
                  on_progress) -> tuple[int, dict]:
    """Load through a temporary table (a drifted file, or values to convert without the C converter):
    every source column in as text, then into the table by name, converted. Returns rows and conversions."""
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
            values.append(_typed_value(column, source))
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
            table, _identifiers(targets), sql.SQL(", ").join(values), stage
        )
    )
    loaded = cursor.rowcount
    return loaded, _conversions_count(cursor, stage, [c for c in schema.columns if c.typed and c.name in header])

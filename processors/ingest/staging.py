"""The staging schema: where a release's raw tables wait, loaded, until all of them go live at once.

A table is loaded into a copy of the live table under STAGING_SCHEMA (processors.ingest.load),
tagged with what it holds; `tables_swap` then replaces every live table by its copy in one
transaction, so readers and processing always see one complete release, and a failure before
the swap leaves the previous release's tables live (docs/cleaning.md, "Load").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import psycopg
from psycopg import sql

from processors.errors import PipelineError

# Where the raw tables live (Django's, and what processing reads) and where a release is loaded first.
LIVE_SCHEMA = "public"
STAGING_SCHEMA = "calaccess_staging"
# Advisory locks in the two-key space (the ingest's own lock is a one-key lock, which never
# collides with these): (_LOCKS, 0) guards the staging schema's creation, (_LOCKS, hashtext(table))
# one table's staging copy, so two loads of one table (a redelivered task) or a load and the swap
# take turns instead of colliding on the new table's name.
_LOCKS = 7_164_002

# A staging copy is not vacuumed or analyzed while it waits (autovacuum would, right after its load,
# and the swap would then wait up to deadlock_timeout for it to give way); the swap gives the table the
# live table's setting back, and autovacuum gets to it there.
_AUTOVACUUM = "autovacuum_enabled"

class SwapRefused(PipelineError):
    """The swap did not happen (a table of the release is neither in the staging schema nor live, or
    PostgreSQL refused to drop a live table that something depends on): the previous tables stay live."""


def _qualified(cursor, schema: str, table: str) -> str:
    """`schema.table` as PostgreSQL itself prints it (quoted only where needed, as in pg_get_indexdef)."""
    cursor.execute("SELECT quote_ident(%s) || '.' || quote_ident(%s)", [schema, table])
    return cursor.fetchone()[0]


def _reloptions(cursor, schema: str, tables: Iterable[str]) -> dict[str, list[str]]:
    """{table: its storage parameters ("name=value")} of those of `tables` in `schema` that exist."""
    cursor.execute(
        "SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname = ANY(%s)",
        [schema, list(tables)],
    )
    return dict(cursor.fetchall())


def _is_autovacuum(option: str) -> bool:
    return option.startswith(f"{_AUTOVACUUM}=")


def _staging_schema_ensure(conn: psycopg.Connection, staging: str) -> None:
    """Create the staging schema unless it exists, in a transaction of its own (loads running at once
    take turns, so one creates it and the others find it)."""
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [staging]).fetchone() is None:
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", [_LOCKS])
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(staging)))
    conn.commit()


def table_tags(*, cursor, schema: str, tables: Iterable[str]) -> dict[str, str]:
    """{table: tag} of those of `tables` in `schema` that carry a load's tag (see `table_load_result`)."""
    cursor.execute(
        """
        SELECT c.relname, obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname = ANY(%s)
        """,
        [schema, list(tables)],
    )
    return {table: tag for table, tag in cursor.fetchall() if tag}


def staging_tables(*, cursor, staging: str = STAGING_SCHEMA) -> list[str]:
    """The tables in the staging schema, by name."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1",
        [staging],
    )
    return [name for (name,) in cursor.fetchall()]


def tables_swap(*, cursor, tables: Mapping[str, str], live: str = LIVE_SCHEMA,
                staging: str = STAGING_SCHEMA) -> list[str]:
    """Put a whole release live: every table of `tables` ({table: tag}) whose staging copy carries its
    tag replaces the live table, in the caller's transaction (commit it; nothing is visible before).

    A table whose live copy already carries its tag (a run resumed after the swap) stays as it is. If
    any table is in neither place, SwapRefused is raised before anything changes. Staging
    copies of these tables that were not moved (another release's, an earlier attempt's) are dropped,
    so the staging schema holds none of them afterwards. Returns the tables moved in.

    Each live table is dropped before its staging copy moves into its schema, so the copy's index,
    constraint and identity sequence names (those of the live table) are free; the identity sequence
    moves with its table, and the table gets the live table's autovacuum setting back. A view or a foreign key that depends on a live table makes PostgreSQL refuse
    the drop: the swap then fails as a whole and the previous tables stay live.
    """
    names = sorted(tables)
    # Waits for a load of one of these tables still running (an orphaned backend after a kill).
    cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(t)) FROM unnest(%s::text[]) AS t ORDER BY t",
                   [_LOCKS, names])
    staged = table_tags(cursor=cursor, schema=staging, tables=names)
    current = table_tags(cursor=cursor, schema=live, tables=names)
    moving = [t for t in names if staged.get(t) == tables[t]]
    missing = [t for t in names if t not in moving and current.get(t) != tables[t]]
    if missing:
        raise SwapRefused(
            f"{len(missing)} table(s) not loaded for this release: {', '.join(missing[:5])}"
            f"{', ...' if len(missing) > 5 else ''}; the live tables were left as they were"
        )
    if moving:
        settings = _reloptions(cursor, live, moving)
        try:
            cursor.execute(
                sql.SQL("DROP TABLE IF EXISTS {}").format(sql.SQL(", ").join(sql.Identifier(live, t) for t in moving))
            )
        except psycopg.errors.DependentObjectsStillExist as exc:
            detail = " ".join((exc.diag.message_detail or exc.diag.message_primary or "").split("\n"))
            raise SwapRefused(
                f"the live tables cannot be replaced: {detail}; they were left as they were"
                " (remove what depends on them, then run again)"
            ) from exc
        for t in moving:
            cursor.execute(
                sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(sql.Identifier(staging, t), sql.Identifier(live))
            )
            # The live table's own autovacuum setting back (none: the server's default).
            own = [o for o in settings.get(t, []) if _is_autovacuum(o)]
            change = sql.SQL("SET ({})").format(sql.SQL(own[0])) if own else sql.SQL(f"RESET ({_AUTOVACUUM})")
            cursor.execute(sql.SQL("ALTER TABLE {} {}").format(sql.Identifier(live, t), change))
    stale = sorted(set(staging_tables(cursor=cursor, staging=staging)) & set(names))
    if stale:
        cursor.execute(
            sql.SQL("DROP TABLE {}").format(sql.SQL(", ").join(sql.Identifier(staging, t) for t in stale))
        )
    return moving

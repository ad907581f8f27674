"""Bulk loading of the OCD tables: keys and indexes are set aside while the tables fill.

Maintaining the indexes and checking 8 foreign keys row by row makes an
INSERT ... SELECT of millions of transactions several times slower than
building each index once and validating each foreign key with one join
afterwards. That holds for the primary keys too: their ids are name-based
UUIDs, so every insert lands on a random page of an index larger than the
buffer cache (at 10 M raw records, 34 s of the 74 s insert of 1.8 M
receipts; one sorted build afterwards takes 4 s). They are put back first,
and a duplicate id still fails processing there (unique violation). The
other unique constraints (small tables) stay. Everything happens inside the
processing transaction: a failure leaves the previous tables, indexes and
constraints as they were.
"""

from __future__ import annotations


def ocd_constraints_drop(*, cursor, tables: list[str]) -> list[str]:
    """Drop the primary and foreign keys and non-unique indexes of `tables`; return the statements that put them back."""
    keys = {}
    for kind in ("p", "f"):
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE contype = %(kind)s AND conrelid::regclass::text = ANY(%(tables)s) ORDER BY 1, 2""",
            {"tables": tables, "kind": kind},
        )
        keys[kind] = cursor.fetchall()
    primary_keys, foreign_keys = keys["p"], keys["f"]
    cursor.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index AS i
           JOIN pg_class AS c ON c.oid = i.indexrelid
           WHERE i.indrelid::regclass::text = ANY(%(tables)s) AND NOT i.indisprimary AND NOT i.indisunique
             AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)
           ORDER BY 1""",
        {"tables": tables},
    )
    indexes = cursor.fetchall()
    for table, name, _ in foreign_keys + primary_keys:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return (
        [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in primary_keys]
        + [definition for _, definition in indexes]
        + [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign_keys]
    )


def ocd_constraints_restore(*, cursor, statements: list[str]) -> None:
    """Build the primary keys and indexes and validate the foreign keys again (one sort, scan or join each)."""
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for statement in statements:
        cursor.execute(statement)

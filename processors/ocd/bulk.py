"""Bulk loading of the OCD tables: their foreign keys and secondary indexes are set aside while the tables fill.

Maintaining 18 indexes and checking 8 foreign keys row by row makes an
INSERT ... SELECT of millions of transactions several times slower than
building each index once and validating each foreign key with one join
afterwards. Primary keys and unique constraints stay (their errors must be
raised by the insert that breaks them). Everything happens inside the
processing transaction: a failure leaves the previous tables, indexes and
constraints as they were.
"""

from __future__ import annotations


def ocd_constraints_drop(*, cursor, tables: list[str]) -> list[str]:
    """Drop the foreign keys and non-unique indexes of `tables`; return the statements that put them back."""
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND conrelid::regclass::text = ANY(%(tables)s) ORDER BY 1, 2""",
        {"tables": tables},
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index AS i
           JOIN pg_class AS c ON c.oid = i.indexrelid
           WHERE i.indrelid::regclass::text = ANY(%(tables)s) AND NOT i.indisprimary AND NOT i.indisunique
             AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)
           ORDER BY 1""",
        {"tables": tables},
    )
    indexes = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign_keys
    ]


def ocd_constraints_restore(*, cursor, statements: list[str]) -> None:
    """Build the indexes and validate the foreign keys again (one scan or join each)."""
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for statement in statements:
        cursor.execute(statement)

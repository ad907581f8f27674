"""Operations that migrations of more than one app share."""


def like_indexes_drop(schema_editor, *, tables: list[str]) -> None:
    """Drop the `varchar_pattern_ops` twins (`..._like`) Django adds beside indexed text columns.

    They serve only `LIKE 'prefix%'` queries, which nothing here runs, and every
    index of a bulk-filled table is rebuilt after each fill.
    """
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname LIKE '%%\\_like'",
            [tables],
        )
        for (name,) in cursor.fetchall():
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

"""Drop the raw tables' single-column indexes on AMEND_ID, LINE_ITEM and REC_TYPE.

django-calaccess-raw-data indexes these columns on their own (88 indexes).
Alone, none of them can find a few rows: AMEND_ID is 0 for most records and
a small number for the rest, REC_TYPE holds one or two codes per table, and a
LINE_ITEM means nothing without the filing it belongs to. PostgreSQL scans the
table for such conditions anyway, while the nightly load rebuilds every index
after each COPY: these cost about a third of the load's time. Lookups of a
filing's records go through the FILING_ID index, which stays, as do FILER_ID,
FORM_TYPE and every other index (docs/cleaning.md, "Indexes").
"""

from django.db import migrations

LOW_VALUE_COLUMNS = ["AMEND_ID", "LINE_ITEM", "REC_TYPE"]


def forwards(apps, schema_editor):
    from calaccess_raw import get_model_list

    tables = [model._meta.db_table for model in get_model_list()]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index.relname
            FROM pg_index i
            JOIN pg_class index ON index.oid = i.indexrelid
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND i.indnatts = 1 AND NOT i.indisunique AND NOT i.indisprimary AND a.attname = ANY(%s)
            """,
            [tables, LOW_VALUE_COLUMNS],
        )
        for (name,) in cursor.fetchall():
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("calaccess_archive", "0004_drop_raw_like_indexes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Drop the `varchar_pattern_ops` twins of the raw tables' text indexes.

Django adds a second index (`..._like`) beside every indexed text column for
`LIKE 'prefix%'` queries. Nothing here runs such queries on raw tables, and the
load rebuilds every index of a table after each COPY, so these 63 indexes cost
a full sort per table per night for no use. The ordinary btree index on each
column stays.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from calaccess_raw import get_model_list

    tables = [model._meta.db_table for model in get_model_list()]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname LIKE '%%\\_like'",
            [tables],
        )
        for (name,) in cursor.fetchall():
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("calaccess_archive", "0003_archive")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

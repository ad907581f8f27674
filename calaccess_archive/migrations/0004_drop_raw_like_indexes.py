"""Drop the `varchar_pattern_ops` twins of the raw tables' text indexes.

Django adds a second index (`..._like`) beside every indexed text column for
`LIKE 'prefix%'` queries. Nothing here runs such queries on raw tables, and the
load rebuilds every index of a table after each COPY, so these 63 indexes cost
a full sort per table per night for no use. The ordinary btree index on each
column stays.
"""

from django.db import migrations

from calaccess_archive.migration_helpers import like_indexes_drop


def forwards(apps, schema_editor):
    from calaccess_raw import get_model_list

    like_indexes_drop(schema_editor, tables=[model._meta.db_table for model in get_model_list()])


class Migration(migrations.Migration):
    dependencies = [("calaccess_archive", "0003_archive")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Drop the `varchar_pattern_ops` twins of the OCD tables' text indexes.

Django adds a second index (`..._like`) beside every indexed text column,
including the varchar primary keys and foreign keys, for `LIKE 'prefix%'`
queries. Nothing runs such queries on the OCD tables, and processing rebuilds
every non-unique index after each fill (processors/ocd/bulk.py), so these 66
indexes doubled that step for no use (as calaccess_archive 0004 found for the
raw tables). The ordinary btree index on each column stays.
"""

from django.db import migrations

from calaccess_archive.migration_helpers import like_indexes_drop


def forwards(apps, schema_editor):
    tables = [m._meta.db_table for m in apps.get_app_config("ocd").get_models()
              if m._meta.db_table.startswith("opencivicdata_")]
    like_indexes_drop(schema_editor, tables=tables)


class Migration(migrations.Migration):
    dependencies = [("ocd", "0003_ocd_uuid_inlined")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""The SQL function ocd_uuid(name): the name-based UUID of ocd/ids.py, computed inside PostgreSQL."""

from django.db import migrations

from processors.ocd.ids import SQL_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("ocd", "0001_initial")]

    operations = [migrations.RunSQL(SQL_FUNCTION, "DROP FUNCTION IF EXISTS ocd_uuid(text)")]

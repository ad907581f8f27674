"""ocd_uuid(name) rewritten as one inlinable expression: the same UUIDs, computed faster."""

from django.db import migrations

from processors.ocd.ids import SQL_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("ocd", "0002_ocd_uuid_function")]

    operations = [migrations.RunSQL(SQL_FUNCTION, migrations.RunSQL.noop)]

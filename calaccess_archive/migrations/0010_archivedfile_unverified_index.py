"""A partial index of the archived files not verified yet, for /status/ (selectors.pipeline_status).

pipeline_status counts the unverified files by status and lists the first few by (identifier, name), both
filtered on `status <> 'verified'`: a condition the index on status cannot serve, so each was a sequential
scan of every archived file (~180 a release: 80 ms apiece at 3,000 releases, bench/site). Nearly every
file is verified, so this index holds a handful of rows and answers both in well under a millisecond.
Raw SQL (not Meta.indexes): a partial index on a condition Django writes as NOT (status = 'verified').
"""

from django.db import migrations

INDEX = "calaccess_archive_archivedfile_unverified"


class Migration(migrations.Migration):
    dependencies = [("calaccess_archive", "0009_release_replaced")]

    operations = [
        migrations.RunSQL(
            sql=f'CREATE INDEX "{INDEX}" ON "calaccess_archive_archivedfile" ("identifier", "name") '
                f"WHERE \"status\" <> 'verified'",
            reverse_sql=f'DROP INDEX IF EXISTS "{INDEX}"',
        ),
    ]

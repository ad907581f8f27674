"""Indexes for the site's reads of one file or one table across every release.

The site asks for one file in every release's item ("clean/RCPT_CD.csv", the newest verified "flat.zip");
an archived file's `name` is `<identifier>/<file name>`, so without an index on the file name inside the
item (models.archive.item_path) each such read scanned every archived file (~180 per release). A raw
table's page reads that table's RawDataFile in every release: 80 rows per release without (table, version).
"""

from django.db import migrations, models
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import StrIndex, Substr


class Migration(migrations.Migration):

    dependencies = [
        ("calaccess_archive", "0010_archivedfile_unverified_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="archivedfile",
            index=models.Index(
                Substr("name", CombinedExpression(StrIndex("name", models.Value("/")), "+", models.Value(1))),
                name="archivedfile_item_path",
            ),
        ),
        migrations.AddIndex(
            model_name="rawdatafile",
            index=models.Index(fields=["table", "version"], name="rawdatafile_table_version"),
        ),
    ]

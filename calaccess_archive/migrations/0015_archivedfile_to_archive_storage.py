"""ArchivedFile moves to the archive_storage app (issue 13), step 2: same table, same rows.

`version` goes (0012 copied it into the generic `owner`); the table is renamed to the app's name and the
model leaves this app's state only (SeparateDatabaseAndState): the app's 0001_initial, which runs after
this one (run_before), adopts the table as it is, with its rows and indexes. Reversible.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("calaccess_archive", "0014_archivedfile_owner"),
    ]
    run_before = [("archive_storage", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="archivedfile", name="version"),
        migrations.AlterField(
            model_name="archivedfile", name="role",
            field=models.CharField(default="other", help_text="What the file is to its owner (free text)",
                                   max_length=20),
        ),
        migrations.AddIndex(
            model_name="archivedfile",
            index=models.Index(fields=["owner_type", "owner_id"], name="archivedfile_owner"),
        ),
        migrations.AlterModelTable(name="archivedfile", table="archive_storage_archivedfile"),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ArchivedFile")]),
    ]

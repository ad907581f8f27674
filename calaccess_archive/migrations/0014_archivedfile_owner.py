"""ArchivedFile moves to the archive_storage app (issue 13), step 1: each record gets its owner.

Each record's `version` (a foreign key to RawDataVersion) becomes its generic `owner` (content type
calaccess_archive.rawdataversion, owner_id = the release's id), so the app's record points at nothing
of ours; RawDataVersion.archived_files is now a GenericRelation on our side. 0013 drops `version`
and hands the table over. Reversible.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F

RELEASE = {"app_label": "calaccess_archive", "model": "rawdataversion"}


def constraints_now(schema_editor):
    """Check foreign keys at once, so no trigger is left pending when this migration then alters the table."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def owners_from_versions(apps, schema_editor):
    constraints_now(schema_editor)
    ArchivedFile = apps.get_model("calaccess_archive", "ArchivedFile")
    ContentType = apps.get_model("contenttypes", "ContentType")
    linked = ArchivedFile.objects.using(schema_editor.connection.alias).filter(version__isnull=False)
    if linked.exists():
        release, _ = ContentType.objects.using(schema_editor.connection.alias).get_or_create(**RELEASE)
        linked.update(owner_type=release, owner_id=F("version_id"))


def versions_from_owners(apps, schema_editor):
    constraints_now(schema_editor)
    ArchivedFile = apps.get_model("calaccess_archive", "ArchivedFile")
    ArchivedFile.objects.using(schema_editor.connection.alias).filter(
        owner_type__app_label=RELEASE["app_label"], owner_type__model=RELEASE["model"],
    ).update(version_id=F("owner_id"))


class Migration(migrations.Migration):

    dependencies = [
        ("calaccess_archive", "0013_corrections"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="archivedfile", name="owner_type",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="contenttypes.contenttype"),
        ),
        migrations.AddField(
            model_name="archivedfile", name="owner_id", field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(owners_from_versions, versions_from_owners),
    ]

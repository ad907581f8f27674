"""The ArchivedFile table: created here, or adopted as it is when a project already has it.

A project that kept these records in a model of its own before using this app renames that table to
`archive_storage_archivedfile` in one of its migrations and lists this one in that migration's
`run_before` (calaccess-archive's 0015_archivedfile_to_archive_storage does): the table, its rows and its
indexes are kept, and this migration only takes the model into the app's state. Unapplying it leaves the
table where it is (an archive's records are not dropped by a migration).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import StrIndex, Substr


class CreateModelUnlessPresent(migrations.CreateModel):
    """CreateModel, except that a table of that name already there is adopted as it is."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.name)
        if model._meta.db_table in schema_editor.connection.introspection.table_names():
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        CreateModelUnlessPresent(
            name="ArchivedFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("storage", models.CharField(help_text="Storage label: local or archive.org", max_length=40)),
                ("name", models.CharField(help_text="<identifier>/<file name>", max_length=400)),
                ("identifier", models.CharField(db_index=True, max_length=100)),
                ("owner_id", models.PositiveBigIntegerField(blank=True, null=True)),
                ("role", models.CharField(default="other", help_text="What the file is to its owner (free text)",
                                          max_length=20)),
                ("local_path", models.CharField(blank=True, max_length=1000)),
                ("md5", models.CharField(blank=True, max_length=32)),
                ("sha256", models.CharField(blank=True, max_length=64)),
                ("size", models.BigIntegerField(blank=True, null=True)),
                ("status", models.CharField(choices=[("pending", "Pending"), ("uploading", "Uploading"),
                                                     ("uploaded", "uploaded, not yet verified"),
                                                     ("verified", "Verified"), ("failed", "Failed")],
                                            db_index=True, default="pending", max_length=20)),
                ("attempts", models.PositiveIntegerField(default=0, help_text="Upload attempts (PUTs sent)")),
                ("checks", models.PositiveIntegerField(default=0, help_text="Times the item's file list was read for it")),
                ("last_error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("upload_started_at", models.DateTimeField(blank=True, null=True)),
                ("uploaded_at", models.DateTimeField(blank=True, null=True)),
                ("verified_at", models.DateTimeField(blank=True, null=True)),
                ("next_check_at", models.DateTimeField(blank=True, help_text="When verification should look again",
                                                       null=True)),
                ("owner_type", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to="contenttypes.contenttype")),
            ],
            options={
                "ordering": ["identifier", "name"],
                "indexes": [
                    models.Index(Substr("name", CombinedExpression(StrIndex("name", models.Value("/")), "+",
                                                                   models.Value(1))),
                                 name="archivedfile_item_path"),
                    models.Index(fields=["owner_type", "owner_id"], name="archivedfile_owner"),
                ],
                "constraints": [models.UniqueConstraint(fields=("storage", "name"), name="one_record_per_archived_name")],
            },
        ),
    ]

"""Let every typed raw column hold NULL.

django-calaccess-raw-data declares many integer, decimal, float and date columns
NOT NULL, and its loader wrote 0 where the export had an empty value. We load an
empty value as NULL instead, so nothing is invented; the models are unchanged.
"""

from django.db import migrations

TYPED = {"IntegerField", "DecimalField", "FloatField", "DateField", "DateTimeField", "ForeignKeyField"}


def _statements(apps):
    from calaccess_raw import get_model_list

    for model in get_model_list():
        for field in model._meta.concrete_fields:
            if field.db_column and type(field).__name__ in TYPED and not field.null and not field.primary_key:
                yield f'ALTER TABLE "{model._meta.db_table}" ALTER COLUMN "{field.column}" DROP NOT NULL'


def forwards(apps, schema_editor):
    for statement in _statements(apps):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("calaccess_archive", "0001_initial"),
        ("calaccess_raw", "0029_alter_cvrf470cd_date_1000"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

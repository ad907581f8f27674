"""Each OCD model's relational CSV, read off the model: its columns, their types and order.

The export writers in processors.ocd.export take these as plain values, so
they never import a model.
"""

from __future__ import annotations

from django.db import models

from processors.ocd.export import BOOLEAN, DATETIME, Field, RelationalTable


def _field_of(field: models.Field) -> Field:
    column = f'"{field.column}"'
    description = str(field.help_text or field.verbose_name)
    if isinstance(field, models.DateTimeField):
        return Field(field.column, DATETIME.format(column), "datetime", description)
    if isinstance(field, models.BooleanField):
        return Field(field.column, BOOLEAN.format(column), "boolean", description)
    if isinstance(field, models.JSONField):
        return Field(field.column, f"{column}::text", "object", description)
    if isinstance(field, models.DateField):
        return Field(field.column, column, "date", description)
    if isinstance(field, (models.IntegerField, models.BigIntegerField)) and not field.is_relation:
        return Field(field.column, column, "integer", description)
    if isinstance(field, models.DecimalField):
        return Field(field.column, column, "number", description)
    return Field(field.column, f"{column}::text" if isinstance(field, models.UUIDField) else column, "string",
                 description)


def relational_fields(model) -> tuple[Field, ...]:
    """The columns of a model's relational CSV: the id first, then the model's field order."""
    pk = model._meta.pk
    return tuple(_field_of(f) for f in [pk] + [f for f in model._meta.concrete_fields if f is not pk])


def relational_name(model) -> str:
    return f"{model._meta.db_table}.csv"


def relational_tables() -> list[RelationalTable]:
    """Every OCD table, in OCD_MODELS order (parents first)."""
    from ocd.models import OCD_MODELS

    return [
        RelationalTable(
            name=relational_name(model),
            db_table=model._meta.db_table,
            fields=relational_fields(model),
            # Text ids sort in byte order; UUID ids (related rows) sort as UUIDs, the same order.
            order_sql='"id"' if isinstance(model._meta.pk, models.UUIDField) else '"id"::text COLLATE "C"',
            description=f"Open Civic Data {model.__name__} ({model._meta.db_table})",
        )
        for model in OCD_MODELS
    ]

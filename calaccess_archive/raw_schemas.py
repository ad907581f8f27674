"""The 80 raw tables' schemas, read from django-calaccess-raw-data's models.

The stages take these `TableSchema` values as arguments and never import a
model themselves, so they run without Django (in worker processes, in the
sample generator).
"""

from __future__ import annotations

from functools import cache

from processors.ingest.schema import DATE, DECIMAL, FLOAT, INTEGER, TEXT, Column, TableSchema


def _column_from_field(model_field) -> Column:
    name = model_field.db_column
    kind_name = type(model_field).__name__
    if kind_name == "ForeignKeyField":
        # Typed like the column it points to, named like itself.
        model_field = model_field.foreign_related_fields[0]
        kind_name = type(model_field).__name__
    kind = {
        "CharField": TEXT,
        "IntegerField": INTEGER,
        "BigAutoField": INTEGER,  # a foreign key to a table with our own id
        "AutoField": INTEGER,
        "DecimalField": DECIMAL,
        "FloatField": FLOAT,
        "DateField": DATE,
        "DateTimeField": DATE,
    }[kind_name]
    return Column(
        name=name,
        kind=kind,
        max_length=model_field.max_length if kind == TEXT else None,
        max_digits=getattr(model_field, "max_digits", None) if kind == DECIMAL else None,
        decimal_places=getattr(model_field, "decimal_places", None) if kind == DECIMAL else None,
    )


def schema_from_model(model) -> TableSchema:
    """The schema of one django-calaccess-raw-data model (its `id` is ours, not the export's)."""
    columns = tuple(
        _column_from_field(f)
        for f in model._meta.concrete_fields
        if f.db_column is not None and not f.get_internal_type().endswith("AutoField")
    )
    pk = model._meta.pk
    return TableSchema(
        name=model._meta.db_table,
        db_table=model._meta.db_table,
        columns=columns,
        primary_key=pk.db_column if pk.db_column is not None else None,
    )


@cache
def raw_table_schemas() -> dict[str, TableSchema]:
    """All 80 tables, by name, in the package's model order."""
    from calaccess_raw import get_model_list

    return {s.name: s for s in (schema_from_model(m) for m in get_model_list())}

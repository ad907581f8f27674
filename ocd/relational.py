"""Each OCD model's relational CSV, read off the model: its name, its columns, their types and order.

The CSVs are named and ordered as the California Civic Data Coalition published
them (django-calaccess-processed-data, docs/ocd-exports.md "Relational files"):
`<Model>.csv` (`Candidacy.csv`), columns in the order of the coalition's export.
Releases exported before that kept `<db_table>.csv` (`opencivicdata_candidacy.csv`)
with the columns in model order; `relational_table_named` knows both layouts, so
those releases' files are still described, compared and linked.

The export writers in processors.ocd.export take these as plain values, so
they never import a model.
"""

from __future__ import annotations

from functools import cache

from django.db import models

from processors.ocd.export import BOOLEAN, DATETIME, Field, RelationalTable

# The coalition's column order where it fixed one: the `copy_to_fields` of its proxy models
# (calaccess_processed_elections/proxies/opencivicdata/), or python-opencivicdata's field order where
# a proxy had none (Jurisdiction: its base model's timestamps come first). Columns we do not have
# (`locked_fields`, Jurisdiction's `feature_flags`) are left out; ours that the coalition did not
# have come after its columns. Models not listed here get the same shape (TIMESTAMPS_LAST).
_BASE = ("created_at", "updated_at", "extras", "locked_fields")
COALITION_COLUMNS: dict[str, tuple[str, ...]] = {
    "Jurisdiction": _BASE + ("id", "name", "url", "classification", "feature_flags", "division_id"),
    "Organization": ("id", "name", "image", "parent_id", "jurisdiction_id", "classification", "founding_date",
                     "dissolution_date") + _BASE,
    "Post": ("id", "label", "role", "organization_id", "division_id", "start_date", "end_date",
             "maximum_memberships") + _BASE,
    "Person": ("id", "name", "sort_name", "family_name", "given_name", "image", "gender", "summary",
               "national_identity", "biography", "birth_date", "death_date") + _BASE,
    "Membership": ("id", "organization_id", "person_id", "person_name", "post_id", "on_behalf_of_id", "label",
                   "role", "start_date", "end_date") + _BASE,
    "Election": ("id", "name", "date", "division_id", "administrative_organization_id") + _BASE,
    "CandidateContest": ("id", "name", "division_id", "election_id", "party_id", "previous_term_unexpired",
                         "number_elected", "runoff_for_contest_id") + _BASE,
    "Candidacy": ("id", "candidate_name", "person_id", "party_id", "contest_id", "post_id", "is_incumbent",
                  "registration_status", "top_ticket_candidacy_id", "filed_date") + _BASE,
    "BallotMeasureContest": ("id", "name", "division_id", "election_id", "description", "requirement",
                             "classification", "runoff_for_contest_id") + _BASE,
    "RetentionContest": ("id", "name", "membership_id", "division_id", "election_id", "description",
                         "requirement", "runoff_for_contest_id") + _BASE,
}
# The coalition's shape for a model it left in model order or never had: the id, the model's own
# columns, then the base model's timestamps and extras.
TIMESTAMPS_LAST = _BASE


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


def _model_order(model) -> list[models.Field]:
    pk = model._meta.pk
    return [pk] + [f for f in model._meta.concrete_fields if f is not pk]


def relational_fields(model) -> tuple[Field, ...]:
    """The columns of a model's relational CSV: the coalition's order (COALITION_COLUMNS), else the id,
    the model's own columns and the timestamps last; columns the coalition did not have after its own."""
    fields = _model_order(model)
    by_column = {f.column: f for f in fields}
    order = COALITION_COLUMNS.get(model.__name__)
    if order is None:
        order = tuple(f.column for f in fields if f.column not in TIMESTAMPS_LAST) + TIMESTAMPS_LAST
    first = [by_column[c] for c in order if c in by_column]
    return tuple(_field_of(f) for f in first + [f for f in fields if f not in first])


def relational_fields_before(model) -> tuple[Field, ...]:
    """The columns of the files exported before the coalition's layout: the id first, then model order."""
    return tuple(_field_of(f) for f in _model_order(model))


def relational_name(model) -> str:
    """The coalition's name: the model's (`Candidacy.csv`)."""
    return f"{model.__name__}.csv"


def relational_name_before(model) -> str:
    """The name of the files exported before the coalition's layout: the table's (`opencivicdata_candidacy.csv`)."""
    return f"{model._meta.db_table}.csv"


def _table(model, name: str, fields: tuple[Field, ...]) -> RelationalTable:
    return RelationalTable(
        name=name,
        db_table=model._meta.db_table,
        fields=fields,
        # Text ids sort in byte order; UUID ids (related rows) sort as UUIDs, the same order.
        order_sql='"id"' if isinstance(model._meta.pk, models.UUIDField) else '"id"::text COLLATE "C"',
        description=f"Open Civic Data {model.__name__} ({model._meta.db_table})",
    )


def relational_tables() -> list[RelationalTable]:
    """Every OCD table as new releases export it, in OCD_MODELS order (parents first)."""
    from ocd.models import OCD_MODELS

    return [_table(model, relational_name(model), relational_fields(model)) for model in OCD_MODELS]


def relational_tables_before() -> list[RelationalTable]:
    """Every OCD table as releases exported before the coalition's layout have it (names and columns)."""
    from ocd.models import OCD_MODELS

    return [_table(model, relational_name_before(model), relational_fields_before(model)) for model in OCD_MODELS]


@cache
def _tables_by_name() -> dict[str, RelationalTable]:
    # Read off the models once: the site asks on every stable link it resolves.
    return {t.name: t for t in relational_tables() + relational_tables_before()}


def relational_table_named(name: str) -> RelationalTable | None:
    """The table of a relational CSV called `name` in either layout, with that layout's columns."""
    return _tables_by_name().get(name)


def relational_names_alike(name: str) -> tuple[str, ...]:
    """`name` and the other name of the same table's CSV (`Candidacy.csv`, `opencivicdata_candidacy.csv`),
    current name first; `name` alone if it is not a relational CSV. A "relational/" prefix is kept."""
    prefix, _, base = name.rpartition("/")
    prefix = f"{prefix}/" if prefix else ""
    table = relational_table_named(base)
    if table is None or prefix not in ("", "relational/"):
        return (name,)
    names = [n for n, t in _tables_by_name().items() if t.db_table == table.db_table]
    return tuple(prefix + n for n in names)

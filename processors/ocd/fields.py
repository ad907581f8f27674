"""A column of an exported CSV: its name, the SQL that gives it, its Frictionless type and what it means."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    sql: str
    type: str  # Frictionless Table Schema type
    description: str


def _f(name: str, sql: str, type_: str, description: str) -> Field:
    return Field(name, sql, type_, description)


DATETIME = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
BOOLEAN = "CASE WHEN {0} THEN 'true' WHEN NOT {0} THEN 'false' END"

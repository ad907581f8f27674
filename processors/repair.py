"""Repairing a record that has more fields than its table has columns.

A tab inside a text value splits that value in two and shifts every later
column right. The repair puts the tab back: it tries every way of merging
adjacent fields into text columns (joined with the tab they were split at)
and keeps the ways in which every column's value is valid for its type and
length (`Column.is_valid`).

The rule (docs/cleaning.md): exactly one valid way means the record is
repaired; none or more than one means it is quarantined with the reason, since
picking one of several valid records would be a guess that could put a value in
the wrong column.
"""

from __future__ import annotations

from collections.abc import Sequence

from .schema import Column

# Beyond this many candidates the record is ambiguous anyway; stop searching.
MAX_CANDIDATES = 2
# Records with more surplus fields than this are not searched (the search grows
# with the number of ways to place them) and go to quarantine.
MAX_EXTRA_FIELDS = 8


def tab_repair_candidates(columns: Sequence[Column], fields: Sequence[str]) -> list[list[str]]:
    """Every valid record (up to MAX_CANDIDATES) that `fields` can be merged into."""
    extra = len(fields) - len(columns)
    if extra <= 0 or extra > MAX_EXTRA_FIELDS:
        return []
    found: list[list[str]] = []
    record: list[str] = []

    def place(field_index: int, column_index: int, extra_left: int) -> None:
        if len(found) >= MAX_CANDIDATES:
            return
        if column_index == len(columns):
            if field_index == len(fields):
                found.append(list(record))
            return
        column = columns[column_index]
        widest = 1 + (extra_left if column.kind == "text" else 0)
        for width in range(1, widest + 1):
            value = "\t".join(fields[field_index : field_index + width])
            if not column.is_valid(value):
                if column.kind == "text":
                    break  # a longer merge is only longer
                continue
            record.append(value)
            place(field_index + width, column_index + 1, extra_left - (width - 1))
            record.pop()

    place(0, 0, extra)
    return found


def tab_repair(columns: Sequence[Column], fields: Sequence[str]) -> tuple[list[str] | None, str]:
    """The repaired record, or None and the reason it cannot be repaired."""
    extra = len(fields) - len(columns)
    if extra > MAX_EXTRA_FIELDS:
        return None, f"{extra} fields too many; too many to repair safely"
    candidates = tab_repair_candidates(columns, fields)
    if len(candidates) == 1:
        return candidates[0], ""
    if not candidates:
        return None, f"{extra} field(s) too many and no merge of text columns makes every column valid"
    return None, f"{extra} field(s) too many and more than one merge of text columns is valid (ambiguous)"

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
    if extra == 1:
        return _one_tab_candidates(columns, fields)
    ncols, nfields = len(columns), len(fields)
    # ways[(f, c)]: the valid widths for column c starting at field f, each with
    # how many valid completions (capped) follow; the search visits each state once.
    memo: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def ways(f: int, c: int) -> list[tuple[int, int]]:
        key = (f, c)
        if key in memo:
            return memo[key]
        found: list[tuple[int, int]] = []
        if c == ncols:
            memo[key] = found
            return found
        column = columns[c]
        left = extra - (f - c)  # surplus fields not merged yet
        widest = 1 + (left if column.kind == "text" else 0)
        for width in range(1, widest + 1):
            if f + width > nfields:
                break
            # Every later column still needs at least one field.
            if nfields - (f + width) < ncols - c - 1:
                break
            value = "\t".join(fields[f : f + width])
            if not column.is_valid(value):
                if column.kind == "text":
                    break  # a longer merge is only longer
                continue
            if c + 1 == ncols:
                completions = 1 if f + width == nfields else 0
            else:
                completions = min(MAX_CANDIDATES, sum(n for _, n in ways(f + width, c + 1)))
            if completions:
                found.append((width, completions))
        memo[key] = found
        return found

    candidates: list[list[str]] = []

    def build(f: int, c: int, record: list[str]) -> None:
        if len(candidates) >= MAX_CANDIDATES:
            return
        if c == ncols:
            candidates.append(list(record))
            return
        for width, _ in ways(f, c):
            record.append("\t".join(fields[f : f + width]))
            build(f + width, c + 1, record)
            record.pop()

    build(0, 0, [])
    return candidates


def _one_tab_candidates(columns: Sequence[Column], fields: Sequence[str]) -> list[list[str]]:
    """The common case, one surplus field: merging at column j keeps the fields
    before j in place and shifts the ones after it left by one. So j needs
    every column before it valid in place (j up to the first one that is not)
    and every column after it valid shifted (j from the last one that is not):
    one scan from each end tells the few j worth trying."""
    n = len(columns)
    first_bad = next((i for i in range(n) if not columns[i].is_valid(fields[i])), n)
    last_bad = next((i for i in range(n - 1, -1, -1) if not columns[i].is_valid(fields[i + 1])), -1)
    candidates = []
    for j in range(max(last_bad, 0), min(first_bad, n - 1) + 1):
        column = columns[j]
        if column.kind != "text":
            continue
        merged = fields[j] + "\t" + fields[j + 1]
        if column.is_valid(merged):
            candidates.append([*fields[:j], merged, *fields[j + 2 :]])
            if len(candidates) >= MAX_CANDIDATES:
                break
    return candidates


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

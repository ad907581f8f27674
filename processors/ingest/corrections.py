"""Corrections: a quarantined record that a person wrote out right once (docs/cleaning.md, "Corrections register").

A correction is keyed by its table and the sha256 of the quarantined record's
original bytes (exactly the bytes the errors file keeps in `original_base64`,
line ends included). The export is cumulative, so the same dirty record comes
back every night with the same bytes: the clean stage writes the corrected
record instead of quarantining it again.

This module is the part every entry point shares (the `quarantine` command,
the admin's form, the clean stage): the record's id, how a quarantined
record's bytes split into fields, and what makes a corrected record valid.
It takes plain values (bytes, a table's columns) and imports no Django.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence

from .decode import decode_line
from .schema import Column

# How many hex digits of the digest a record's id shows: 48 bits, unique enough within one table.
ID_DIGITS = 12


class CorrectionInvalid(ValueError):
    """A corrected record that cannot be accepted; the message is one line saying why."""


def original_sha256(original: bytes) -> str:
    return hashlib.sha256(original).hexdigest()


def record_id(table: str, sha256: str) -> str:
    """A quarantined record's id: its table and the start of its original bytes' digest
    (`RCPT_CD-3f2a9c01be77`). The same bytes have the same id in every release."""
    return f"{table}-{sha256[:ID_DIGITS]}"


def record_id_parse(value: str) -> tuple[str, str]:
    """(table, digest prefix) of an id; CorrectionInvalid when it is not one."""
    table, _, prefix = value.strip().rpartition("-")
    if not table or len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix.lower()):
        raise CorrectionInvalid(f"{value!r} is not a quarantined record id (TABLE-<hex digits>, "
                                f"as `quarantine list` shows)")
    return table.upper(), prefix.lower()


def original_fields(original: bytes) -> list[str]:
    """The fields of a quarantined record's bytes, decoded as the clean stage decodes them.

    The record's own line end is dropped (CR LF, and any stray CRs before it);
    line breaks inside the record stay inside their value, as when split lines
    are rejoined. The count may differ from the table's columns: that is
    often why the record was quarantined.
    """
    raw = original[:-1] if original.endswith(b"\n") else original
    while raw.endswith(b"\r"):
        raw = raw[:-1]
    return decode_line(raw, Counter()).split("\t") if raw else [""]


def corrected_record(columns: Sequence[Column], original: bytes, changes: Mapping[str, str]) -> dict[str, str]:
    """The corrected record, {column: value} in the table's column order: the original record's fields
    with `changes` put in, every value valid for its column (Column.is_valid).

    When the original does not split into as many fields as the table has
    columns, its fields cannot be matched to columns: every column must then
    be given. Raises CorrectionInvalid, in one line, for an unknown column, a
    missing one or a value that does not fit its column.
    """
    names = [c.name for c in columns]
    unknown = [name for name in changes if name not in names]
    if unknown:
        raise CorrectionInvalid(f"unknown column(s) {', '.join(map(repr, unknown))}; the columns are "
                                f"{', '.join(names)}")
    fields = original_fields(original)
    if len(fields) == len(columns):
        record = dict(zip(names, fields))
    else:
        missing = [name for name in names if name not in changes]
        if missing:
            raise CorrectionInvalid(
                f"the original record splits into {len(fields)} fields, the table has {len(columns)} columns: "
                f"give every column with --field COL=VALUE (missing: {', '.join(missing)})")
        record = {}
    record.update({name: "" if value is None else str(value) for name, value in changes.items()})
    record = {name: record[name] for name in names}
    record_check(columns, record)
    return record


def record_check(columns: Sequence[Column], record: Mapping[str, str]) -> None:
    """CorrectionInvalid unless `record` gives a value valid for each of `columns`."""
    bad = []
    for column in columns:
        value = record.get(column.name, "")
        if not isinstance(value, str) or not column.is_valid(value):
            bad.append(f"{column.name}={value!r} is not a valid {_kind(column)}")
    if bad:
        raise CorrectionInvalid("; ".join(bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else ""))


def _kind(column: Column) -> str:
    if column.max_length is not None:
        return f"{column.kind} of at most {column.max_length} characters"
    if column.max_digits is not None:
        return f"{column.kind} ({column.max_digits} digits, {column.decimal_places} places)"
    return column.kind


def correction_values(columns: Sequence[Column], record: Mapping[str, str]) -> tuple[list[str] | None, str]:
    """The values to write for a correction's `record` in a table file with `columns` (its header's order),
    or None and why not (the table's columns changed since and the record no longer fits them)."""
    values = [record.get(column.name, "") for column in columns]
    try:
        record_check(columns, dict(zip((c.name for c in columns), values)))
    except CorrectionInvalid as exc:
        return None, f"its correction no longer fits the table: {exc}"
    return values, ""

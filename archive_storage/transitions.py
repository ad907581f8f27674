"""The one way an ArchivedFile's status changes: `status_transition` (its TRANSITIONS say what is legal)."""

from __future__ import annotations


class IllegalTransition(Exception):
    """A status change the record's TRANSITIONS do not allow: a bug, so the run stops."""


def status_transition(record, status: str, **fields):
    """Move `record` to `status`, set `fields` on it, and save it (the whole row); return it."""
    allowed = type(record).TRANSITIONS.get(record.status, frozenset())
    if status not in allowed:
        raise IllegalTransition(f"{record}: {record.status} -> {status} is not allowed")
    record.status = status
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()
    return record

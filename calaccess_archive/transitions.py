"""The one way a recorded status changes: `status_transition`.

Every model with a run state (a release, a stage run, a processed release, an
archived file) declares its legal moves next to its statuses, as `TRANSITIONS`
({status: statuses it may move to}). Going through this function keeps the
rule in one place: an illegal move is a bug in the pipeline, and it stops
the run instead of leaving a record that says something impossible.
"""

from __future__ import annotations

from processors.errors import PipelineError


class IllegalTransition(PipelineError):
    """A status change the record's TRANSITIONS do not allow."""


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

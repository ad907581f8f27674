"""The one way a recorded status changes: `status_transition`.

Every model with a run state (a release, a stage run, a processed release, an
archived file) declares its legal moves next to its statuses, as `TRANSITIONS`
({status: statuses it may move to}). Going through this function keeps the
rule in one place: an illegal move is a bug in the pipeline, and it stops
the run instead of leaving a record that says something impossible.
"""

from __future__ import annotations

from archive_storage import transitions as app_transitions
from processors.errors import PipelineError


class IllegalTransition(PipelineError, app_transitions.IllegalTransition):
    """A status change the record's TRANSITIONS do not allow."""


def status_transition(record, status: str, **fields):
    """Move `record` to `status`, set `fields` on it, and save it (the whole row); return it.

    The archive storage app's rule, raising the pipeline's error, so a run stops with one line.
    """
    try:
        return app_transitions.status_transition(record, status, **fields)
    except app_transitions.IllegalTransition as exc:
        raise IllegalTransition(str(exc)) from None

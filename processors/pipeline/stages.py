"""Recording the stages of a release (a service: it writes StageRun and RawDataVersion).

Every stage of `release_ingest` runs inside `stage_run`, so each one has a
start, a finish, an attempt count and its error on the release, and every
status change goes through `status_transition`.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.utils import timezone

from calaccess_archive.models import RawDataVersion, StageRun, StageStatus
from calaccess_archive.transitions import status_transition
from processors.errors import error_message

# The release's status while each stage runs.
_RUNNING_STATUS = {
    "download": RawDataVersion.Status.DOWNLOADING,
    "clean": RawDataVersion.Status.CLEANING,
    "load": RawDataVersion.Status.LOADING,
}


@contextmanager
def stage_run(version: RawDataVersion, stage: str):
    """Mark `stage` running on `version`; finished on exit, failed (with the error) on an exception."""
    run, created = StageRun.objects.get_or_create(
        version=version, stage=stage,
        defaults={"status": StageStatus.RUNNING, "started_at": timezone.now()},
    )
    if not created:  # a retry, a resume after a kill, or a forced re-run
        status_transition(run, StageStatus.RUNNING, started_at=timezone.now(), finished_at=None, error="",
                          attempts=run.attempts + 1)
    status_transition(version, _RUNNING_STATUS[stage], error="")
    try:
        yield run
    except BaseException as exc:
        message = error_message(exc)
        status_transition(run, StageStatus.FAILED, finished_at=timezone.now(), error=message)
        status_transition(version, RawDataVersion.Status.FAILED, error=f"{stage}: {message}")
        raise
    status_transition(run, StageStatus.FINISHED, finished_at=timezone.now())

"""Recording the stages of a release (a service: it writes StageRun and RawDataVersion).

Every step of a release (download ... publish) runs inside `stage_run`, so each
one has a start, a finish, an attempt count and its error on the release, a
structured log line at each transition, and every status change goes through
`status_transition`.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.utils import timezone

from calaccess_archive.models import RawDataVersion, StageRun, StageStatus
from calaccess_archive.transitions import status_transition
from processors.errors import error_message

logger = logging.getLogger("calaccess_archive.pipeline")

# The release's status while each ingest stage runs (the later steps keep it loaded).
_RUNNING_STATUS = {
    "download": RawDataVersion.Status.DOWNLOADING,
    "clean": RawDataVersion.Status.CLEANING,
    "load": RawDataVersion.Status.LOADING,
}


def stage_begin(version: RawDataVersion, stage: str) -> StageRun:
    """Mark `stage` running on `version` (a new attempt when it ran before)."""
    run, created = StageRun.objects.get_or_create(
        version=version, stage=stage,
        defaults={"status": StageStatus.RUNNING, "started_at": timezone.now()},
    )
    if not created:  # a retry, a resume after a kill, or a forced re-run
        status_transition(run, StageStatus.RUNNING, started_at=timezone.now(), finished_at=None, error="",
                          attempts=run.attempts + 1)
    if stage in _RUNNING_STATUS:
        status_transition(version, _RUNNING_STATUS[stage], error="")
    logger.info("event=step_started release=%s step=%s attempt=%d", version.slug, stage, run.attempts)
    return run


def stage_end(version: RawDataVersion, stage: str, *, error: BaseException | None = None) -> None:
    """Mark `stage` finished on `version`, or failed with `error`'s one-line reason."""
    run = StageRun.objects.get(version=version, stage=stage)
    duration = (timezone.now() - run.started_at).total_seconds()
    if error is None:
        status_transition(run, StageStatus.FINISHED, finished_at=timezone.now())
        logger.info("event=step_finished release=%s step=%s duration=%.1f", version.slug, stage, duration)
        return
    message = error_message(error)
    status_transition(run, StageStatus.FAILED, finished_at=timezone.now(), error=message)
    if stage in _RUNNING_STATUS:  # the release did not get into the live tables: it is not loaded
        status_transition(version, RawDataVersion.Status.FAILED, error=f"{stage}: {message}")
    else:  # still loaded; the step is what failed, and a re-run resumes it
        version.error = f"{stage}: {message}"
        version.save(update_fields=["error", "updated_at"])
    logger.warning("event=step_failed release=%s step=%s duration=%.1f error=%s", version.slug, stage, duration,
                   message)


@contextmanager
def stage_run(version: RawDataVersion, stage: str):
    """Mark `stage` running on `version`; finished on exit, failed (with the error) on an exception."""
    run = stage_begin(version, stage)
    try:
        yield run
    except BaseException as exc:
        stage_end(version, stage, error=exc)
        raise
    stage_end(version, stage)


def stage_finished(version: RawDataVersion, stage: str) -> bool:
    return StageRun.objects.filter(version=version, stage=stage, status=StageStatus.FINISHED).exists()

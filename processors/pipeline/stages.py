"""Recording the stages of a release: every transition goes through `stage_run`."""

from __future__ import annotations

from contextlib import contextmanager

from django.utils import timezone

from processors.errors import error_message

from .models import RawDataVersion, StageRun, StageStatus

# The version's status while each stage runs.
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
        run.status, run.started_at, run.finished_at, run.error = StageStatus.RUNNING, timezone.now(), None, ""
        run.attempts += 1
        run.save()
    version.status = _RUNNING_STATUS.get(stage, version.status)
    version.error = ""
    version.save(update_fields=["status", "error", "updated_at"])
    try:
        yield run
    except BaseException as exc:
        message = error_message(exc)
        run.status, run.finished_at, run.error = StageStatus.FAILED, timezone.now(), message
        run.save()
        version.status, version.error = RawDataVersion.Status.FAILED, f"{stage}: {message}"
        version.save(update_fields=["status", "error", "updated_at"])
        raise
    run.status, run.finished_at = StageStatus.FINISHED, timezone.now()
    run.save()

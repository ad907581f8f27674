"""The nightly workflow as Celery tasks: thin callers of processors.pipeline, ids (not payloads) in messages.

nightly_check_task (beat) -> download -> clean (a tables_batch_task per table or batch of small tables)
-> load (the same) -> process -> package -> upload (an upload_batch_task per file or batch of small files)
-> verify -> publish

Every task takes the release's id and the run's lease holder. It first checks
that its run still holds the pipeline lease (a message redelivered after a
takeover does nothing) and renews the lease while it works.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from celery import chain, chord, shared_task

from processors.errors import PipelineError, TransientFetchError

logger = logging.getLogger("calaccess_archive.pipeline")


class LeaseLost(PipelineError):
    """This run no longer holds the pipeline lease: another run took the release over."""


@contextmanager
def _release(version_id: int, holder: str):
    """The release this run's task works on, its lease renewed as the task starts and while it works (so a
    run of short tasks keeps it as well as one long task does, and no step's own work outlasts it)."""
    from calaccess_archive.models import RawDataVersion
    from processors.pipeline.lease import lease_renew, lease_renewed

    if not lease_renew(holder=holder):
        raise LeaseLost(f"{holder} no longer holds the pipeline lease; its messages are void")
    with lease_renewed(holder=holder):
        yield RawDataVersion.objects.get(pk=version_id)


def _run_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    """A step failed for good: the run gives the lease up and says so (the step recorded its own error)."""
    from processors.pipeline.lease import lease_release
    from processors.pipeline.nightly import run_failed

    version_id, holder = (list(args) + [kwargs.get("version_id"), kwargs.get("holder")])[:2]
    if isinstance(exc, LeaseLost) or holder is None:
        return
    run_failed(version_id=version_id, error=exc)
    lease_release(holder=holder)


STEP = dict(bind=True, acks_late=True, on_failure=_run_failed)


def _fan_out(task, header: list, body):
    """Replace `task` by a chord of `header` then `body` (the body alone when there is nothing to fan out)."""
    return task.replace(chord(header, body) if header else body)


def workflow(version_id: int, holder: str):
    """The chain of one release's steps (the fan-outs replace their dispatching task with a chord)."""
    return chain(
        download_task.si(version_id, holder),
        tables_task.si(version_id, holder, "clean"),
        tables_task.si(version_id, holder, "load"),
        step_task.si(version_id, holder, "process"),
        step_task.si(version_id, holder, "package"),
        upload_task.si(version_id, holder),
        step_task.si(version_id, holder, "verify"),
        publish_task.si(version_id, holder),
    )


@shared_task(acks_late=True)
def nightly_check_task(source: str | None = None) -> dict:
    """Beat's tick: look at the export URL; start (or resume) the workflow of a release not yet published."""
    from processors.pipeline.nightly import nightly_begin

    started = nightly_begin(source=source, retry_failed=False)
    if started.get("holder"):
        workflow(started["version_id"], started["holder"]).apply_async()
    return started


@shared_task(**STEP, autoretry_for=(TransientFetchError,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
def download_task(self, version_id: int, holder: str) -> None:
    from processors.pipeline.ingest import download_run, release_info

    with _release(version_id, holder) as version:
        download_run(version, release_info(version))


@shared_task(**STEP)
def tables_task(self, version_id: int, holder: str, stage: str):
    """The clean or load step: one tables_batch_task per batch of tables still to do, then tables_done_task."""
    from processors.pipeline.celery_steps import table_step_begin

    with _release(version_id, holder) as version:
        batches = table_step_begin(version=version, stage=stage)
    header = [tables_batch_task.si(version_id, holder, stage, tables) for tables in batches]
    return _fan_out(self, header, tables_done_task.si(version_id, holder, stage))


@shared_task(**STEP)
def tables_batch_task(self, version_id: int, holder: str, stage: str, tables: list[str]) -> dict:
    from processors.pipeline.celery_steps import tables_run

    with _release(version_id, holder) as version:
        return tables_run(version=version, stage=stage, tables=tables)


@shared_task(**STEP)
def tables_done_task(self, version_id: int, holder: str, stage: str) -> None:
    from processors.pipeline.celery_steps import table_step_end

    with _release(version_id, holder) as version:
        table_step_end(version=version, stage=stage)


@shared_task(**STEP)
def step_task(self, version_id: int, holder: str, step: str) -> None:
    """One whole step in one task: process, package or verify."""
    from processors.pipeline.nightly import WHOLE_STEPS

    with _release(version_id, holder) as version:
        WHOLE_STEPS[step](version=version)


@shared_task(**STEP)
def upload_task(self, version_id: int, holder: str):
    from processors.pipeline.celery_steps import upload_step_begin

    with _release(version_id, holder) as version:
        batches = upload_step_begin(version=version)
    header = [upload_batch_task.si(version_id, holder, record_ids) for record_ids in batches]
    return _fan_out(self, header, upload_done_task.si(version_id, holder))


@shared_task(**STEP)
def upload_batch_task(self, version_id: int, holder: str, record_ids: list[int]) -> dict:
    from processors.pipeline.celery_steps import upload_files_run

    with _release(version_id, holder):
        return upload_files_run(record_ids=record_ids)


@shared_task(**STEP)
def upload_done_task(self, version_id: int, holder: str) -> None:
    from processors.pipeline.celery_steps import upload_step_end

    with _release(version_id, holder) as version:
        upload_step_end(version=version)


@shared_task(**STEP)
def publish_task(self, version_id: int, holder: str) -> None:
    from processors.pipeline.lease import lease_release
    from processors.pipeline.nightly import publish_step, run_succeeded

    with _release(version_id, holder) as version:
        publish_step(version=version)
        run_succeeded(version=version)
    lease_release(holder=holder)

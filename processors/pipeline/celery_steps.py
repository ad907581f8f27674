"""The steps of a release as the Celery workflow runs them: fanned out per table and per file (a service).

A fan-out step begins in one task (which says what is left to do), runs one
task per table or file, and ends in the chord's body, which marks the step
finished or failed from the records the per-unit tasks wrote. A unit's
failure is recorded on its row and does not stop the other units.
"""

from __future__ import annotations

from calaccess_archive.models import ArchivedFile, RawDataFile, RawDataVersion, Stage, StageRun
from calaccess_archive.storage import archive_storage
from processors.errors import error_message
from processors.pipeline.nightly import upload_file, upload_outcome, upload_prepare
from processors.pipeline.raw_tables import (
    clean_jobs,
    clean_record,
    ingest_finish,
    ingest_tables,
    load_jobs,
    load_record,
    table_failed,
    tables_failed_check,
)
from processors.pipeline.stages import stage_begin, stage_end

_JOBS = {"clean": (clean_jobs, clean_record), "load": (load_jobs, load_record)}


def table_step_begin(*, version: RawDataVersion, stage: str) -> list[str]:
    """Start the clean or load step; the tables it still has to do, largest first."""
    stage_begin(version, stage)
    try:
        jobs, _ = _JOBS[stage]
        return list(jobs(version, ingest_tables(version), force=False))
    except BaseException as exc:
        stage_end(version, stage, error=exc)
        raise


def table_run(*, version: RawDataVersion, stage: str, table: str) -> str:
    """Clean or load one table here, in the worker, and record it; "done" if it needed nothing."""
    jobs, record = _JOBS[stage]
    schemas = ingest_tables(version)
    todo = jobs(version, {table: schemas[table]}, force=False)
    if table not in todo:
        return "done"
    function, kwargs, _ = todo[table]
    try:
        record(version, table, function(**kwargs))
    except Exception as exc:  # recorded on the table; the step's end reports it
        table_failed(version, table, error_message(exc))
        return f"failed: {error_message(exc)}"
    return stage


def table_step_end(*, version: RawDataVersion, stage: str) -> None:
    """Finish the clean or load step: failed if any table failed; a finished load makes the release loaded."""
    failed = dict(version.files.filter(status=RawDataFile.Status.FAILED).values_list("table", "error"))
    try:
        tables_failed_check(stage, failed)
        if stage == Stage.LOAD:
            ingest_finish(version)
    except BaseException as exc:
        stage_end(version, stage, error=exc)
        raise
    stage_end(version, stage)


def upload_step_begin(*, version: RawDataVersion) -> list[int]:
    """Start the upload step; the ids of the ArchivedFile records still to send."""
    stage_begin(version, Stage.UPLOAD)
    try:
        return [record.pk for record in upload_prepare(version=version, storage=archive_storage())]
    except BaseException as exc:
        stage_end(version, Stage.UPLOAD, error=exc)
        raise


def upload_file_run(*, record_id: int) -> str:
    """Send one file; its record says how it went."""
    record = ArchivedFile.objects.get(pk=record_id)
    since = StageRun.objects.get(version_id=record.version_id, stage=Stage.UPLOAD).started_at
    return upload_file(record=record, storage=archive_storage(), since=since).status


def upload_step_end(*, version: RawDataVersion) -> None:
    """Finish the upload step: failed if a file failed or an account refusal held files back."""
    try:
        upload_outcome(version=version, storage=archive_storage(),
                       since=version.stages.get(stage=Stage.UPLOAD).started_at)
    except BaseException as exc:
        stage_end(version, Stage.UPLOAD, error=exc)
        raise
    stage_end(version, Stage.UPLOAD)

"""The steps of a release as the Celery workflow runs them: fanned out per table and per file (a service).

A fan-out step begins in one task (which says what is left to do), runs one
task per batch of tables or files, and ends in the chord's body, which marks
the step finished or failed from the records the per-unit tasks wrote. A
unit's failure is recorded on its row and does not stop the other units.

Batches: a large table or file is a task of its own; the small ones (most of
the 80 tables, most of the files) share tasks, so that a task's own cost (its
messages, its chord result, a database connection, the lease check) is not
paid 80 or 200 times for units that take milliseconds. That cost is what made
the Celery run slower than the in-process one (bench/nightly).
"""

from __future__ import annotations

from calaccess_archive.models import ArchivedFile, RawDataFile, RawDataVersion, Stage, StageRun
from calaccess_archive.storage import archive_storage
from processors.errors import error_message
from processors.pipeline.corrections import release_corrections_write
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

# A unit under 1/BATCH_PARTS of its step's work shares a task with other such units: a step is at most
# about 2 x BATCH_PARTS tasks, enough for the load to spread evenly over a few dozen worker processes.
BATCH_PARTS = 32


def work_batches(weights: dict, *, parts: int = BATCH_PARTS) -> list[list]:
    """The units of `weights` ({unit: weight}) in batches, heaviest first: a unit weighing at least
    1/parts of the total alone, the lighter ones together in batches of about that weight."""
    limit = sum(weights.values()) / parts
    batches, small, small_weight = [], [], 0
    for unit, weight in sorted(weights.items(), key=lambda item: -item[1]):
        if weight >= limit:
            batches.append([unit])
            continue
        small.append(unit)
        small_weight += weight
        if small_weight >= limit:
            batches.append(small)
            small, small_weight = [], 0
    return batches + [small] if small else batches


def table_step_begin(*, version: RawDataVersion, stage: str) -> list[list[str]]:
    """Start the clean or load step; the tables it still has to do, in batches, largest first."""
    stage_begin(version, stage)
    try:
        jobs, _ = _JOBS[stage]
        todo = jobs(version, ingest_tables(version), force=False)
        return work_batches({table: weight for table, (_, _, weight) in todo.items()})
    except BaseException as exc:
        stage_end(version, stage, error=exc)
        raise


def tables_run(*, version: RawDataVersion, stage: str, tables: list[str]) -> dict[str, str]:
    """Clean or load a batch of tables here, one after the other: {table: outcome}."""
    return {table: table_run(version=version, stage=stage, table=table) for table in tables}


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
        if stage == Stage.CLEAN:
            release_corrections_write(version)
        if stage == Stage.LOAD:
            ingest_finish(version)
    except BaseException as exc:
        stage_end(version, stage, error=exc)
        raise
    stage_end(version, stage)


def upload_step_begin(*, version: RawDataVersion) -> list[list[int]]:
    """Start the upload step; the ids of the ArchivedFile records still to send, in batches, largest first."""
    stage_begin(version, Stage.UPLOAD)
    try:
        todo = upload_prepare(version=version, storage=archive_storage())
        return work_batches({record.pk: record.size or 1 for record in todo})
    except BaseException as exc:
        stage_end(version, Stage.UPLOAD, error=exc)
        raise


def upload_files_run(*, record_ids: list[int]) -> dict[int, str]:
    """Send a batch of files, one after the other; {record id: status}, as each file's record says."""
    storage, outcomes, since = archive_storage(), {}, None
    for record in ArchivedFile.objects.filter(pk__in=record_ids).order_by("-size", "pk"):
        if since is None:
            since = StageRun.objects.get(version_id=record.owner_id, stage=Stage.UPLOAD).started_at  # its release
        outcomes[record.pk] = upload_file(record=record, storage=storage, since=since).status
    return outcomes


def upload_step_end(*, version: RawDataVersion) -> None:
    """Finish the upload step: failed if a file failed or an account refusal held files back."""
    try:
        upload_outcome(version=version, storage=archive_storage(),
                       since=version.stages.get(stage=Stage.UPLOAD).started_at)
    except BaseException as exc:
        stage_end(version, Stage.UPLOAD, error=exc)
        raise
    stage_end(version, Stage.UPLOAD)

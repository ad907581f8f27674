"""The ingest stage: from "is there a new release?" to all raw tables loaded.

One function, `release_ingest`, orders the steps and records each on the
models; the management command and the Celery task both call it. Every step
can be re-run: a finished download, a cleaned table or a loaded table is not
redone when the same release is ingested again after a crash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context

from django.conf import settings
from django.db import connection
from django.utils import timezone

from calaccess_archive.models import RawDataVersion, ReleaseCheck, Stage
from processors.errors import PipelineError, error_message
from processors.ingest.download import export_download, zip_verify
from processors.ingest.native import fallback_warnings
from processors.ingest.release_check import ReleaseInfo, release_head
from processors.ingest.table_jobs import peak_rss_mb
from processors.pipeline.corrections import release_corrections_write
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
from processors.pipeline.stages import stage_finished, stage_run

# Any constant: the advisory lock key of the ingest.
_INGEST_LOCK = 7_164_001

# A progress sink: (stage, units done since the last call, total units or None).
Progress = Callable[[str, int, int | None], None]

@dataclass
class IngestReport:
    outcome: str  # "ingested" or "up_to_date"
    version: RawDataVersion
    stage_seconds: dict = field(default_factory=dict)
    peak_rss_mb: dict = field(default_factory=dict)
    # {table: why the C path was unavailable} of the tables cleaned / loaded without it in this run
    python_cleaned: dict = field(default_factory=dict)
    python_loaded: dict = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """One line per problem an operator should fix (the command prints them)."""
        return fallback_warnings(self.python_cleaned, self.python_loaded)


def _no_progress(stage: str, done: int, total: int | None) -> None:
    pass


def release_check(*, source: str, release_datetime: dt.datetime | None = None,
                  ) -> tuple[ReleaseInfo, RawDataVersion | None, ReleaseCheck]:
    """Ask the source about its release and record the answer.

    The release is known by its Last-Modified, unless `release_datetime` says
    when it was released (a backfilled copy of an old export). Returns the
    source's answer, the version already holding that release (None when new)
    and the check.
    """
    try:
        info = release_head(source=source, timeout=settings.CALACCESS_HTTP_TIMEOUT)
    except PipelineError as exc:
        ReleaseCheck.objects.create(source=source, outcome=ReleaseCheck.Outcome.FAILED, error=str(exc))
        raise
    existing = RawDataVersion.objects.filter(release_datetime=release_datetime or info.last_modified).first()
    check = ReleaseCheck.objects.create(
        source=source,
        status_code=info.status_code,
        last_modified=info.last_modified,
        content_length=info.content_length,
        etag=info.etag,
        outcome=ReleaseCheck.Outcome.UP_TO_DATE
        if existing and existing.status == RawDataVersion.Status.LOADED
        else ReleaseCheck.Outcome.NEW,
        version=existing,
    )
    return info, existing, check


def release_open(*, source: str, info: ReleaseInfo, check: ReleaseCheck,
                 release_datetime: dt.datetime | None = None) -> RawDataVersion:
    """The release `check` found, created if new (another run may have created it a moment ago)."""
    version, _ = RawDataVersion.objects.get_or_create(
        release_datetime=release_datetime or info.last_modified,
        defaults={"source": source, "expected_size": info.content_length, "etag": info.etag},
    )
    if check.version_id != version.pk:
        check.version = version
        check.save(update_fields=["version"])
    return version


def release_info(version: RawDataVersion) -> ReleaseInfo:
    """What the source last said of `version` (its newest successful check): what a download must match."""
    check = version.releasecheck_set.exclude(outcome=ReleaseCheck.Outcome.FAILED).order_by("-checked_at").first()
    if check is None:
        return ReleaseInfo(200, version.release_datetime, version.expected_size, version.etag)
    return ReleaseInfo(check.status_code or 200, check.last_modified, check.content_length, check.etag)


def release_ingest(*, source: str | None = None, force: bool = False, progress: Progress | None = None,
                   release_datetime: dt.datetime | None = None) -> IngestReport:
    """Ingest the release at `source` (default: CALACCESS_EXPORT_URL) unless it is already loaded."""
    source = source or settings.CALACCESS_EXPORT_URL
    info, version, check = release_check(source=source, release_datetime=release_datetime)
    if version is not None and version.status == RawDataVersion.Status.LOADED and not force:
        return IngestReport(outcome="up_to_date", version=version)
    version = release_open(source=source, info=info, check=check, release_datetime=release_datetime)
    return release_load(version=version, info=info, force=force, progress=progress)


def release_load(*, version: RawDataVersion, info: ReleaseInfo | None = None, force: bool = False,
                 progress: Progress | None = None) -> IngestReport:
    """Download, clean and load `version` in this process (tables fanned out over CALACCESS_WORKERS
    processes); a loaded release is left as it is unless `force`."""
    if version.status == RawDataVersion.Status.LOADED and not force:
        return IngestReport(outcome="up_to_date", version=version)
    progress = progress or _no_progress
    report = IngestReport(outcome="ingested", version=version)
    with _ingest_lock(version):
        download_run(version, info or release_info(version), progress=progress, report=report)
        schemas = ingest_tables(version)
        with _Workers() as workers:
            _clean(version, schemas, workers, force=force, progress=progress, report=report)
            _load(version, schemas, workers, force=force, progress=progress, report=report)
    report.peak_rss_mb["main"] = peak_rss_mb()
    return report


@contextmanager
def _ingest_lock(version: RawDataVersion):
    """A PostgreSQL advisory lock: one ingest at a time, since every ingest
    writes the same raw tables (two of one release, or a backfill beside the
    nightly run, would interleave their tables)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_INGEST_LOCK])
        if not cursor.fetchone()[0]:
            raise PipelineError(f"another ingest is running; {version} was left for the next run")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_INGEST_LOCK])


def download_run(version, info: ReleaseInfo, *, progress: Progress = _no_progress,
                 report: IngestReport | None = None) -> None:
    """The download step: fetch and verify the export, unless a verified copy is on disk."""
    # A verified download is kept even with --force: the state may already serve a newer file.
    if stage_finished(version, Stage.DOWNLOAD) and version.zip_path.exists():
        return
    started = timezone.now()
    with stage_run(version, Stage.DOWNLOAD):
        version.directory.mkdir(parents=True, exist_ok=True)
        result = export_download(
            source=version.source,
            dest=version.zip_path,
            release=info,
            timeout=settings.CALACCESS_HTTP_TIMEOUT,
            retries=settings.CALACCESS_DOWNLOAD_RETRIES,
            backoff=settings.CALACCESS_RETRY_BACKOFF,
            last_modified_tolerance=settings.CALACCESS_LAST_MODIFIED_TOLERANCE,
            on_progress=_increments(lambda step, total: progress("download", step, total)),
        )
        zip_verify(version.zip_path)
        version.download_size, version.download_sha256 = result.size, result.sha256
        version.save(update_fields=["download_size", "download_sha256", "updated_at"])
    if report is not None:
        report.stage_seconds["download"] = (timezone.now() - started).total_seconds()


def _increments(report: Callable[[int, int | None], None]) -> Callable[[int, int | None], None]:
    """Turn the downloader's running byte count into the steps a progress sink adds up."""
    last = [0]

    def on_progress(done: int, total: int | None) -> None:
        report(max(done - last[0], 0), total)
        last[0] = done

    return on_progress


class _Workers:
    """The processes the clean and load stages share, started when first needed
    (starting one takes a few tenths of a second)."""

    def __init__(self):
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn, **kwargs):
        if self._pool is None:
            # spawn: a worker must not inherit the parent's database connection.
            self._pool = ProcessPoolExecutor(
                max_workers=max(1, settings.CALACCESS_WORKERS), mp_context=get_context("spawn")
            )
        return self._pool.submit(fn, **kwargs)

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown()


def _run_jobs(version, stage: str, jobs: dict, on_result, progress: Progress, workers: _Workers) -> dict:
    """Run {table: (function, kwargs, weight)} on the workers; returns {table: error} of failures."""
    failures = {}
    total = sum(weight for _, _, weight in jobs.values())
    progress(stage, 0, total)
    if jobs:
        futures = {workers.submit(fn, **kwargs): (table, weight) for table, (fn, kwargs, weight) in jobs.items()}
        for future in as_completed(futures):
            table, weight = futures[future]
            try:
                on_result(table, future.result())
            except Exception as exc:  # one table's failure must not stop the others
                failures[table] = error_message(exc)
                table_failed(version, table, failures[table])
            progress(stage, weight, total)
    return failures


def _clean(version, schemas: dict, workers: _Workers, *, force: bool, progress: Progress, report: IngestReport) -> None:
    started = timezone.now()
    todo = clean_jobs(version, schemas, force=force)

    def record(table: str, result: dict) -> None:
        clean_record(version, table, result)
        if result["native_missing"]:
            report.python_cleaned[table] = result["native_missing"]
        report.peak_rss_mb["clean_worker"] = max(report.peak_rss_mb.get("clean_worker", 0.0), result["peak_rss_mb"])

    with stage_run(version, Stage.CLEAN):
        tables_failed_check("clean", _run_jobs(version, "clean", todo, record, progress, workers))
        release_corrections_write(version)
    version.refresh_from_db(fields=["schema_drift"])
    report.stage_seconds["clean"] = (timezone.now() - started).total_seconds()


def _load(version, schemas: dict, workers: _Workers, *, force: bool, progress: Progress, report: IngestReport) -> None:
    started = timezone.now()
    todo = load_jobs(version, schemas, force=force)

    def record(table: str, result: dict) -> None:
        load_record(version, table, result)
        if result["native_missing"]:
            report.python_loaded[table] = result["native_missing"]
        report.peak_rss_mb["load_worker"] = max(report.peak_rss_mb.get("load_worker", 0.0), result["peak_rss_mb"])

    with stage_run(version, Stage.LOAD):
        tables_failed_check("load", _run_jobs(version, "load", todo, record, progress, workers))
        ingest_finish(version)  # the swap into the live tables is part of the load: its failure is the load's
    report.stage_seconds["load"] = (timezone.now() - started).total_seconds()

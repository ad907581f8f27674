"""The ingest stage: from "is there a new release?" to all raw tables loaded.

One function, `release_ingest`, orders the steps and records each on the
models; the management command and the Celery task both call it. Every step
can be re-run: a finished download, a cleaned table or a loaded table is not
redone when the same release is ingested again after a crash.
"""

from __future__ import annotations

import csv
import zipfile
from contextlib import contextmanager
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from calaccess_archive.models import RawDataFile, RawDataVersion, ReleaseCheck, Stage, StageRun, StageStatus
from calaccess_archive.transitions import status_transition

from processors.ingest.download import export_download, zip_verify
from processors.ingest.native import fallback_warnings
from processors.errors import BadExport, PipelineError, error_message
from processors.ingest.release_check import ReleaseInfo, release_head
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.ingest.table_jobs import clean_job, load_job, member_name, peak_rss_mb, table_name
from processors.pipeline.stages import stage_run

# Any constant: the advisory lock key of the ingest.
_INGEST_LOCK = 7_164_001

# A progress sink: (stage, units done since the last call, total units or None).
Progress = Callable[[str, int, int | None], None]

_COUNT_FIELDS = (
    "lines", "blank_lines", "records_in", "rejoined", "repaired", "quarantined", "duplicates",
    "records_out", "value_fixes", "columns_expected", "columns_found", "columns_added",
    "columns_missing", "source_size", "clean_size", "error_size", "clean_sha256",
)


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


def release_check(*, source: str) -> tuple[ReleaseInfo, RawDataVersion | None, ReleaseCheck]:
    """Ask the source about its release and record the answer.

    Returns the release, the version already holding it (None when new) and the check.
    """
    try:
        info = release_head(source=source, timeout=settings.CALACCESS_HTTP_TIMEOUT)
    except PipelineError as exc:
        ReleaseCheck.objects.create(source=source, outcome=ReleaseCheck.Outcome.FAILED, error=str(exc))
        raise
    existing = RawDataVersion.objects.filter(release_datetime=info.last_modified).first()
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


def release_ingest(*, source: str | None = None, force: bool = False, progress: Progress | None = None) -> IngestReport:
    """Ingest the release at `source` (default: CALACCESS_EXPORT_URL) unless it is already loaded."""
    source = source or settings.CALACCESS_EXPORT_URL
    progress = progress or _no_progress
    info, version, check = release_check(source=source)
    if version is not None and version.status == RawDataVersion.Status.LOADED and not force:
        return IngestReport(outcome="up_to_date", version=version)
    if version is None:
        # get_or_create: another ingest may have created it a moment ago.
        version, _ = RawDataVersion.objects.get_or_create(
            release_datetime=info.last_modified,
            defaults={"source": source, "expected_size": info.content_length, "etag": info.etag},
        )
        check.version = version
        check.save(update_fields=["version"])
    report = IngestReport(outcome="ingested", version=version)
    with _ingest_lock(version):
        _download(version, info, progress=progress, report=report)
        schemas = _tables_of(version)
        with _Workers() as workers:
            _clean(version, schemas, workers, force=force, progress=progress, report=report)
            _load(version, schemas, workers, force=force, progress=progress, report=report)
        files = version.files.all()
        status_transition(version, RawDataVersion.Status.LOADED,
                          clean_size=sum(f.clean_size or 0 for f in files),
                          error_size=sum(f.error_size or 0 for f in files))
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


def _stage_finished(version: RawDataVersion, stage: str) -> bool:
    return StageRun.objects.filter(version=version, stage=stage, status=StageStatus.FINISHED).exists()


def _download(version, info: ReleaseInfo, *, progress: Progress, report: IngestReport) -> None:
    # A verified download is kept even with --force: the state may already serve a newer file.
    if _stage_finished(version, Stage.DOWNLOAD) and version.zip_path.exists():
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
    report.stage_seconds["download"] = (timezone.now() - started).total_seconds()


def _increments(report: Callable[[int, int | None], None]) -> Callable[[int, int | None], None]:
    """Turn the downloader's running byte count into the steps a progress sink adds up."""
    last = [0]

    def on_progress(done: int, total: int | None) -> None:
        report(max(done - last[0], 0), total)
        last[0] = done

    return on_progress


def _tables_of(version: RawDataVersion) -> dict:
    """The schemas of the tables to ingest, largest member first; fails on a missing table."""
    schemas = raw_table_schemas()
    try:
        with zipfile.ZipFile(version.zip_path) as archive:
            sizes = {table_name(i.filename): i.file_size for i in archive.infolist()}
    except zipfile.BadZipFile as exc:
        raise BadExport(f"{version.zip_path.name}: not a zip file ({exc})") from exc
    sizes.pop(None, None)
    missing = sorted(set(schemas) - set(sizes))
    if missing:
        raise BadExport(f"{version.zip_path.name}: {len(missing)} table(s) missing: {', '.join(missing)}")
    unknown = sorted(set(sizes) - set(schemas))
    if unknown:
        # Recorded as drift; their members stay in the archived zip.
        version.schema_drift = {**version.schema_drift, "new_tables": unknown}
        version.save(update_fields=["schema_drift", "updated_at"])
    ordered = sorted(schemas, key=lambda t: -sizes[t])
    return {t: (schemas[t], sizes[t]) for t in ordered}


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
                status_transition(RawDataFile.objects.get(version=version, table=table), RawDataFile.Status.FAILED,
                                  error=failures[table])
            progress(stage, weight, total)
    return failures


def _fail_on(stage: str, failures: dict) -> None:
    if failures:
        shown = "; ".join(f"{t}: {m}" for t, m in sorted(failures.items())[:3])
        raise PipelineError(f"{stage} failed for {len(failures)} table(s): {shown}")


def _clean(version, schemas: dict, workers: _Workers, *, force: bool, progress: Progress, report: IngestReport) -> None:
    started = timezone.now()
    files = {}
    for table in schemas:
        files[table], _ = RawDataFile.objects.get_or_create(version=version, table=table)
    todo = {
        table: (
            clean_job,
            dict(zip_path=version.zip_path, member=member_name(table), schema=schema,
                 clean_path=files[table].clean_path, errors_path=files[table].errors_path),
            size,
        )
        for table, (schema, size) in schemas.items()
        if force or files[table].status == RawDataFile.Status.PENDING
        or files[table].status == RawDataFile.Status.FAILED or not files[table].clean_path.exists()
    }
    worker_peak = [0.0]

    def record(table: str, result: dict) -> None:
        file = files[table]
        for name in _COUNT_FIELDS:
            setattr(file, name, result[name])
        file.clean_started_at = timezone.now() - timezone.timedelta(seconds=result["seconds"])
        file.clean_finished_at = timezone.now()
        file.records_loaded = None
        file.clean_engine, file.load_engine = result["engine"], ""
        if result["native_missing"]:
            report.python_cleaned[table] = result["native_missing"]
        status_transition(file, RawDataFile.Status.CLEANED, error="")
        worker_peak[0] = max(worker_peak[0], result["peak_rss_mb"])
        if result["columns_added"] or result["columns_missing"]:
            drift = dict(version.schema_drift)
            drift[table] = {"added": result["columns_added"], "missing": result["columns_missing"]}
            version.schema_drift = drift
            version.save(update_fields=["schema_drift", "updated_at"])

    with stage_run(version, Stage.CLEAN):
        failures = _run_jobs(version, "clean", todo, record, progress, workers)
        _fail_on("clean", failures)
    report.stage_seconds["clean"] = (timezone.now() - started).total_seconds()
    report.peak_rss_mb["clean_worker"] = worker_peak[0]


def _conninfo() -> str:
    params = connection.get_connection_params()
    keep = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname") and v}
    return psycopg.conninfo.make_conninfo(**keep)


def _load(version, schemas: dict, workers: _Workers, *, force: bool, progress: Progress, report: IngestReport) -> None:
    started = timezone.now()
    files = {f.table: f for f in version.files.all()}
    conninfo = _conninfo()
    todo = {
        table: (
            load_job,
            dict(conninfo=conninfo, schema=schema, clean_path=files[table].clean_path,
                 header=_header_of(files[table].clean_path), expected_records=files[table].records_out),
            files[table].clean_size or 1,
        )
        for table, (schema, _) in schemas.items()
        if force or files[table].status != RawDataFile.Status.LOADED
    }
    worker_peak = [0.0]

    def record(table: str, result: dict) -> None:
        file = files[table]
        file.records_loaded = result["records_loaded"]
        file.load_started_at = timezone.now() - timezone.timedelta(seconds=result["seconds"])
        file.load_finished_at = timezone.now()
        file.load_engine = result["engine"]
        if result["native_missing"]:
            report.python_loaded[table] = result["native_missing"]
        status_transition(file, RawDataFile.Status.LOADED, error="")
        worker_peak[0] = max(worker_peak[0], result["peak_rss_mb"])

    with stage_run(version, Stage.LOAD):
        failures = _run_jobs(version, "load", todo, record, progress, workers)
        _fail_on("load", failures)
    report.stage_seconds["load"] = (timezone.now() - started).total_seconds()
    report.peak_rss_mb["load_worker"] = worker_peak[0]


def _header_of(clean_path: Path) -> list[str]:
    with open(clean_path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))

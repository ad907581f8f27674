"""The per-table work of a release's ingest, as the in-process run and the Celery tasks share it (a service).

`clean_jobs` and `load_jobs` say which tables still need their step and with
what arguments (picklable values for processors.ingest.table_jobs, which runs
without Django); `clean_record` and `load_record` write a finished table's
counts on its RawDataFile. A table already cleaned or loaded is not redone
unless forced, which is what makes a resumed run finish the job.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from calaccess_archive.models import RawDataFile, RawDataVersion
from calaccess_archive.raw_schemas import raw_table_schemas
from calaccess_archive.transitions import status_transition
from processors.errors import BadExport, PipelineError
from processors.ingest.staging import LIVE_SCHEMA, STAGING_SCHEMA, table_tags, tables_swap
from processors.ingest.native import CONVERSIONS
from processors.ingest.table_jobs import clean_job, load_job, member_name, table_name
from processors.pipeline.corrections import corrections_record, table_corrections

_COUNT_FIELDS = (
    "lines", "blank_lines", "records_in", "rejoined", "repaired", "repaired_unique", "repaired_by_evidence",
    "quarantined", "duplicates",
    "records_out", "value_fixes", "columns_expected", "columns_found", "columns_added",
    "columns_missing", "source_size", "clean_size", "error_size", "clean_sha256",
    "corrected", "corrections_applied",  # processors/pipeline/corrections.py
)


def ingest_tables(version: RawDataVersion) -> dict:
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


def clean_jobs(version: RawDataVersion, schemas: dict, *, force: bool) -> dict:
    """{table: (clean_job, kwargs, weight)} of the tables still to clean (all of them with `force`)."""
    files = {}
    for table in schemas:
        files[table], _ = RawDataFile.objects.get_or_create(version=version, table=table)
    return {
        table: (
            clean_job,
            dict(zip_path=version.zip_path, member=member_name(table), schema=schema,
                 clean_path=files[table].clean_path, errors_path=files[table].errors_path,
                 corrections=table_corrections(table)),
            size,
        )
        for table, (schema, size) in schemas.items()
        if force or files[table].status == RawDataFile.Status.PENDING
        or files[table].status == RawDataFile.Status.FAILED or not files[table].clean_path.exists()
    }


def clean_record(version: RawDataVersion, table: str, result: dict) -> RawDataFile:
    """Write what clean_job found for `table` on its RawDataFile (and the table's drift on the release)."""
    file = RawDataFile.objects.get(version=version, table=table)
    for name in _COUNT_FIELDS:
        setattr(file, name, result[name])
    file.clean_started_at = timezone.now() - timezone.timedelta(seconds=result["seconds"])
    file.clean_finished_at = timezone.now()
    file.records_loaded = None
    file.clean_engine, file.load_engine = result["engine"], ""
    status_transition(file, RawDataFile.Status.CLEANED, error="")
    corrections_record(version, table, result["corrections_applied"])
    if result["columns_added"] or result["columns_missing"]:
        # Read afresh: tables of one release are recorded by several processes at once.
        with transaction.atomic():
            locked = RawDataVersion.objects.select_for_update().get(pk=version.pk)
            locked.schema_drift = {**locked.schema_drift,
                                   table: {"added": result["columns_added"], "missing": result["columns_missing"]}}
            locked.save(update_fields=["schema_drift", "updated_at"])
        version.schema_drift = locked.schema_drift
    return file


def table_failed(version: RawDataVersion, table: str, message: str) -> None:
    status_transition(RawDataFile.objects.get(version=version, table=table), RawDataFile.Status.FAILED, error=message)


def database_conninfo() -> str:
    params = connection.get_connection_params()
    keep = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname") and v}
    return psycopg.conninfo.make_conninfo(**keep)


def load_jobs(version: RawDataVersion, schemas: dict, *, force: bool) -> dict:
    """{table: (load_job, kwargs, weight)} of the tables still to load (all of them with `force`).

    Tables load into the staging schema (processors.ingest.load); `ingest_finish` swaps them in. A
    table recorded loaded counts as done when its rows for this release are there, tagged by its load,
    or already live (a run resumed after the swap, as a Celery workflow restarted from its first step
    is); otherwise, say when another release was loaded into the staging schema since, it is recorded
    cleaned again and loaded.
    """
    files = {f.table: f for f in version.files.all()}
    conninfo = database_conninfo()
    tags = {table: _staging_tag(version, files[table]) for table in schemas}
    with connection.cursor() as cursor:
        staged = table_tags(cursor=cursor.cursor, schema=STAGING_SCHEMA, tables=tags)
        live = table_tags(cursor=cursor.cursor, schema=LIVE_SCHEMA, tables=tags)
    jobs = {}
    for table, (schema, _) in schemas.items():
        file = files[table]
        if file.status == RawDataFile.Status.LOADED:
            if not force and tags[table] in (staged.get(table), live.get(table)):
                continue
            status_transition(file, RawDataFile.Status.CLEANED)
        jobs[table] = (
            load_job,
            dict(conninfo=conninfo, schema=schema, clean_path=file.clean_path, header=_header_of(file.clean_path),
                 expected_records=file.records_out, tag=tags[table], values_to_convert=values_to_convert(file)),
            file.clean_size or 1,
        )
    return jobs


def values_to_convert(file: RawDataFile) -> int:
    """How many of a cleaned table's values the load converts for the typed table (the clean stage counted them)."""
    fixes = file.value_fixes or {}
    return sum(fixes.get(name, 0) for name in CONVERSIONS)


def load_record(version: RawDataVersion, table: str, result: dict) -> RawDataFile:
    """Write what load_job loaded for `table` on its RawDataFile: loaded, into the staging schema until
    `ingest_finish` swaps the release in."""
    file = RawDataFile.objects.get(version=version, table=table)
    file.records_loaded = result["records_loaded"]
    file.load_started_at = timezone.now() - timezone.timedelta(seconds=result["seconds"])
    file.load_finished_at = timezone.now()
    file.load_engine = result["engine"]
    file.load_conversions = result.get("conversions", {})
    return status_transition(file, RawDataFile.Status.LOADED, error="")


def tables_failed_check(stage: str, failures: dict) -> None:
    """Raise one error naming the first few tables of `stage` that failed, if any did."""
    if failures:
        shown = "; ".join(f"{t}: {m}" for t, m in sorted(failures.items())[:3])
        raise PipelineError(f"{stage} failed for {len(failures)} table(s): {shown}")


def ingest_finish(version: RawDataVersion) -> None:
    """Every table is loaded: swap them all in, and the release is loaded, with its total sizes, and the
    release the raw tables held before is replaced (its tables count as cleaned again: loading it once
    more reloads them).

    The swap and these records are one transaction on Django's connection, so a crash or an error at
    any point leaves either all of it (the new tables live, the release loaded, the previous one
    replaced) or none of it (the previous release's tables live and still loaded, this release's
    tables in the staging schema, recorded loaded, for the next run to swap in without loading them
    again). Raises PipelineError, changing nothing, when a table is not recorded loaded, and
    SwapRefused when one is recorded loaded but its rows are not in the staging schema (nor live), or
    when PostgreSQL refuses to drop a live table (a view or a foreign key depends on it).
    """
    files = {f.table: f for f in version.files.all()}
    tables = list(raw_table_schemas())
    not_loaded = [t for t in tables if t not in files or files[t].status != RawDataFile.Status.LOADED]
    if not_loaded:
        raise PipelineError(f"load: {len(not_loaded)} table(s) not loaded: {', '.join(not_loaded[:5])}"
                            f"{', ...' if len(not_loaded) > 5 else ''}; the live tables were left as they were")
    with transaction.atomic():
        with connection.cursor() as cursor:
            tables_swap(cursor=cursor.cursor, tables={t: _staging_tag(version, files[t]) for t in tables})
        for previous in RawDataVersion.objects.filter(status=RawDataVersion.Status.LOADED).exclude(pk=version.pk):
            for file in previous.files.filter(status=RawDataFile.Status.LOADED):
                status_transition(file, RawDataFile.Status.CLEANED)
            status_transition(previous, RawDataVersion.Status.REPLACED)
        status_transition(version, RawDataVersion.Status.LOADED,
                          clean_size=sum(f.clean_size or 0 for f in files.values()),
                          error_size=sum(f.error_size or 0 for f in files.values()))


def _staging_tag(version: RawDataVersion, file: RawDataFile) -> str:
    """What the load writes on a table's staging copy (and what stays on it once live): the release, and
    the cleaned file its rows came from (a table of another release, or of an earlier clean, differs)."""
    return (f"calaccess-archive: release {version.slug} (id {version.pk}), {file.table}: "
            f"{file.records_out} records, clean sha256 {file.clean_sha256}")


def _header_of(clean_path: Path) -> list[str]:
    with open(clean_path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))

"""The OCD stage of one release (a service: it writes ProcessedDataVersion and its files and zips).

Build the OCD tables from the loaded raw tables, export the CSVs, package the
zips and write changes.json; the SQL, the writers and the packaging are the
engines in processors.ocd, run here on Django's connections.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone as dt_timezone

from django.db import connection, transaction
from django.utils import timezone

from calaccess_archive.transitions import status_transition
from processors.errors import PipelineError

from processors.ocd.bulk import ocd_constraints_drop, ocd_constraints_restore
from processors.ocd.campaign_finance import committees_build, covers_stage, filings_build, transactions_build
from processors.ocd.jurisdiction import jurisdiction_build
from processors.ocd.elections import candidacies_build, candidacy_sources_stage, elections_build
from processors.ocd.measures import measure_sources_stage, measures_build

logger = logging.getLogger(__name__)


class ProcessingError(PipelineError):
    """A release cannot be processed as asked (e.g. its raw data is no longer the loaded one)."""


# Temporary tables of one build (ON COMMIT DROP).
STAGING_TABLES = ["ocd_cover_version", "ocd_cover", "ocd_cand_src", "ocd_cand", "ocd_person_name", "ocd_measure_src",
                  "ocd_measure"]

# Raw tables processing joins on (analyzed first; the item tables are only scanned whole).
RAW_TABLES_READ = ["LOOKUP_CODES_CD", "F501_502_CD", "CVR_CAMPAIGN_DISCLOSURE_CD", "FILERNAME_CD", "FILER_FILINGS_CD"]

_STAGE_OF = {"processing": "process", "exporting": "export", "packaging": "package"}


def processed_version_transition(*, processed, status: str, error: str = "") -> None:
    """Move a ProcessedDataVersion to `status`, stamping the stage times (its TRANSITIONS say what is legal)."""
    now = timezone.now()
    times = {}
    previous = _STAGE_OF.get(processed.status)
    if previous:
        times[f"{previous}_finished_at"] = now
    if status in _STAGE_OF:
        times[f"{_STAGE_OF[status]}_started_at"] = now
        times[f"{_STAGE_OF[status]}_finished_at"] = None
    status_transition(processed, status, error=error, **times)


class _Clock:
    """Seconds per step, into `seconds` as "<stage>:<step>"."""

    def __init__(self, seconds: dict, stage: str):
        self.seconds, self.stage, self.last = seconds, stage, time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.seconds[f"{self.stage}:{step}"] = round(now - self.last, 3)
        self.last = now


def ocd_tables_build(*, release_datetime, seconds: dict | None = None) -> dict:
    """Rebuild every OCD table from the loaded raw tables, in one transaction; return counts.

    Returns {"tables": {table: rows}, "skipped": {raw table: {reason: n}},
    "unmatched": {table: {reason: n}}}. Ids are derived from CAL-ACCESS keys,
    so a rebuild gives the same ids (docs/ocd-ids.md). `seconds` collects the
    time of each step.
    """
    from ocd.models import OCD_MODELS

    params = {"ts": release_datetime}
    skipped: dict = {}
    unmatched: dict = {}
    tables = [m._meta.db_table for m in OCD_MODELS]
    seconds = {} if seconds is None else seconds
    with transaction.atomic(), connection.cursor() as cursor:
        clock = _Clock(seconds, "process")
        cursor.execute("DROP TABLE IF EXISTS " + ", ".join(STAGING_TABLES))  # left by an enclosing transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred FK checks
        # Sorts (duplicate keys, DISTINCT ON) and hashes in memory rather than on disk; a fixed cap, not N.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
        restore = ocd_constraints_drop(cursor=cursor, tables=tables)
        # Fresh planner statistics of what is read: a just-loaded table may have none yet.
        cursor.execute("ANALYZE " + ", ".join(f'"{t}"' for t in RAW_TABLES_READ))
        clock.lap("analyze")
        jurisdiction_build(cursor=cursor, params=params, skipped=skipped)
        clock.lap("jurisdiction")
        covers_stage(cursor=cursor, skipped=skipped)
        clock.lap("covers")
        candidacy_sources_stage(cursor=cursor, skipped=skipped)
        measure_sources_stage(cursor=cursor, skipped=skipped)
        elections_build(cursor=cursor, params=params)
        candidacies_build(cursor=cursor, params=params, unmatched=unmatched)
        clock.lap("candidacies")
        measures_build(cursor=cursor, params=params)
        clock.lap("measures")
        committees_build(cursor=cursor, params=params, unmatched=unmatched)
        clock.lap("committees")
        filings_build(cursor=cursor, params=params, unmatched=unmatched)
        clock.lap("filings")
        transactions_build(cursor=cursor, params=params, skipped=skipped)
        clock.lap("transactions")
        ocd_constraints_restore(cursor=cursor, statements=restore)
        clock.lap("indexes")
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    clock.lap("commit")
    return {
        "tables": counts,
        "skipped": {t: dict(sorted(r.items())) for t, r in sorted(skipped.items())},
        "unmatched": {t: dict(sorted(r.items())) for t, r in sorted(unmatched.items())},
    }


def _previous_processed(*, version):
    from ocd.models import ProcessedDataVersion

    return (
        ProcessedDataVersion.objects.filter(
            raw_version__release_datetime__lt=version.release_datetime, status=ProcessedDataVersion.Status.FINISHED
        )
        .select_related("raw_version")
        .order_by("-raw_version__release_datetime")
        .first()
    )


def _exports_on_own_connection(write, **kwargs):
    """Run `write` in this (worker) thread on its own database connection, closed afterwards."""
    try:
        with connection.cursor() as cursor:
            return write(cursor=cursor, **kwargs)
    finally:
        connection.close()


def exports_write(*, directory) -> list:
    """Write relational/<table>.csv for every OCD table and flat/<Name>.csv; return what was written.

    The two groups are written side by side, each on its own connection, when the OCD tables are
    committed (outside any transaction: another connection sees them); inside one, one after the other.
    """
    from ocd.relational import relational_tables

    from processors.ocd.export import flat_write, relational_write

    tables = relational_tables()
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            return (relational_write(cursor=cursor, directory=directory, tables=tables)
                    + flat_write(cursor=cursor, directory=directory))
    with ThreadPoolExecutor(max_workers=2) as pool:
        flat = pool.submit(_exports_on_own_connection, flat_write, directory=directory)
        relational = pool.submit(_exports_on_own_connection, relational_write, directory=directory, tables=tables)
        return relational.result() + flat.result()


def ocd_process(*, version) -> dict:
    """Process one loaded raw release into OCD tables, CSVs, zips and changes.json; return its counts.

    The raw tables hold one release at a time (the latest loaded), so a
    release whose raw data has been replaced by a newer load is refused.
    """
    import shutil

    from calaccess_archive.models import RawDataVersion
    from ocd.models import ProcessedDataFile, ProcessedDataVersion, ProcessedDataZip

    from ocd.relational import relational_tables
    from processors.ocd.changes import changes_build
    from processors.ocd.package import zip_build

    if version.status != RawDataVersion.Status.LOADED:
        raise ProcessingError(f"release {version.slug} is not loaded (status {version.status})")
    newer = RawDataVersion.objects.filter(
        release_datetime__gt=version.release_datetime, status=RawDataVersion.Status.LOADED
    ).first()
    if newer is not None:
        raise ProcessingError(f"release {version.slug}: the raw tables now hold the newer release {newer.slug}")
    processed, _ = ProcessedDataVersion.objects.get_or_create(raw_version=version)
    seconds: dict = {}
    processed_version_transition(processed=processed, status="processing")
    try:
        counts = ocd_tables_build(release_datetime=version.release_datetime, seconds=seconds)
        processed.counts = counts
        processed_version_transition(processed=processed, status="exporting")
        clock = _Clock(seconds, "export")
        directory = processed.directory
        for sub in ("relational", "flat"):
            shutil.rmtree(directory / sub, ignore_errors=True)
        files = exports_write(directory=directory)
        processed.files.all().delete()
        ProcessedDataFile.objects.bulk_create(
            ProcessedDataFile(version=processed, name=f.name, group=f.group, records=f.records, size=f.size,
                              sha256=f.sha256)
            for f in files
        )
        clock.lap("csv")
        processed_version_transition(processed=processed, status="packaging")
        clock = _Clock(seconds, "package")
        processed.zips.all().delete()
        release_iso = version.release_datetime.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        zips = {}
        groups = ("flat", "relational")
        # The two zips are built side by side (deflate and hashing release the GIL).
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            built = pool.map(lambda group: zip_build(
                directory=directory, group=group, files=[f for f in files if f.group == group], slug=version.slug,
                release_iso=release_iso, source=version.source), groups)
            for group, (path, size, sha) in zip(groups, built):
                ProcessedDataZip.objects.create(version=processed, name=path.name, group=group, size=size,
                                                sha256=sha, file_count=sum(f.group == group for f in files))
                zips[path.name] = {"size": size, "sha256": sha}
        clock.lap("zips")
        previous = _previous_processed(version=version)
        with transaction.atomic(), connection.cursor() as cursor:
            changes = changes_build(
                cursor=cursor,
                tables=[(t.db_table, t.name) for t in relational_tables()],
                previous_dir=previous.directory if previous else None,
                previous_slug=previous.raw_version.slug if previous else None,
                slug=version.slug,
                path=directory / "changes.json",
            )
        processed.changes = changes
        processed_version_transition(processed=processed, status="finished")
        clock.lap("changes.json")
    except Exception as exc:
        processed.refresh_from_db(fields=["status"])
        if processed.status in ("processing", "exporting", "packaging"):
            processed_version_transition(processed=processed, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    logger.info("processed %s: %s", version.slug, counts["tables"])
    return {
        "release": version.slug,
        "status": processed.status,
        **counts,
        "files": {f"{f.group}/{f.name}": f.records for f in files},
        "zips": zips,
        "changes": {t: {"added": c["added"], "removed": c["removed"]} for t, c in changes["tables"].items()},
        "seconds": seconds,
    }

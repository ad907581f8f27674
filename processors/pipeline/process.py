"""The OCD stage of one release (a service: it writes ProcessedDataVersion and its files and zips).

Two steps, each resumable on its own: `ocd_build` fills the OCD tables from the
loaded raw tables and exports the CSVs; `ocd_package` zips them and writes
changes.json. `ocd_process` runs both (the `process` command).
"""

from __future__ import annotations

import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone as dt_timezone

from django.db import connection, transaction
from django.utils import timezone

from calaccess_archive.models import RawDataVersion
from calaccess_archive.transitions import status_transition
from processors.errors import PipelineError
from processors.pipeline.ocd_tables import Clock, exports_write, ocd_tables_build

logger = logging.getLogger(__name__)


class ProcessingError(PipelineError):
    """A release cannot be processed as asked (e.g. its raw data is no longer the loaded one)."""


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


def _processed_of(version):
    """The release's ProcessedDataVersion; refused unless the raw tables hold exactly this release."""
    from ocd.models import ProcessedDataVersion

    holding = RawDataVersion.objects.filter(status=RawDataVersion.Status.LOADED).exclude(pk=version.pk)
    other = holding.order_by("-release_datetime").first()
    if other is not None and (version.status == RawDataVersion.Status.REPLACED
                              or other.release_datetime > version.release_datetime):
        newer = "newer " if other.release_datetime > version.release_datetime else ""
        raise ProcessingError(f"release {version.slug}: the raw tables now hold the {newer}release {other.slug}")
    if version.status != RawDataVersion.Status.LOADED:
        raise ProcessingError(f"release {version.slug} is not loaded (status {version.status})")
    return ProcessedDataVersion.objects.get_or_create(raw_version=version)[0]


def _failed(processed, exc: BaseException) -> None:
    processed.refresh_from_db(fields=["status"])
    if processed.status in ("processing", "exporting", "packaging"):
        processed_version_transition(processed=processed, status="failed", error=f"{type(exc).__name__}: {exc}")


def ocd_build(*, version) -> dict:
    """Fill the OCD tables of one loaded release and export its CSVs; return counts, files and step times."""
    from ocd.models import ProcessedDataFile
    from ocd.relational import relational_tables_before

    processed = _processed_of(version)
    seconds: dict = {}
    processed_version_transition(processed=processed, status="processing")
    try:
        counts = ocd_tables_build(release_datetime=version.release_datetime, seconds=seconds)
        processed.counts = counts
        processed_version_transition(processed=processed, status="exporting")
        clock = Clock(seconds, "export")
        directory = processed.directory
        # A release first exported before the coalition's names keeps them (its links, its archive paths).
        before = {t.name for t in relational_tables_before()}
        relational_before = processed.files.filter(group="relational", name__in=before).exists()
        for sub in ("relational", "flat"):
            shutil.rmtree(directory / sub, ignore_errors=True)
        files = exports_write(directory=directory, relational_before=relational_before)
        processed.files.all().delete()
        ProcessedDataFile.objects.bulk_create(
            ProcessedDataFile(version=processed, name=f.name, group=f.group, records=f.records, size=f.size,
                              sha256=f.sha256)
            for f in files
        )
        clock.lap("csv")
        processed_version_transition(processed=processed, status="exported")
    except Exception as exc:
        _failed(processed, exc)
        raise
    logger.info("processed %s: %s", version.slug, counts["tables"])
    return {"release": version.slug, **counts, "files": {f"{f.group}/{f.name}": f.records for f in files},
            "seconds": seconds}


def _exported_files(processed) -> list:
    """The exported files of `processed` as the packager needs them (columns and descriptions from code)."""
    from ocd.relational import relational_tables, relational_tables_before
    from processors.ocd.export import FLAT_FILES, ExportedFile

    # A release exported before the coalition's names keeps its files: described with that layout's columns.
    about = {("relational", t.name): (t.description, t.fields)
             for t in relational_tables_before() + relational_tables()}
    about |= {("flat", name): (description, fields) for name, (description, _, fields, _) in FLAT_FILES.items()}
    return [ExportedFile(f.name, f.group, f.records, f.size, f.sha256, *about[(f.group, f.name)])
            for f in processed.files.order_by("group", "name")]


def ocd_package(*, version) -> dict:
    """Zip one exported release (flat.zip, relational.zip) and write its changes.json; return zips and changes."""
    from ocd.models import ProcessedDataVersion, ProcessedDataZip
    from ocd.relational import relational_names_alike, relational_tables
    from processors.ocd.changes import changes_build
    from processors.ocd.package import zip_build

    processed = ProcessedDataVersion.objects.get(raw_version=version)
    seconds: dict = {}
    processed_version_transition(processed=processed, status="packaging")
    try:
        clock = Clock(seconds, "package")
        directory = processed.directory
        files = _exported_files(processed)
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
                tables=[(t.db_table, relational_names_alike(t.name)) for t in relational_tables()],
                previous_dir=previous.directory if previous else None,
                previous_slug=previous.raw_version.slug if previous else None,
                slug=version.slug,
                path=directory / "changes.json",
            )
        processed.changes = changes
        processed_version_transition(processed=processed, status="finished")
        clock.lap("changes.json")
    except Exception as exc:
        _failed(processed, exc)
        raise
    return {"status": processed.status, "zips": zips,
            "changes": {t: {"added": c["added"], "removed": c["removed"]} for t, c in changes["tables"].items()},
            "seconds": seconds}


def ocd_process(*, version) -> dict:
    """Process one loaded raw release into OCD tables, CSVs, zips and changes.json; return its counts.

    The raw tables hold one release at a time (the latest loaded), so a
    release whose raw data has been replaced by a newer load is refused.
    """
    built = ocd_build(version=version)
    packaged = ocd_package(version=version)
    return {**built, **packaged, "seconds": {**built["seconds"], **packaged["seconds"]}}

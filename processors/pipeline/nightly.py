"""The nightly workflow of one release, step by step (a service: it writes the release's records).

download -> clean -> load (processors.pipeline.ingest and raw_tables)
-> process -> package (processors.pipeline.process)
-> upload -> verify -> publish (here)

Each step is a function of the release that skips what its records say is
done, so a run that died anywhere is finished by the next one. `nightly_run`
runs every step in this process (the `nightly` command without --queue);
tasks/nightly.py runs the same steps as a Celery workflow, fanning the
per-table and per-file work out over the workers.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from archive_storage.ia_client import ArchiveAccountRefused
from archive_storage.upload import (
    NOT_SENT,
    REFUSED,
    archive_refusal_of,
    archived_file_hold,
    archived_file_record,
    archived_file_upload,
    archived_files_verify,
)
from calaccess_archive.models import ArchivedFile, RawDataVersion, Stage
from calaccess_archive.storage import archive_storage
from processors.archive.items import (
    clean_zip_build,
    processed_units,
    release_item_identifier,
    release_item_metadata,
    release_units,
)
from processors.errors import PipelineError, error_message
from processors.pipeline.ingest import IngestReport, Progress, release_check, release_load, release_open
from processors.pipeline.lease import LeaseHeld, holder_name, lease_acquire, lease_held, lease_release
from processors.pipeline.process import ocd_build, ocd_package
from processors.pipeline.stages import stage_run

logger = logging.getLogger("calaccess_archive.pipeline")


class NotPublished(PipelineError):
    """Some file of the release is not verified in archive storage, so the release is not published yet."""


@dataclass
class NightlyReport:
    outcome: str  # "published", "up_to_date"
    version: RawDataVersion | None
    ingest: IngestReport | None = None
    seconds: dict = field(default_factory=dict)


def nightly_start(*, source: str | None = None, release_datetime: dt.datetime | None = None,
                  ) -> RawDataVersion | None:
    """Look at the source (recorded as a ReleaseCheck): the release to run, new or not yet published,
    or None when the source's release is published already."""
    source = source or settings.CALACCESS_EXPORT_URL
    info, version, check = release_check(source=source, release_datetime=release_datetime)
    if version is not None and version.published_at is not None:
        return None
    return release_open(source=source, info=info, check=check, release_datetime=release_datetime)


# Steps whose failure waits for a person: the data could not be made into files. A failed upload, verify or
# publish is archive.org's doing (down, slow to ingest, refusing for a while) and the next tick tries again.
_STOPPING_STEPS = (Stage.DOWNLOAD, Stage.CLEAN, Stage.LOAD, Stage.PROCESS, Stage.PACKAGE)


def release_failed(version: RawDataVersion) -> bool:
    """Whether a step of `version` failed in a way the next tick should not simply retry."""
    return (version.status == RawDataVersion.Status.FAILED
            or version.stages.filter(status="failed", stage__in=_STOPPING_STEPS).exists())


def nightly_begin(*, source: str | None = None, retry_failed: bool = False) -> dict:
    """A tick's start: take the lease, look at the source, and keep the lease for the release to run.

    Returns {"outcome": "started", "release", "version_id", "holder"} (the caller runs the steps under
    `holder`, then gives the lease up), or "running" (another run holds the lease), "up_to_date", or
    "failed" (the release failed and waits for a person: `nightly` or a newer release retries it).
    """
    holder = holder_name("nightly")
    try:
        lease_acquire(holder=holder)
    except LeaseHeld as exc:
        logger.info("event=tick_skipped reason=lease_held holder=%s", exc.lease.holder)
        return {"outcome": "running", "held_by": exc.lease.holder}
    try:
        version = nightly_start(source=source)
        if version is None:
            lease_release(holder=holder)
            return {"outcome": "up_to_date"}
        if not retry_failed and release_failed(version):
            lease_release(holder=holder)
            return {"outcome": "failed", "release": version.slug, "error": version.error}
        lease_acquire(holder=holder, version=version)
    except BaseException:
        lease_release(holder=holder)
        raise
    logger.info("event=run_started release=%s holder=%s", version.slug, holder)
    return {"outcome": "started", "release": version.slug, "version_id": version.pk, "holder": holder}


RELEASE_FAILED = "release-failed"  # the problem key of a release that stopped on a step


def run_failed(*, version_id: int, error: BaseException) -> None:
    """A run stopped on a step's failure: tell people, once per problem (notify decides what is new).

    The summary is the failed step's own record, so a retry that fails the same way says nothing new.
    """
    from processors.pipeline.notify import problem_report

    version = RawDataVersion.objects.filter(pk=version_id).first()
    failed = version.stages.filter(status="failed").order_by("-finished_at").first() if version else None
    reason = f"{failed.stage}: {failed.error}" if failed else error_message(error)
    slug = version.slug if version else f"#{version_id}"
    logger.warning("event=run_failed release=%s error=%s", slug, reason)
    problem_report(key=RELEASE_FAILED, summary=f"CAL-ACCESS release {slug} failed at {reason}", release=version)


def run_succeeded(*, version: RawDataVersion) -> None:
    """A release was published: a failure told before is back to normal, and the optional summary goes out."""
    from processors.pipeline.notify import problem_resolved, success_summary

    files = version.archived_files.count()
    logger.info("event=run_succeeded release=%s files=%d", version.slug, files)
    problem_resolved(key=RELEASE_FAILED)
    success_summary(release=version, summary=f"CAL-ACCESS release {version.slug} published: {files} files archived "
                                             "and verified")


def _processed_status(version: RawDataVersion) -> str | None:
    from ocd.models import ProcessedDataVersion

    processed = ProcessedDataVersion.objects.filter(raw_version=version).first()
    return processed.status if processed else None


def process_step(*, version: RawDataVersion) -> None:
    """OCD tables and CSVs, unless exported already; the zip of the cleaned tables is built meanwhile."""
    if _processed_status(version) in ("exported", "packaging", "finished"):
        return
    with stage_run(version, Stage.PROCESS), clean_zip_meanwhile(version):
        ocd_build(version=version)


@contextmanager
def clean_zip_meanwhile(version: RawDataVersion):
    """Build the raw item's clean.zip in a thread while the body runs.

    The OCD stage is PostgreSQL's work: this process mostly waits on it, and deflating and reading files
    release the GIL, so the zip (the longest part of the upload step otherwise: ~30 s at 10 M records)
    costs the release little. The upload step finds it up to date and does not build it again; if it
    failed here, the upload step builds it and says why it cannot."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clean-zip") as pool:
        zipping = pool.submit(clean_zip_build, version=version)
        yield
        error = zipping.exception()
    if error is not None:
        logger.warning("clean.zip of %s not built beside the OCD stage (%s); the upload step builds it",
                       version.slug, error)


def package_step(*, version: RawDataVersion) -> None:
    """flat.zip, relational.zip and changes.json, unless packaged already."""
    if _processed_status(version) == "finished":
        return
    with stage_run(version, Stage.PACKAGE):
        ocd_package(version=version)


def archive_records(*, version: RawDataVersion, storage) -> list[ArchivedFile]:
    """Every file the release puts into archive storage (export, cleaned tables, errors files, zip of the
    cleaned tables, processed zips and CSVs, changes.json), each with its ArchivedFile record."""
    units = release_units(version=version) + processed_units(version=version)
    return [archived_file_record(storage=storage, unit=unit, owner=version) for unit in units]


def upload_prepare(*, version: RawDataVersion, storage) -> list[ArchivedFile]:
    """Set the two items' metadata and return the records still to send: files verified, or that the item
    already holds with the same md5 and size, are not sent again."""
    records = archive_records(version=version, storage=storage)
    for kind in ("raw", "processed"):
        storage.item_ensure(release_item_identifier(version=version, kind=kind),
                            release_item_metadata(version=version, kind=kind))
    todo, listed = [], {}
    for record in records:
        if record.status in (ArchivedFile.Status.VERIFIED, ArchivedFile.Status.UPLOADED):
            continue
        if record.identifier not in listed:
            listed[record.identifier] = storage.item_files(record.identifier)
        remote = listed[record.identifier].get(record.file_name)
        if remote is not None and remote.md5 == record.md5 and remote.size == record.size:
            archived_file_upload(storage=storage, record=record, remote=remote)
        else:
            todo.append(record)
    return todo


def upload_file(*, record: ArchivedFile, storage, since: dt.datetime, on_read=None) -> ArchivedFile:
    """Send one file (the per-file unit of the upload step), unless archive.org has refused the account
    since `since` (the step's start): then the file is held back unsent, as every later one is."""
    refusal = archive_refusal_of(storage, since=since)
    if refusal is not None:
        return archived_file_hold(record=record, reason=f"{REFUSED}{refusal}")
    try:
        return archived_file_upload(storage=storage, record=record, on_read=on_read)
    except ArchiveAccountRefused:  # recorded on the file; the files after it are held back
        record.refresh_from_db()
        return record


def upload_outcome(*, version: RawDataVersion, storage, since: dt.datetime) -> None:
    """Raise NotPublished when a file of the release failed or was held back by an account refusal."""
    records = version.archived_files.filter(storage=storage.label)
    failed = records.filter(status=ArchivedFile.Status.FAILED).count()
    held = records.filter(status=ArchivedFile.Status.PENDING, last_error__startswith=NOT_SENT).count()
    refusal = archive_refusal_of(storage, since=since)
    if refusal is not None:
        raise NotPublished(f"archive.org refused the account ({refusal}): {held} file(s) of {version.slug} not sent; "
                           "the next run sends them once the refusal clears")
    if failed:
        raise NotPublished(f"{failed} file(s) of {version.slug} failed to upload; the next run sends them again")


def upload_step(*, version: RawDataVersion, storage=None, on_read=None) -> None:
    """Send every file of the release not yet in archive storage."""
    storage = storage or archive_storage()
    with stage_run(version, Stage.UPLOAD) as run:
        for record in upload_prepare(version=version, storage=storage):
            upload_file(record=record, storage=storage, since=run.started_at, on_read=on_read)
        upload_outcome(version=version, storage=storage, since=run.started_at)


def verify_step(*, version: RawDataVersion, storage=None, wait: float | None = None) -> None:
    """Compare every uploaded file with its item's file list, polling up to `wait` (IA_VERIFY_WAIT) seconds."""
    storage = storage or archive_storage()
    with stage_run(version, Stage.VERIFY):
        archived_files_verify(storage=storage, records=list(version.archived_files.filter(storage=storage.label)),
                              wait=wait)


def publish_step(*, version: RawDataVersion, storage=None) -> None:
    """The release becomes the site's latest: only when every one of its files is archived and verified."""
    storage = storage or archive_storage()
    with stage_run(version, Stage.PUBLISH):
        records = archive_records(version=version, storage=storage)
        left = [r for r in records if r.status != ArchivedFile.Status.VERIFIED]
        if left:
            counts = {}
            for record in left:
                counts[record.status] = counts.get(record.status, 0) + 1
            shown = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            raise NotPublished(f"{len(left)} of {len(records)} file(s) of {version.slug} not verified ({shown}); "
                               "the next run or archive verification finishes them")
        if version.published_at is None:
            version.published_at = timezone.now()
            version.save(update_fields=["published_at", "updated_at"])
    logger.info("event=release_published release=%s files=%d", version.slug, len(records))


# The steps that run whole in one task of the Celery workflow (the others fan out: celery_steps).
WHOLE_STEPS = {"process": process_step, "package": package_step, "verify": verify_step}


def release_run(*, version: RawDataVersion, progress: Progress | None = None, storage=None,
                wait: float | None = None) -> NightlyReport:
    """Every step of `version` in this process, each skipping what is done."""
    storage = storage or archive_storage()
    started = timezone.now()
    report = NightlyReport(outcome="published", version=version)
    report.ingest = release_load(version=version, progress=progress)
    report.seconds.update(report.ingest.stage_seconds)
    for name, step in (("process", process_step), ("package", package_step)):
        begun = timezone.now()
        step(version=version)
        report.seconds[name] = (timezone.now() - begun).total_seconds()
    begun = timezone.now()
    upload_step(version=version, storage=storage)
    report.seconds["upload"] = (timezone.now() - begun).total_seconds()
    begun = timezone.now()
    verify_step(version=version, storage=storage, wait=wait)
    report.seconds["verify"] = (timezone.now() - begun).total_seconds()
    publish_step(version=version, storage=storage)
    report.seconds["total"] = (timezone.now() - started).total_seconds()
    return report


def nightly_run(*, source: str | None = None, release_datetime: dt.datetime | None = None,
                progress: Progress | None = None, holder: str | None = None, storage=None,
                wait: float | None = None) -> NightlyReport:
    """Check the source and carry its release through every step here, holding the pipeline lease."""
    holder = holder or holder_name("nightly")
    with lease_held(holder=holder):
        version = nightly_start(source=source, release_datetime=release_datetime)
        if version is None:
            latest = RawDataVersion.objects.filter(published_at__isnull=False).order_by("-release_datetime").first()
            return NightlyReport(outcome="up_to_date", version=latest)
        lease_acquire(holder=holder, version=version)  # says which release it runs
        try:
            report = release_run(version=version, progress=progress, storage=storage, wait=wait)
        except PipelineError as exc:
            run_failed(version_id=version.pk, error=exc)
            raise
        run_succeeded(version=version)
        return report

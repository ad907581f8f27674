"""Repairs of one release, and putting the raw tables back on the current release (a service: it writes
the release's records).

The raw tables hold one release at a time. Working on an older release (reprocessing it, or a backfill of
older exports) loads that release's tables into them; `raw_tables_restore` then loads the newest release
again, so `process` and the next nightly find the current release where they expect it.

- `release_reprocess`: the OCD steps again (process, package), whatever their records say; with nothing
  changed in the release, flat.zip, relational.zip and changes.json come out byte-identical.
- `release_republish`: the archive steps again (upload, verify, publish); a verified file whose local copy
  is unchanged is not sent again, a changed one is.

Both hold the pipeline lease, like the nightly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils import timezone

from calaccess_archive.models import ArchivedFile, RawDataVersion, Stage
from calaccess_archive.storage import archive_storage
from archive_storage.upload import PublishReport
from processors.digest import digest_file
from processors.errors import PipelineError, error_message, one_line
from processors.pipeline.ingest import Progress, release_load
from processors.pipeline.lease import holder_name, lease_held
from processors.pipeline.nightly import NotPublished, publish_step, upload_step, verify_step
from processors.pipeline.process import ocd_build, ocd_package
from processors.pipeline.stages import stage_run

logger = logging.getLogger("calaccess_archive.pipeline")

Status = RawDataVersion.Status

# The processed files whose bytes a reprocess compares, in the processed directory.
COMPARED_FILES = ("flat.zip", "relational.zip", "changes.json")


class RepairError(PipelineError):
    """The release cannot be repaired as asked (never loaded, never processed)."""


# --- The raw tables' release ---------------------------------------------------------------------

def raw_tables_release() -> RawDataVersion | None:
    """The release the raw tables hold now (None before the first load)."""
    return RawDataVersion.objects.filter(status=Status.LOADED).order_by("-release_datetime").first()


def raw_tables_newest() -> RawDataVersion | None:
    """The newest release that was ever loaded: the one the raw tables should hold between runs."""
    return (RawDataVersion.objects.filter(status__in=(Status.LOADED, Status.REPLACED))
            .order_by("-release_datetime").first())


def raw_tables_restore(*, progress: Progress | None = None) -> RawDataVersion | None:
    """Load the newest release again if the raw tables hold an older one; return it (None: nothing to do).

    Its tables were counted cleaned again when it was replaced, so only the load runs (its download and
    cleaned tables are on disk).
    """
    newest = raw_tables_newest()
    if newest is None or newest.status == Status.LOADED:
        return None
    logger.info("event=raw_tables_restore release=%s", newest.slug)
    release_load(version=newest, progress=progress)
    return newest


def raw_tables_restore_after_failure(*, progress: Progress | None = None) -> None:
    """`raw_tables_restore` while another error is on its way up: its own failure is logged, not raised."""
    try:
        raw_tables_restore(progress=progress)
    except Exception as exc:  # the first error is the one to report
        logger.warning("event=raw_tables_restore_failed error=%s", error_message(exc))


def raw_tables_hold(*, version: RawDataVersion, progress: Progress | None = None) -> bool:
    """Make the raw tables hold `version` (load its cleaned tables again); True when it had to load them."""
    if version.status == Status.LOADED:
        return False
    if version.status != Status.REPLACED:
        raise RepairError(f"release {version.slug} was never loaded (status {version.status}): "
                          "run nightly or backfill to finish it")
    release_load(version=version, progress=progress)
    return True


# --- reprocess -----------------------------------------------------------------------------------

@dataclass
class ReprocessReport:
    version: RawDataVersion
    loaded: bool  # its raw tables had to be loaded again first
    restored: RawDataVersion | None  # the newest release, loaded again afterwards
    before: dict[str, str | None]  # {file: sha256} of COMPARED_FILES before (None: there was none)
    after: dict[str, str | None]
    result: dict = field(default_factory=dict)  # what ocd_build and ocd_package returned
    seconds: float = 0.0

    @property
    def changed(self) -> list[str]:
        """The compared files whose bytes differ from before (a file new in this run counts)."""
        return [name for name in COMPARED_FILES if self.before[name] != self.after[name]]


def _processed_digests(version: RawDataVersion) -> dict[str, str | None]:
    from ocd.models import ProcessedDataVersion

    directory = ProcessedDataVersion(raw_version=version).directory
    return {name: digest_file(directory / name, md5=False).sha256 if (directory / name).is_file() else None
            for name in COMPARED_FILES}


def release_reprocess(*, version: RawDataVersion, progress: Progress | None = None,
                      holder: str | None = None) -> ReprocessReport:
    """Run the process and package steps of `version` again, under the pipeline lease.

    If the raw tables hold another release, `version`'s are loaded first, and the newest release is loaded
    again afterwards (also when processing fails).
    """
    started = timezone.now()
    with lease_held(holder=holder or holder_name("reprocess"), version=version):
        before = _processed_digests(version)
        try:
            loaded = raw_tables_hold(version=version, progress=progress)
            version.refresh_from_db()
            with stage_run(version, Stage.PROCESS):
                built = ocd_build(version=version)
            with stage_run(version, Stage.PACKAGE):
                packaged = ocd_package(version=version)
        except BaseException:
            raw_tables_restore_after_failure(progress=progress)
            raise
        restored = raw_tables_restore(progress=progress)
    version.refresh_from_db()
    report = ReprocessReport(version=version, loaded=loaded, restored=restored, before=before,
                             after=_processed_digests(version),
                             result={**built, **packaged, "seconds": {**built["seconds"], **packaged["seconds"]}})
    report.seconds = (timezone.now() - started).total_seconds()
    logger.info("event=release_reprocessed release=%s changed=%s", version.slug, ",".join(report.changed) or "none")
    return report


# --- republish -----------------------------------------------------------------------------------

@dataclass
class RepublishReport:
    version: RawDataVersion
    publish: PublishReport  # every archived file of the release, as it ended
    sent: list[ArchivedFile]  # the files sent in this run
    problems: list[str]  # why a step did not finish (one line each); empty when published


def release_republish(*, version: RawDataVersion, storage=None, wait: float | None = None,
                      holder: str | None = None) -> RepublishReport:
    """Run the upload, verify and publish steps of `version` again, under the pipeline lease.

    Every step runs even when the one before left files behind (verify checks what was sent, publish
    says what is missing); the report says what was sent and what is not verified.
    """
    from ocd.models import ProcessedDataVersion

    storage = storage or archive_storage()
    started = timezone.now()
    with lease_held(holder=holder or holder_name("republish"), version=version):
        processed = ProcessedDataVersion.objects.filter(raw_version=version).first()
        if processed is None or processed.status != ProcessedDataVersion.Status.FINISHED:
            state = processed.status if processed else "not processed"
            raise RepairError(f"release {version.slug} has no finished processing ({state}): "
                              f"run reprocess {version.slug} first")
        attempts = dict(version.archived_files.filter(storage=storage.label).values_list("pk", "attempts"))
        problems = []
        for step in (upload_step, verify_step, publish_step):
            try:
                step(version=version, storage=storage, **({"wait": wait} if step is verify_step else {}))
            except NotPublished as exc:
                problems.append(one_line(exc, limit=1000))
    records = list(version.archived_files.filter(storage=storage.label).order_by("name"))
    sent = [r for r in records if r.attempts > attempts.get(r.pk, 0)]
    report = PublishReport(files=records, bytes_sent=sum(r.size or 0 for r in sent),
                           seconds=(timezone.now() - started).total_seconds())
    version.refresh_from_db()
    return RepublishReport(version=version, publish=report, sent=sent, problems=problems)

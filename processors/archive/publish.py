"""Publish a release into archive storage: the one function the command and a task call."""

from __future__ import annotations

from collections.abc import Callable

from archive_storage.upload import PublishReport, files_publish
from calaccess_archive.models import ArchivedFile, RawDataVersion
from calaccess_archive.storage import archive_storage
from processors.errors import PipelineError

from .items import processed_units, release_item_identifier, release_item_metadata, release_units


class NothingToPublish(PipelineError):
    """The release has no files to publish of the kind asked for (the export is gone, nothing processed)."""


def release_publish(*, version: RawDataVersion, storage=None, verify_only: bool = False,
                    wait: float | None = None, on_file: Callable[[ArchivedFile], None] | None = None,
                    on_read: Callable[[int], None] | None = None) -> PublishReport:
    """Put the raw release's files into archive storage (or only check them), then verify."""
    storage = storage or archive_storage()
    if not verify_only and not version.zip_path.exists():
        raise NothingToPublish(f"{version}: the export {version.zip_path} is not on disk")
    identifier = release_item_identifier(version=version)
    return files_publish(
        storage=storage, units=release_units(version=version, build_zip=not verify_only),
        items={identifier: release_item_metadata(version=version)}, owner=version,
        verify_only=verify_only, wait=wait, on_file=on_file, on_read=on_read,
    )


def processed_publish(*, version: RawDataVersion, storage=None, verify_only: bool = False,
                      wait: float | None = None, on_file: Callable[[ArchivedFile], None] | None = None,
                      on_read: Callable[[int], None] | None = None) -> PublishReport:
    """Put the processed release (zips, CSVs, changes.json) into its processed item, then verify.

    The same path as the raw files (files_publish): ArchivedFile records, skip
    what is verified, finish the rest on a re-run.
    """
    from ocd.models import ProcessedDataVersion

    storage = storage or archive_storage()
    processed = ProcessedDataVersion.objects.filter(raw_version=version).first()
    if processed is None or processed.status != ProcessedDataVersion.Status.FINISHED:
        state = processed.status if processed else "not processed"
        raise NothingToPublish(f"{version}: no finished processing to publish ({state})")
    identifier = release_item_identifier(version=version, kind="processed")
    return files_publish(
        storage=storage, units=processed_units(version=version),
        items={identifier: release_item_metadata(version=version, kind="processed")}, owner=version,
        verify_only=verify_only, wait=wait, on_file=on_file, on_read=on_read,
    )


def publish_total_bytes(*, version: RawDataVersion, processed: bool = False) -> int:
    """Bytes a full publish would read (for a progress bar)."""
    if processed and not hasattr(version, "processed"):
        return 0
    units = processed_units(version=version) if processed else release_units(version=version)
    return sum(unit.path.stat().st_size for unit in units if unit.path.exists())

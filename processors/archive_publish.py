"""Publish a release into archive storage: the one function the command and a task call."""

from __future__ import annotations

from collections.abc import Callable

from calaccess_archive.models import ArchivedFile, RawDataVersion
from calaccess_archive.storage import archive_storage

from .archive_items import release_item_identifier, release_item_metadata, release_units
from .archive_upload import PublishReport, files_publish


class NothingToPublish(Exception):
    pass


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
        items={identifier: release_item_metadata(version=version)}, version=version,
        verify_only=verify_only, wait=wait, on_file=on_file, on_read=on_read,
    )


def publish_total_bytes(*, version: RawDataVersion) -> int:
    """Bytes a full publish would read (for a progress bar)."""
    return sum(unit.path.stat().st_size for unit in release_units(version=version) if unit.path.exists())

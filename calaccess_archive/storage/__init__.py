"""Archive storage: where each release's files are preserved (docs/archive-storage.md).

The storages are the archive_storage app's (archive_storage/README.md); the local one is ours only
in where it keeps files (CALACCESS_DATA_DIR/archive). `calaccess_archive.storage.ArchiveOrgStorage`
stays importable for settings that name it.
"""

from archive_storage.archive_org import ArchiveOrgStorage
from archive_storage.fields import archive_storage_configured
from archive_storage.identifiers import InvalidArchiveName, name_join, name_split

from .local import LocalArchiveStorage


def archive_storage():
    """The storage configured as STORAGES["archive"]."""
    return archive_storage_configured()


__all__ = [
    "ArchiveOrgStorage", "InvalidArchiveName", "LocalArchiveStorage", "archive_storage", "name_join", "name_split",
]

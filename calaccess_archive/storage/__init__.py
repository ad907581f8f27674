"""Archive storage: where each release's files are preserved (docs/archive-storage.md)."""

from django.core.files.storage import storages

from .archive_org import ArchiveOrgStorage
from .identifiers import InvalidArchiveName, name_join, name_split
from .local import LocalArchiveStorage


def archive_storage():
    """The storage configured as STORAGES["archive"]."""
    return storages["archive"]


__all__ = [
    "ArchiveOrgStorage", "InvalidArchiveName", "LocalArchiveStorage", "archive_storage", "name_join", "name_split",
]

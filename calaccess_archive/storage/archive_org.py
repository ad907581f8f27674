"""The old dotted path of the archive.org storage (settings name it): the archive app's class."""

from archive_storage.archive_org import ArchiveOrgStorage

__all__ = ["ArchiveOrgStorage"]

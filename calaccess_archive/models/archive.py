"""What an archived file is to a release: the roles our pipeline gives the archive app's records.

The records themselves are archive_storage.models.ArchivedFile (issue 13); a release points at its
files with RawDataVersion.archived_files (a GenericRelation on the records' `owner`).
"""

from django.db import models

from archive_storage.models import ArchivedFile


class ArchiveRole(models.TextChoices):
    EXPORT = "export", "the state's export, as downloaded"
    CLEAN = "clean", "a cleaned table"
    ERRORS = "errors", "quarantined records of a table"
    REPAIRS = "repairs", "repaired records of a table (their extra tabs put back)"
    CORRECTIONS = "corrections", "records corrected by hand (corrections.csv)"
    CLEAN_ZIP = "clean_zip", "zip of the cleaned tables"
    PROCESSED = "processed", "a processed file"
    OTHER = "other"


__all__ = ["ArchiveRole", "ArchivedFile"]

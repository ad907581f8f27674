"""Archive tasks: finish the verification publish left to later (docs/archive-storage.md).

The work is the archive app's (archive_storage.tasks.verify_due); this task keeps its name for beat.
"""

from celery import shared_task

from archive_storage.ia_client import ArchiveTransientError


@shared_task(autoretry_for=(ArchiveTransientError,), retry_backoff=True, retry_backoff_max=600, max_retries=3)
def archive_verify_task() -> dict[str, int]:
    """Verify every `uploaded` file of the archive storage whose next check is due (beat runs it)."""
    from archive_storage.upload import archived_files_verify_due
    from calaccess_archive.storage import archive_storage

    return archived_files_verify_due(storage=archive_storage())

"""Archive tasks: finish the verification publish left to later (docs/archive-storage.md)."""

from celery import shared_task

from calaccess_archive.storage.ia_client import ArchiveTransientError


@shared_task(autoretry_for=(ArchiveTransientError,), retry_backoff=True, retry_backoff_max=600, max_retries=3)
def archive_verify_task() -> dict[str, int]:
    """Verify every `uploaded` file of the archive storage whose next check is due (beat runs it)."""
    from calaccess_archive.storage import archive_storage
    from processors.archive.upload import archived_files_verify_due

    return archived_files_verify_due(storage=archive_storage())

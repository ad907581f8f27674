"""The verify task: finish the verification an upload run left to later (files left "uploaded" while
archive.org ingests). Celery is optional: without it, call `verify_due()` from cron or any scheduler."""

from __future__ import annotations

from .fields import archive_storage_configured
from .ia_client import ArchiveTransientError
from .upload import archived_files_verify_due


def verify_due(storage=None) -> dict[str, int]:
    """Verify every `uploaded` file of `storage` (default: the configured one) whose next check is due."""
    return archived_files_verify_due(storage=storage or archive_storage_configured())


try:
    from celery import shared_task
except ImportError:  # no Celery in this project: verify_due() is the task
    archive_verify_task = None
else:
    archive_verify_task = shared_task(autoretry_for=(ArchiveTransientError,), retry_backoff=True,
                                      retry_backoff_max=600, max_retries=3)(verify_due)

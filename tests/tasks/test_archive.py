"""archive_verify_task: files publish left "uploaded" are verified later, on a schedule.

The task's body runs directly on real PostgreSQL with the archive.org stand-in; one test
runs it on a real Celery worker against the real Redis at REDIS_URL.
"""

import time
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from archive_storage.ia_client import ArchiveTransientError
from calaccess_archive.celery_app import app
from calaccess_archive.models import ArchivedFile
from processors.archive.publish import release_publish
from tasks.archive import archive_verify_task
from tests.archive_helpers import release_make

Status = ArchivedFile.Status


def uploaded_release(archive_org, *, ingest_delay: float) -> int:
    """Publish a release whose files archive.org lists only after `ingest_delay` seconds;
    publish gives up polling first and leaves them uploaded. Returns how many files."""
    archive_org.faults.ingest_delay = ingest_delay
    report = release_publish(version=release_make(), wait=0.05)
    assert {r.status for r in report.files} == {Status.UPLOADED}
    assert all(r.next_check_at for r in report.files)
    return len(report.files)


def statuses() -> set[str]:
    return set(ArchivedFile.objects.values_list("status", flat=True))


@pytest.mark.django_db
def test_uploaded_files_become_verified_once_ingest_is_done(archive_org):
    files = uploaded_release(archive_org, ingest_delay=1.0)
    time.sleep(0.1)  # their next check (a backoff away) is due; ingest is not done
    assert archive_verify_task() == {"checked": files, "uploaded": files}
    assert statuses() == {Status.UPLOADED}
    time.sleep(1.1)
    assert archive_verify_task() == {"checked": files, "verified": files}
    assert statuses() == {Status.VERIFIED}
    assert set(archive_org.stored.values()) == {1}  # verified, never sent again
    assert archive_verify_task() == {"checked": 0}


@pytest.mark.django_db
def test_only_due_files_are_checked(archive_org):
    files = uploaded_release(archive_org, ingest_delay=0.2)
    time.sleep(0.3)
    ArchivedFile.objects.update(next_check_at=timezone.now() + timedelta(hours=1))
    assert archive_verify_task() == {"checked": 0}
    # No next check recorded (a publish stopped before verifying): due once publish
    # would have stopped polling (IA_VERIFY_WAIT after the upload), not before.
    ArchivedFile.objects.update(next_check_at=None)
    assert archive_verify_task() == {"checked": 0}
    ArchivedFile.objects.update(uploaded_at=timezone.now() - timedelta(seconds=3))
    assert archive_verify_task() == {"checked": files, "verified": files}
    assert ArchivedFile.objects.filter(checks=0).count() == 0


@pytest.mark.django_db
def test_an_unreachable_archive_raises_the_named_transient_error_and_changes_nothing(archive_org):
    uploaded_release(archive_org, ingest_delay=60)
    ArchivedFile.objects.update(next_check_at=timezone.now())
    archive_org.stop()
    with pytest.raises(ArchiveTransientError):
        archive_verify_task()
    assert archive_verify_task.autoretry_for == (ArchiveTransientError,)  # the only error retried
    assert statuses() == {Status.UPLOADED}


@pytest.mark.django_db(transaction=True)
def test_runs_on_a_real_worker_through_redis(archive_org):
    files = uploaded_release(archive_org, ingest_delay=0.2)
    time.sleep(0.3)
    queue = f"test-archive-verify-{uuid.uuid4().hex}"  # no other test run's worker takes it
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        result = archive_verify_task.apply_async(queue=queue)
        assert result.get(timeout=30) == {"checked": files, "verified": files}
    assert statuses() == {Status.VERIFIED}


@pytest.mark.django_db
def test_the_archive_storage_apps_own_verify_task_does_the_same(archive_org):
    """archive_storage.tasks: verify_due() for any scheduler, and the Celery task made of it."""
    from archive_storage.tasks import archive_verify_task as app_task
    from archive_storage.tasks import verify_due

    files = uploaded_release(archive_org, ingest_delay=0.5)
    time.sleep(0.6)
    assert verify_due() == {"checked": files, "verified": files}
    assert app_task.name == "archive_storage.tasks.verify_due" and app_task() == {"checked": 0}

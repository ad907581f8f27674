"""The nightly workflow on real Celery worker processes and Redis: from the CDN stand-in to verified
copies in the archive.org stand-in, published; once per release however many ticks; resumed after a
worker is killed; taken over when the lease of a dead run expires."""

from __future__ import annotations

import os
import signal
import time
import uuid
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest

from calaccess_archive.models import ArchivedFile, RawDataFile, RawDataVersion, StageRun
from ocd.models import ProcessedDataZip
from processors.pipeline.ingest import release_load
from processors.pipeline.lease import lease_current
from processors.pipeline.process import ocd_process
from tasks.nightly import nightly_check_task
from tests.celery_helpers import celery_worker
from tests.ingest_helpers import sample_zip, subprocess_env, table_fingerprints

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 4


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return sample_zip(tmp_path_factory.mktemp("exports"), seed=5, records=4000)


@pytest.fixture(scope="module")
def big_export(tmp_path_factory):
    """Big enough that a kill lands in the middle of the clean stage."""
    return sample_zip(tmp_path_factory.mktemp("exports"), seed=6, records=300_000)


@pytest.fixture
def queue(settings):
    """A queue of this test's own: the workers listen to it and the workflow's tasks go to it."""
    name = f"test-nightly-{uuid.uuid4().hex[:12]}"
    previous = nightly_check_task.app.conf.task_default_queue
    nightly_check_task.app.conf.task_default_queue = name
    settings.CALACCESS_LEASE_SECONDS = LEASE_SECONDS
    yield name
    nightly_check_task.app.conf.task_default_queue = previous


@pytest.fixture
def worker_env(settings, cdn, archive_org, queue):
    """What a worker on another machine would be given: the same database, Redis, data folder, export
    URL and archive.org (the stand-ins, through the proxy the archive_org fixture sets up)."""
    env = subprocess_env(settings.CALACCESS_DATA_DIR)
    return {
        **env, "CELERY_TASK_DEFAULT_QUEUE": queue, "CALACCESS_EXPORT_URL": cdn.url,
        "CALACCESS_ARCHIVE_STORAGE": "archive.org", "CALACCESS_LEASE_SECONDS": str(LEASE_SECONDS),
        "IA_ACCESS_KEY": archive_org.access, "IA_SECRET_KEY": archive_org.secret, "IA_SECURE": "false",
        "IA_PROXY": archive_org.url, "HTTP_PROXY": archive_org.url, "http_proxy": archive_org.url,
        # The state's CDN is reached directly, archive.org through the proxy that is its stand-in.
        "NO_PROXY": urlsplit(cdn.url).hostname, "no_proxy": urlsplit(cdn.url).hostname,
        "IA_RETRY_BACKOFF": "0.01", "IA_RETRY_BACKOFF_MAX": "0.05", "IA_VERIFY_WAIT": "5",
        "IA_CONNECT_TIMEOUT": "5", "IA_READ_TIMEOUT": "5",
    }


def published(version_id=None, *, timeout: float, workers=()) -> RawDataVersion:
    deadline = time.monotonic() + timeout
    while True:
        version = RawDataVersion.objects.filter(published_at__isnull=False).first()
        if version is not None:
            return version
        failed = StageRun.objects.filter(status="failed").first()
        assert failed is None, f"{failed.stage} failed: {failed.error}\n" + "\n".join(w.output()[-3000:] for w in workers)
        assert time.monotonic() < deadline, "not published in time:\n" + "\n".join(w.output()[-3000:] for w in workers)
        time.sleep(0.3)


def wait_until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)


def lease_expired() -> None:
    """Wait for the dead run's lease to run out (at most LEASE_SECONDS after its last renewal)."""
    wait_until(lambda: lease_current() is None, timeout=120, what="the lease's expiry")


def kill(worker) -> None:
    """kill -9 of the worker and its pool children, as when its machine dies."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait()


def assert_release_complete(version: RawDataVersion, archive_org) -> None:
    files = version.files.all()
    assert len(files) == 80 and all(f.status == "loaded" and f.records_loaded == f.records_out for f in files)
    records = ArchivedFile.objects.filter(version=version)
    assert records.count() > 160 and all(r.status == "verified" for r in records)
    for record in records:  # the archive.org stand-in holds every file, with the md5 we computed
        assert archive_org.items[record.identifier].files[record.file_name].md5 == record.md5
    assert {s.stage: s.status for s in version.stages.all()} == dict.fromkeys(
        ["download", "clean", "load", "process", "package", "upload", "verify", "publish"], "finished")


def test_a_release_flows_from_the_cdn_to_verified_archive_copies_on_two_workers(tmp_path, cdn, export, archive_org,
                                                                                worker_env, queue):
    cdn.publish(export)
    with ExitStack() as stack:
        workers = [stack.enter_context(celery_worker(env=worker_env, directory=tmp_path, queue=queue, name=name))
                   for name in ("alpha", "beta")]
        started = workers[0].wait_for(nightly_check_task.delay(), timeout=60)
        assert started["outcome"] == "started"
        version = published(timeout=180, workers=workers)
        assert version.slug == started["release"]
        assert_release_complete(version, archive_org)
        # The per-table and per-file fan-outs used both workers.
        for worker in workers:
            log = worker.output()
            assert "tasks.nightly.tables_batch_task" in log and "tasks.nightly.upload_batch_task" in log, log[-2000:]
        gets = len(cdn.requests_of("GET"))
        assert gets >= 1

        # The next tick sees the release published: it records its check and stops, without a GET.
        again = workers[1].wait_for(nightly_check_task.delay(), timeout=60)
        assert again == {"outcome": "up_to_date"}
        assert len(cdn.requests_of("GET")) == gets
        assert version.releasecheck_set.count() == 2
        assert StageRun.objects.filter(attempts__gt=1).count() == 0


def test_two_ticks_at_once_run_the_release_once(tmp_path, cdn, export, archive_org, worker_env, queue):
    cdn.publish(export)
    with celery_worker(env=worker_env, directory=tmp_path, queue=queue, concurrency=2) as worker:
        ticks = [nightly_check_task.delay(), nightly_check_task.delay()]
        outcomes = sorted(worker.wait_for(tick, timeout=60)["outcome"] for tick in ticks)
        assert outcomes in (["running", "started"], ["started", "up_to_date"])
        version = published(timeout=180, workers=[worker])
        assert RawDataVersion.objects.count() == 1
        assert StageRun.objects.filter(version=version).count() == 8
        assert StageRun.objects.filter(attempts__gt=1).count() == 0  # no step ran twice
        assert_release_complete(version, archive_org)


def test_a_worker_killed_mid_clean_then_mid_upload_is_resumed_by_the_next_tick(tmp_path, cdn, big_export, archive_org,
                                                                               worker_env, queue):
    cdn.publish(big_export)
    worker = celery_worker(env=worker_env, directory=tmp_path, queue=queue, concurrency=2)
    with worker as first:
        assert first.wait_for(nightly_check_task.delay(), timeout=60)["outcome"] == "started"
        cleaned = RawDataFile.objects.filter(status="cleaned")
        wait_until(lambda: cleaned.count() >= 3, timeout=120, what="three tables cleaned")
        kill(first)
    done = {f.table: f.clean_finished_at for f in RawDataFile.objects.filter(status__in=["cleaned", "loaded"])}
    assert 3 <= len(done) < 80
    assert StageRun.objects.get(stage="clean").status == "running"  # as the dead worker left it

    # Until the dead run's lease expires, a tick leaves it alone. (A new worker first runs what the dead
    # run left queued, renewing its lease; the tables it cleaned there count, but the step cannot end,
    # since the dead worker's own tasks never report.) Then a tick takes the release over.
    held = nightly_check_task.apply(kwargs={"source": cdn.url}).get()
    assert held["outcome"] == "running" and held["held_by"].startswith("nightly:")
    with celery_worker(env=worker_env, directory=tmp_path, queue=queue, concurrency=2) as second:
        lease_expired()
        assert second.wait_for(nightly_check_task.delay(), timeout=60)["outcome"] == "started"
        sent = ArchivedFile.objects.filter(status__in=["uploaded", "verified"])
        wait_until(lambda: sent.count() >= 10, timeout=180, what="ten files uploaded")
        kill(second)
    sent_before = {r.name for r in ArchivedFile.objects.filter(status__in=["uploaded", "verified"])}

    with celery_worker(env=worker_env, directory=tmp_path, queue=queue, concurrency=2) as third:
        lease_expired()
        assert third.wait_for(nightly_check_task.delay(), timeout=60)["outcome"] == "started"
        version = published(timeout=240, workers=[third])
    assert_release_complete(version, archive_org)
    for table, finished in done.items():  # tables cleaned before the first kill were not cleaned again
        assert RawDataFile.objects.get(table=table).clean_finished_at == finished
    for name in sent_before:  # files sent before the second kill were not sent again
        assert archive_org.stored[name] == 1, name

    # The same tables, CSVs and zips as a run that was never interrupted.
    resumed = (table_fingerprints(), dict(version.files.values_list("table", "clean_sha256")),
               dict(ProcessedDataZip.objects.values_list("name", "sha256")))
    version.refresh_from_db()
    release_load(version=version, force=True)
    ocd_process(version=version)
    assert (table_fingerprints(), dict(version.files.values_list("table", "clean_sha256")),
            dict(ProcessedDataZip.objects.values_list("name", "sha256"))) == resumed

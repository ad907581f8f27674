"""`celery -A calaccess_archive worker` as a real process, as docker-compose runs it: it takes
tasks queued with `.delay()` (from this process and from a manage.py process) off the Redis
at REDIS_URL, runs them in a prefork child with Django configured, logs through LOGGING,
enforces the global time limits and, without DATABASE_URL, uses the embedded database as
manage.py does (and so does beat).
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from datetime import datetime

import pytest
from django.conf import settings
from django.db import connection

from calaccess_archive.embedded_db import DATABASE_NAME
from tasks.health import ping_task
from tests import test_embedded_db
from tests.celery_helpers import CeleryProcess, celery_worker
from tests.ingest_helpers import ROOT, subprocess_env

# A line formatted by LOGGING's "structured" formatter, not by Celery's own.
STRUCTURED_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO celery\.\S+ ", re.MULTILINE)


@pytest.fixture
def queue():
    """A queue of this test's own, made the default one `.delay()` sends to."""
    name = f"test-worker-{uuid.uuid4().hex[:12]}"
    previous = ping_task.app.conf.task_default_queue
    ping_task.app.conf.task_default_queue = name
    yield name
    ping_task.app.conf.task_default_queue = previous


@pytest.mark.django_db
def test_a_worker_process_runs_tasks_delayed_here_and_from_manage_py(tmp_path, queue):
    env = subprocess_env(tmp_path / "data")
    with celery_worker(env=env, directory=tmp_path, queue=queue) as worker:
        reply = worker.wait_for(ping_task.delay(), timeout=60)
        assert reply["worker"].startswith(f"test-{queue}@")  # run by the worker started here
        # In its prefork child, with Django configured, on the database DATABASE_URL names.
        assert (reply["vendor"], reply["database"]) == ("postgresql", connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_postmaster_start_time()")
            assert reply["server_started"] == cursor.fetchone()[0].isoformat()

        # A manage.py process gets the app by loading the project, and queues through Redis
        # (to this test's queue: settings have no variable for the default one).
        shell = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c",
             "from tasks.health import ping_task;"
             f"ping_task.app.conf.task_default_queue = {queue!r};"
             "print(ping_task.delay().id)"],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert shell.returncode == 0, shell.stderr
        queued = ping_task.AsyncResult(shell.stdout.split()[-1])
        assert worker.wait_for(queued, timeout=60)["worker"] == reply["worker"]

        # The worker enforces the global time limits (prefork does; solo would not).
        inspect = ping_task.app.control.inspect(destination=[reply["worker"]], timeout=10)
        conf = inspect.conf(with_defaults=True)[reply["worker"]]
        assert (conf["task_soft_time_limit"], conf["task_time_limit"], conf["worker_pool"]) == (
            settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT, "prefork"
        )
        assert worker.stop() == 0  # a clean warm shutdown
    assert STRUCTURED_LINE.search(worker.output()), worker.output()  # logged through LOGGING


def test_without_database_url_worker_and_beat_use_the_embedded_database(tmp_path, queue):
    data_dir = tmp_path / "data"
    pgdata = data_dir / "postgres"
    env = {k: v for k, v in subprocess_env(data_dir).items() if k != "DATABASE_URL"}
    with celery_worker(env=env, directory=tmp_path, queue=queue) as worker:
        reply = worker.wait_for(ping_task.delay(), timeout=120)  # the first start makes the cluster
        assert test_embedded_db.postgres_processes_for(pgdata), worker.output()
        # The query ran on the server under this test's data directory: postmaster.pid's third
        # line is when that server started (whole seconds since the epoch).
        started = int((pgdata / "postmaster.pid").read_text().splitlines()[2])
        assert reply["database"] == DATABASE_NAME
        assert abs(datetime.fromisoformat(reply["server_started"]).timestamp() - started) < 2
        assert worker.stop() == 0
    assert test_embedded_db.postgres_processes_for(pgdata) == []  # stopped when the worker ended

    beat = CeleryProcess(
        "beat", f"--schedule={tmp_path / 'beat-schedule'}",
        env={**env, "CALACCESS_LOG_LEVEL": "INFO"}, directory=tmp_path,
    )
    try:
        beat.wait_for_line("beat: Starting...", timeout=60)
        assert test_embedded_db.postgres_processes_for(pgdata), beat.output()  # the same cluster, started again
        assert beat.stop() == 0, beat.output()
    finally:
        beat.stop()
    assert test_embedded_db.postgres_processes_for(pgdata) == []


def test_a_worker_whose_embedded_database_cannot_start_stops_instead_of_using_another(tmp_path, queue):
    not_a_directory = tmp_path / "data-file"
    not_a_directory.write_text("")
    env = {k: v for k, v in subprocess_env(not_a_directory).items() if k != "DATABASE_URL"}
    with celery_worker(env=env, directory=tmp_path, queue=queue) as worker:
        assert worker.process.wait(timeout=60) != 0
    assert "celery worker: the embedded database did not start" in worker.output()

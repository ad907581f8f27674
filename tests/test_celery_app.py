import json
import os
import subprocess
import sys

from django.conf import settings

from calaccess_archive.celery_app import app
from tests.ingest_helpers import ROOT


def test_celery_reads_django_settings_and_reaches_real_redis():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_acks_late is True and app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options == {"visibility_timeout": settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        client = conn.default_channel.client
        client.set("calaccess-archive-test", "1", ex=5)
        assert client.get("calaccess-archive-test") == b"1"


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    """`code` in a new interpreter with the checkout importable (and DATABASE_URL unset)."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", code], env={**environment, "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, timeout=120,
    )


def test_loading_the_project_makes_its_app_the_one_tasks_and_delay_use(tmp_path):
    # What web and manage.py do: load the project, then queue a shared task.
    run = python(
        "import json, calaccess_archive; from celery import current_app; from tasks.health import ping_task;"
        "print(json.dumps([current_app.main, ping_task.app.main, ping_task.app.conf.broker_url]))",
        CALACCESS_DATA_DIR=str(tmp_path / "data"),
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == ["calaccess_archive", "calaccess_archive", settings.CELERY_BROKER_URL]
    assert settings.CELERY_BROKER_URL.startswith("redis://")  # not Celery's default amqp://localhost
    # Outside `celery worker` and `celery beat` no embedded server starts, DATABASE_URL or not.
    assert not (tmp_path / "data" / "postgres").exists()


def test_global_time_limits_end_a_task_before_redis_redelivers_it():
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    assert (soft, hard) == (settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)
    assert 0 < soft < hard < app.conf.broker_transport_options["visibility_timeout"]


def test_time_limits_that_would_let_a_task_run_twice_stop_the_boot():
    for limits in ({"CELERY_TASK_TIME_LIMIT": "10800"}, {"CELERY_TASK_SOFT_TIME_LIMIT": "7800"}):
        run = python("import django; django.setup()", **limits)
        assert run.returncode != 0 and "ImproperlyConfigured: Celery time limits" in run.stderr, run.stderr


def test_worker_logging_is_left_to_django_logging():
    assert app.conf.worker_hijack_root_logger is False

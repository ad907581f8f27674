"""The beat schedule: one place, registered tasks, a crontab.guru note on each cron line."""

from pathlib import Path

from django.conf import settings

from calaccess_archive import beat_schedule
from calaccess_archive.celery_app import app


def test_settings_and_the_app_use_the_one_schedule():
    assert settings.CELERY_BEAT_SCHEDULE == beat_schedule.beat_schedule(check_minutes=settings.CALACCESS_CHECK_MINUTES)
    assert app.conf.beat_schedule is settings.CELERY_BEAT_SCHEDULE


def test_every_entry_names_a_registered_task():
    app.loader.import_default_modules()  # what a worker and beat do at start (autodiscovery)
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["archive-verify"]["task"] == "tasks.archive.archive_verify_task"
    assert schedule["release-check"]["task"] == "tasks.nightly.nightly_check_task"
    for entry in schedule.values():
        assert entry["task"] in app.tasks


def test_the_release_check_runs_every_configured_minutes():
    schedule = beat_schedule.beat_schedule(check_minutes=10)["release-check"]["schedule"]
    assert sorted(schedule.minute) == [0, 10, 20, 30, 40, 50]
    assert sorted(beat_schedule.beat_schedule()["release-check"]["schedule"].minute) == [0, 30]


def test_each_crontab_line_has_its_crontab_guru_note():
    lines = Path(beat_schedule.__file__).read_text().splitlines()
    cron_lines = [line for line in lines if "crontab(" in line]
    assert cron_lines and all("https://crontab.guru/#" in line for line in cron_lines)

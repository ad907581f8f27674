"""The beat schedule: one place, registered tasks, a crontab.guru note on each cron line."""

from pathlib import Path

from django.conf import settings

from calaccess_archive import beat_schedule
from calaccess_archive.beat_schedule import BEAT_SCHEDULE
from calaccess_archive.celery_app import app


def test_settings_and_the_app_use_the_one_schedule():
    assert settings.CELERY_BEAT_SCHEDULE is BEAT_SCHEDULE
    assert app.conf.beat_schedule == BEAT_SCHEDULE


def test_every_entry_names_a_registered_task():
    app.loader.import_default_modules()  # what a worker and beat do at start (autodiscovery)
    assert BEAT_SCHEDULE["archive-verify"]["task"] == "tasks.archive.archive_verify_task"
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_each_crontab_line_has_its_crontab_guru_note():
    lines = Path(beat_schedule.__file__).read_text().splitlines()
    cron_lines = [line for line in lines if "crontab(" in line]
    assert cron_lines and all("https://crontab.guru/#" in line for line in cron_lines)

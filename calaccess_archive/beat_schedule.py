"""Every periodic task, in one place (CELERY_BEAT_SCHEDULE in settings.py). Times are UTC
(CELERY_TIMEZONE). Run exactly one beat (docker-compose.yml's `beat` service)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Files publish left "uploaded" (archive.org ingests asynchronously) are verified once due.
    "archive-verify": {
        "task": "tasks.archive.archive_verify_task",
        "schedule": crontab(minute="*/15"),  # https://crontab.guru/#*/15_*_*_*_* every 15 minutes
        "options": {"expires": 14 * 60},  # a tick not started before the next one is dropped
    },
}

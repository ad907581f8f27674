"""Every periodic task, in one place (settings.py sets CELERY_BEAT_SCHEDULE from it). Times are UTC
(CELERY_TIMEZONE). Run exactly one beat (docker-compose.yml's `beat` service)."""

from celery.schedules import crontab


def beat_schedule(*, check_minutes: int = 30) -> dict:
    """The schedule, with the release check every `check_minutes` (CALACCESS_CHECK_MINUTES)."""
    return {
        # Is there a new release? Starts (or resumes) its workflow; a check with nothing new records itself.
        "release-check": {
            "task": "tasks.nightly.nightly_check_task",
            "schedule": crontab(minute=f"*/{check_minutes}"),  # https://crontab.guru/#*/30_*_*_*_* every 30 minutes
            "options": {"expires": max(check_minutes - 1, 1) * 60},  # a tick not started before the next is dropped
        },
        # Files publish left "uploaded" (archive.org ingests asynchronously) are verified once due.
        "archive-verify": {
            "task": "tasks.archive.archive_verify_task",
            "schedule": crontab(minute="*/15"),  # https://crontab.guru/#*/15_*_*_*_* every 15 minutes
            "options": {"expires": 14 * 60},  # a tick not started before the next one is dropped
        },
        # Beat's tick for /health/: beat records the time as it sends this (tasks/heartbeat.py).
        "beat-heartbeat": {
            "task": "tasks.heartbeat.beat_heartbeat_task",
            "schedule": crontab(),  # https://crontab.guru/#*_*_*_*_* every minute
            "options": {"expires": 50},  # a worker drops a tick older than 50 s instead of running it late
        },
        # No new export from the state for CALACCESS_STALE_DAYS: tell people once (and once when it is back).
        "staleness-check": {
            "task": "tasks.staleness.staleness_check_task",
            "schedule": crontab(minute=0, hour=15),  # https://crontab.guru/#0_15_*_*_* daily at 15:00 (7 or 8 am in California)
            "options": {"expires": 23 * 60 * 60},  # a tick not started before the next one is dropped
        },
    }

"""Health: a task that shows a worker runs tasks with Django configured and its database reachable."""

from celery import shared_task


@shared_task(bind=True)
def ping_task(self) -> dict[str, str]:
    """The worker that ran this, the database it reached and when that server started (one query, no tables)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), pg_postmaster_start_time()")
        database, server_started = cursor.fetchone()
    return {
        "worker": self.request.hostname,
        "vendor": connection.vendor,
        "database": database,
        "server_started": server_started.isoformat(),
    }

"""Staleness: tell people once when the state has published nothing for CALACCESS_STALE_DAYS."""

from celery import shared_task


@shared_task
def staleness_check_task() -> dict:
    """Report the "stale" problem, or resolve it (beat runs it daily); returns the days and whether it is stale."""
    from processors.pipeline.notify import staleness_check

    return staleness_check()

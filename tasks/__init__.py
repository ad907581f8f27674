"""Celery tasks: thin wrappers that call processors and record results.

The Celery app autodiscovers this package (calaccess_archive/celery_app.py); each task
module is imported here so its tasks are registered.
"""

from . import archive, health, heartbeat, nightly, staleness  # noqa: F401

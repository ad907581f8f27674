"""calaccess-archive: the nightly archiver of California's CAL-ACCESS export."""

# Loaded with the project, so `@shared_task`s bind to this app and `.delay()` from web or
# manage.py reaches the broker in settings (cookiecutter-django's config/__init__.py).
# `celery -A calaccess_archive` finds it here too.
from .celery_app import app as celery_app

__all__ = ("celery_app",)

"""The Celery app, wired to Django the standard way (cookiecutter-django's config/celery_app.py).

calaccess_archive/__init__.py imports `app`, so every process that loads the project (web,
manage.py, pytest, `celery -A calaccess_archive worker|beat`) has it as the current app: the
`@shared_task`s in tasks/ bind to it and `.delay()` publishes to the broker in settings
(CELERY_*), never to Celery's default amqp://localhost. Importing this module only creates
the app: the settings, and with them the configuration, are read on first use.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calaccess_archive.settings")

app = Celery("calaccess_archive")


@app.on_configure.connect
def _embedded_database_for_worker_and_beat(**kwargs) -> None:
    """Without DATABASE_URL, `celery worker` and `celery beat` use the embedded PostgreSQL, as manage.py does.

    manage.py sets DATABASE_URL before Django reads its settings; a Celery program must do
    the same. The last moment is `app.on_configure`, sent just before the app first reads
    its configuration, and with it Django's settings (DATABASES). The `celery` CLI does that
    while parsing the worker's or beat's options, before `worker_init`, `beat_init`,
    `import_modules` or `user_preload_options` are sent: by then DATABASES is fixed, so none
    of those will do. Web, manage.py and pytest run outside any `celery` sub-command (and
    load Django's settings themselves), so this does nothing there; nor with DATABASE_URL set.
    """
    import click

    from calaccess_archive.embedded_db import configure_database_env

    context = click.get_current_context(silent=True)  # the `celery` CLI's, while it runs
    if context is None or context.info_name not in ("worker", "beat"):
        return
    # The result backend's module, imported here in the main thread before the program starts any
    # other: beat once failed in CI with "partially initialized module 'celery.backends.redis' has no
    # attribute 'RedisBackend'", what Python gives when two threads import modules that import each other.
    import celery.backends.redis  # noqa: F401

    try:
        configure_database_env()
    except Exception as error:
        # Celery logs a receiver's exception and goes on: it would run on the default
        # DATABASE_URL. SystemExit is not caught, and stops the program instead.
        raise SystemExit(f"celery {context.info_name}: the embedded database did not start: {error!r}") from error


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tasks"])


@signals.setup_logging.connect
def _logging_from_django_settings(**kwargs) -> None:
    """Worker and beat log through settings.LOGGING like every other process (cookiecutter).

    With a receiver here Celery configures no logging of its own (and ignores --loglevel):
    the level is CALACCESS_LOG_LEVEL's.
    """
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)

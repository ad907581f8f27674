from django.conf import settings

from calaccess_archive.celery_app import app


def test_celery_reads_django_settings_and_reaches_real_redis():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_acks_late is True and app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options == {"visibility_timeout": settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        client = conn.default_channel.client
        client.set("calaccess-archive-test", "1", ex=5)
        assert client.get("calaccess-archive-test") == b"1"

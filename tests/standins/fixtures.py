"""Pytest fixtures for the stand-ins, registered by tests/conftest.py (pytest_plugins)."""

from collections.abc import Iterator

import pytest

from tests.standins.cdn import CdnStandIn
from tests.standins.notify import SmtpStandIn, WebhookStandIn


@pytest.fixture
def cdn() -> Iterator[CdnStandIn]:
    """A running CDN stand-in with nothing published yet (it answers 404 until cdn.publish())."""
    with CdnStandIn() as server:
        yield server


@pytest.fixture
def smtp():
    with SmtpStandIn() as server:
        yield server


@pytest.fixture
def webhook():
    with WebhookStandIn() as server:
        yield server


@pytest.fixture
def channels(settings, smtp, webhook):
    """Mail to ADMINS through the SMTP stand-in (pytest-django's locmem backend replaced by the real one), and the webhook."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.ADMINS = [("Ops", "ops@example.org"), ("", "dev@example.org")]
    settings.SERVER_EMAIL = "archiver@example.org"
    settings.CALACCESS_NOTIFY_WEBHOOK = webhook.url
    settings.CALACCESS_NOTIFY_TIMEOUT = 5
    return smtp, webhook

"""The `archive_org` fixture: a running stand-in, the archive.org storage pointed at it.

The real `internetarchive` client reaches it through a proxy: IA_PROXY (session.proxies)
and HTTP_PROXY (for the library's bare `requests` calls). Backoffs are tiny.
"""

import pytest

from tests.standins.archive_org import ArchiveOrgStandIn


@pytest.fixture
def archive_org(settings, monkeypatch):
    standin = ArchiveOrgStandIn(access="test-access", secret="test-secret").start()
    settings.IA_ACCESS_KEY = standin.access
    settings.IA_SECRET_KEY = standin.secret
    settings.IA_SECURE = False
    settings.IA_PROXY = standin.url
    settings.IA_CONNECT_TIMEOUT = 2.0
    settings.IA_READ_TIMEOUT = 2.0
    settings.IA_RETRIES = 5
    settings.IA_RETRY_BACKOFF = 0.01
    settings.IA_RETRY_BACKOFF_MAX = 0.05
    settings.IA_VERIFY_WAIT = 2.0
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "calaccess_archive.storage.archive_org.ArchiveOrgStorage"},
    }
    for variable in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(variable, standin.url)
    for variable in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(variable, raising=False)
    yield standin
    standin.stop()

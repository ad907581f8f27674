import datetime as dt
import os
import socket

import pytest
import requests

from processors.errors import ExportUnavailable, TransientFetchError
from processors.ingest.release_check import ReleaseInfo, release_head

RELEASED = dt.datetime(2024, 5, 1, 11, 42, 7, tzinfo=dt.UTC)


def test_head_describes_the_current_release(cdn):
    published = cdn.publish(b"PK" + b"x" * 1000, last_modified=RELEASED)

    release = release_head(source=cdn.url, timeout=2)

    assert release == ReleaseInfo(status_code=200, last_modified=RELEASED, content_length=1002, etag=published.etag)
    assert release.last_modified.utcoffset() == dt.timedelta(0)
    assert [(r.method, r.range) for r in cdn.requests] == [("HEAD", None)]


def test_head_follows_a_new_release(cdn):
    cdn.publish(b"old", last_modified=RELEASED)
    first = release_head(source=cdn.url, timeout=2)
    cdn.publish(b"newer", last_modified=RELEASED + dt.timedelta(days=1))

    second = release_head(source=cdn.url, timeout=2)

    assert second.last_modified - first.last_modified == dt.timedelta(days=1)
    assert (second.content_length, first.content_length) == (5, 3)
    assert second.etag != first.etag


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_transient(cdn, status):
    cdn.publish(b"zip", last_modified=RELEASED)
    cdn.fail(status)

    with pytest.raises(TransientFetchError, match=f"HEAD {cdn.url}: HTTP {status}"):
        release_head(source=cdn.url, timeout=2)


def test_4xx_means_unavailable(cdn):
    # Nothing published: the stand-in answers 404.
    with pytest.raises(ExportUnavailable, match=f"HEAD {cdn.url}: HTTP 404"):
        release_head(source=cdn.url, timeout=2)


def test_timeout_is_transient(cdn):
    cdn.publish(b"zip", last_modified=RELEASED)
    cdn.delay(1.0, methods=("HEAD",))

    with pytest.raises(TransientFetchError, match=cdn.url) as caught:
        release_head(source=cdn.url, timeout=0.2)
    assert "\n" not in str(caught.value)


def test_refused_connection_is_transient():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/dbwebexport.zip"

    with pytest.raises(TransientFetchError, match=f"HEAD {url}"):
        release_head(source=url, timeout=1)


def test_missing_last_modified_means_unavailable(monkeypatch):
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Length"] = "10"
    monkeypatch.setattr("processors.ingest.release_check.requests.head", lambda *args, **kwargs: response)

    with pytest.raises(ExportUnavailable, match="no Last-Modified"):
        release_head(source="http://127.0.0.1:1/dbwebexport.zip", timeout=1)


def test_local_path(tmp_path):
    export = tmp_path / "dbwebexport.zip"
    export.write_bytes(b"z" * 321)
    os.utime(export, (RELEASED.timestamp(), RELEASED.timestamp()))

    release = release_head(source=str(export), timeout=1)

    assert release == ReleaseInfo(status_code=200, last_modified=RELEASED, content_length=321, etag="")


def test_file_url(tmp_path):
    export = tmp_path / "an export.zip"  # a space, so the URL is quoted
    export.write_bytes(b"z" * 12)
    os.utime(export, (RELEASED.timestamp(), RELEASED.timestamp()))

    release = release_head(source=export.as_uri(), timeout=1)

    assert (release.last_modified, release.content_length) == (RELEASED, 12)


def test_missing_local_file(tmp_path):
    missing = tmp_path / "dbwebexport.zip"
    with pytest.raises(ExportUnavailable, match=f"{missing}: no such file"):
        release_head(source=str(missing), timeout=1)
    with pytest.raises(ExportUnavailable, match="no such file"):
        release_head(source=missing.as_uri(), timeout=1)


def test_unsupported_scheme():
    with pytest.raises(ExportUnavailable, match="unsupported URL scheme 'ftp'"):
        release_head(source="ftp://example.org/dbwebexport.zip", timeout=1)

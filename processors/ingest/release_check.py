"""Ask the state's CDN (or a local file) which release it currently offers.

`Last-Modified` is the release's identity (the earlier tools used it as the
release datetime) and `Content-Length` its expected size; the download stage
checks what it receives against both, because the CDN has served the previous
day's file under a new HEAD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import requests

from processors.errors import ExportUnavailable, TransientFetchError, one_line

USER_AGENT = "calaccess-archive"


@dataclass(frozen=True)
class ReleaseInfo:
    status_code: int
    last_modified: dt.datetime  # aware, UTC
    content_length: int | None  # None when the server did not say
    etag: str  # "" when the server (or a local file) has none


def release_head(*, source: str, timeout: float) -> ReleaseInfo:
    """Describe the release at `source`: an http(s) URL (HEAD request), a file:// URL or a local path."""
    path = local_source_path(source)
    if path is not None:
        return _local_release(source=source, path=path)
    try:
        response = requests.head(
            source, timeout=timeout, allow_redirects=True, headers={"User-Agent": USER_AGENT}
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientFetchError(f"HEAD {source}: {one_line(exc)}") from exc
    except requests.RequestException as exc:  # invalid URL and the like: retrying cannot help
        raise ExportUnavailable(f"HEAD {source}: {one_line(exc)}") from exc
    if response.status_code >= 500:
        raise TransientFetchError(f"HEAD {source}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise ExportUnavailable(f"HEAD {source}: HTTP {response.status_code}")
    header = response.headers.get("Last-Modified")
    if not header:
        raise ExportUnavailable(f"HEAD {source}: no Last-Modified header, so the release cannot be identified")
    last_modified = parse_http_date(header)
    if last_modified is None:
        raise ExportUnavailable(f"HEAD {source}: unreadable Last-Modified {header!r}")
    return ReleaseInfo(
        status_code=response.status_code,
        last_modified=last_modified,
        content_length=parse_content_length(response.headers.get("Content-Length")),
        etag=response.headers.get("ETag", ""),
    )


def local_source_path(source: str) -> Path | None:
    """The file behind a file:// URL or a plain path; None for an http(s) URL.

    Local sources let the pipeline run on a copy of the export (tests, reruns,
    a file fetched by hand when the CDN misbehaves).
    """
    parts = urlsplit(source)
    if parts.scheme in ("http", "https"):
        return None
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ExportUnavailable(f"{source}: file URLs on another host ({parts.netloc}) are not supported")
        return Path(url2pathname(parts.path))
    if parts.scheme:
        raise ExportUnavailable(f"{source}: unsupported URL scheme {parts.scheme!r}")
    return Path(source)


def parse_http_date(value: str) -> dt.datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000" means UTC without saying so
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def parse_content_length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _local_release(*, source: str, path: Path) -> ReleaseInfo:
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise ExportUnavailable(f"{source}: no such file") from exc
    except OSError as exc:
        raise ExportUnavailable(f"{source}: {exc.strerror or one_line(exc)}") from exc
    if not path.is_file():
        raise ExportUnavailable(f"{source}: not a regular file")
    return ReleaseInfo(
        status_code=200,
        last_modified=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC),
        content_length=stat.st_size,
        etag="",
    )

"""The app's settings, each read from django.conf.settings at the moment of use, with these defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # archive.org keys (https://archive.org/account/s3.php) and how to reach it
    "IA_ACCESS_KEY": "",
    "IA_SECRET_KEY": "",
    "IA_SECURE": True,  # https; False (with IA_PROXY) for a stand-in
    "IA_PROXY": "",  # an HTTP proxy every request goes through (a stand-in is one)
    "IA_CONNECT_TIMEOUT": 30.0,
    "IA_READ_TIMEOUT": 300.0,
    "IA_RETRIES": 8,  # attempts of one request, transient errors only
    "IA_RETRY_BACKOFF": 5.0,  # first delay (seconds), doubled at each retry, with jitter
    "IA_RETRY_BACKOFF_MAX": 600.0,
    "IA_VERIFY_WAIT": 600.0,  # how long an upload run polls the item's file list for its files
    # new items go into this collection ("" leaves the choice to archive.org)
    "ARCHIVE_STORAGE_COLLECTION": "",
    # prepended to identifiers by identifier_prefixed() (e.g. "myorg-")
    "ARCHIVE_STORAGE_PREFIX": "",
    # LocalArchiveStorage: items as folders under this directory (default MEDIA_ROOT/archive), served at this URL
    "ARCHIVE_STORAGE_LOCAL_ROOT": None,
    "ARCHIVE_STORAGE_LOCAL_URL": "/archive/",
}


def setting(name: str) -> Any:
    value = getattr(settings, name, DEFAULTS[name])
    if name == "ARCHIVE_STORAGE_LOCAL_ROOT" and not value:
        return Path(settings.MEDIA_ROOT or ".") / "archive"
    return value

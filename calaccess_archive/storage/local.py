"""The embedded default: the archive app's local storage, with items as folders under CALACCESS_DATA_DIR/archive/."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.deconstruct import deconstructible

from archive_storage.local import LocalArchiveStorage as AppLocalArchiveStorage


@deconstructible(path="calaccess_archive.storage.LocalArchiveStorage")
class LocalArchiveStorage(AppLocalArchiveStorage):
    """Files at CALACCESS_DATA_DIR/archive/<identifier>/<file name>, served by the site under
    CALACCESS_ARCHIVE_LOCAL_URL; both read from settings at each use."""

    @property
    def base_location(self) -> str:
        return str(self._location or Path(settings.CALACCESS_DATA_DIR) / "archive")

    @property
    def base_url(self) -> str:
        url = self._base_url or settings.CALACCESS_ARCHIVE_LOCAL_URL
        return url if url.endswith("/") else url + "/"

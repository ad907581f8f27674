"""Archive items as folders under ARCHIVE_STORAGE_LOCAL_ROOT: a stand-in for archive.org on one machine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from .base import ArchiveStorageMixin, ReadingBody
from .conf import setting
from .digest import digest_stream
from .ia_client import PutResult, RemoteFile
from .identifiers import InvalidArchiveName, identifier_validate, name_split

META_SUFFIX = "_meta.json"  # like archive.org's <identifier>_meta.xml
COPY_CHUNK = 1024 * 1024  # Django's 64 KB chunks copy at a fifth of the speed (Python's cost per chunk)


@deconstructible(path="archive_storage.local.LocalArchiveStorage")
class LocalArchiveStorage(ArchiveStorageMixin, FileSystemStorage):
    """Files at <location>/<identifier>/<file name>, served under ARCHIVE_STORAGE_LOCAL_URL.
    Location (ARCHIVE_STORAGE_LOCAL_ROOT) and URL are read from settings at each use."""

    label = "local"

    def __init__(self, location: str | None = None, base_url: str | None = None, **kwargs):
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(location=location, base_url=base_url, **kwargs)

    @property
    def base_location(self) -> str:
        return str(self._location or setting("ARCHIVE_STORAGE_LOCAL_ROOT"))

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self) -> str:
        url = self._base_url or setting("ARCHIVE_STORAGE_LOCAL_URL")
        return url if url.endswith("/") else url + "/"

    def item_ensure(self, identifier: str, metadata: dict) -> bool:
        path = Path(self.path(f"{identifier_validate(identifier)}/{identifier}{META_SUFFIX}"))
        text = json.dumps(metadata, indent=2, sort_keys=True, default=str)
        if path.exists() and path.read_text() == text:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return True

    def item_files(self, identifier: str) -> dict[str, RemoteFile]:
        root = Path(self.path(identifier_validate(identifier)))
        found = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
            with path.open("rb") as stream:
                digest = digest_stream(stream, sha256=False)  # a listing gives md5 and size, as archive.org's
            name = path.relative_to(root).as_posix()
            found[name] = RemoteFile(name, digest.md5, digest.size)
        return found

    def put(self, name: str, stream: BinaryIO, *, md5: str, size: int,
            on_read: Callable[[int], None] | None = None) -> PutResult:
        name = self.get_available_name(name)
        stream.seek(0)
        body = File(ReadingBody(stream, size, on_read), name=name)
        body.DEFAULT_CHUNK_SIZE = COPY_CHUNK
        FileSystemStorage._save(self, name, body)
        return PutResult("sent", 1)  # verification (item_files) re-reads it and compares md5 and size

    def served_path(self, name: str) -> Path | None:
        """The regular file behind archive name `name`, or None: an invalid name, a folder, a
        missing file, or a path that leaves the storage (`..`, a symlink pointing outside)."""
        try:
            path = Path(self.path(str(name_split(name)))).resolve()
        except (InvalidArchiveName, SuspiciousFileOperation, OSError, RuntimeError):  # RuntimeError: a symlink loop
            return None
        return path if path.is_relative_to(self.location) and path.is_file() else None

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        if not Path(self.path(path or ".")).exists():
            return [], []
        return super().listdir(path)

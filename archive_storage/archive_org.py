"""A Django storage whose files live in archive.org items: a name is `<identifier>/<file name>`."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from . import ia_client
from .base import ArchiveStorageMixin
from .conf import setting
from .identifiers import identifier_validate, name_split


@deconstructible(path="archive_storage.archive_org.ArchiveOrgStorage")
class ArchiveOrgStorage(ArchiveStorageMixin, Storage):
    """Django's Storage contract on archive.org, through the `internetarchive` library.

    Options (STORAGES["archive"]["OPTIONS"]) override the IA_* settings of the same
    meaning: access_key, secret_key, secure, proxy, connect_timeout, read_timeout,
    retries, backoff, backoff_max. Settings are read at each use, never at import.
    """

    label = "archive.org"

    def __init__(self, **options):
        self.options = options
        self._pending_metadata: dict[str, dict] = {}
        self._sessions: dict[ia_client.ArchiveConfig, object] = {}

    # -- connection ---------------------------------------------------------
    @property
    def config(self) -> ia_client.ArchiveConfig:
        return ia_client.ArchiveConfig.from_settings(**self.options)

    def _client(self) -> tuple[object, ia_client.ArchiveConfig]:
        config = self.config
        if config not in self._sessions:
            self._sessions[config] = ia_client.session_open(config)
        return self._sessions[config], config

    def default_metadata(self) -> dict:
        """What every new item needs: archive.org requires mediatype; the collection is ARCHIVE_STORAGE_COLLECTION."""
        collection = setting("ARCHIVE_STORAGE_COLLECTION")
        return {"mediatype": "data", **({"collection": collection} if collection else {})}

    # -- items --------------------------------------------------------------
    def item_ensure(self, identifier: str, metadata: dict) -> bool:
        identifier_validate(identifier)
        session, config = self._client()
        item = ia_client.item_read(session, config, identifier)
        wanted = {**self.default_metadata(), **metadata}
        if not item:
            # meta-* headers of the first PUT create it (they are ignored once it exists)
            self._pending_metadata[identifier] = wanted
            return False
        self._pending_metadata.pop(identifier, None)
        return ia_client.item_metadata_update(session, config, identifier, item, wanted)

    def item_files(self, identifier: str) -> dict[str, ia_client.RemoteFile]:
        session, config = self._client()
        return ia_client.item_files(ia_client.item_read(session, config, identifier_validate(identifier)))

    def item_pending(self, identifier: str) -> bool:
        session, config = self._client()
        return ia_client.item_pending_tasks(session, config, identifier_validate(identifier)) > 0

    # -- files --------------------------------------------------------------
    def put(self, name: str, stream: BinaryIO, *, md5: str, size: int,
            on_read: Callable[[int], None] | None = None) -> ia_client.PutResult:
        parts = name_split(name)
        session, config = self._client()
        metadata = self._pending_metadata.get(parts.identifier) or self.default_metadata()
        return ia_client.file_put(
            session, config, identifier=parts.identifier, file_name=parts.file_name,
            body=stream, md5=md5, size=size, metadata=metadata, on_read=on_read,
        )

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("archive.org files are written with save(), not open()")
        parts = name_split(name)
        session, config = self._client()
        url = ia_client.download_url(session, parts.identifier, parts.file_name)
        response = ia_client.call_with_retries(
            config, f"opening {name}", lambda: session.get(url, stream=True, timeout=config.timeout)
        )
        if response.status_code == 404:
            response.close()
            raise FileNotFoundError(name)
        if response.status_code >= 400:
            response.close()
            raise ia_client.ArchiveError(f"opening {name}: HTTP {response.status_code}")
        response.raw.decode_content = True
        return File(response.raw, name=name)

    def _remote(self, name: str) -> ia_client.RemoteFile | None:
        parts = name_split(name)
        return self.item_files(parts.identifier).get(parts.file_name)

    def exists(self, name: str) -> bool:
        return self._remote(name) is not None

    def size(self, name: str) -> int:
        remote = self._remote(name)
        if remote is None:
            raise FileNotFoundError(name)
        return remote.size

    def delete(self, name: str) -> None:
        parts = name_split(name)
        session, config = self._client()
        ia_client.file_delete(session, config, identifier=parts.identifier, file_name=parts.file_name)

    def url(self, name: str) -> str:
        parts = name_split(name)
        from urllib.parse import quote

        protocol = "https" if self.config.secure else "http"
        return f"{protocol}://archive.org/download/{parts.identifier}/{quote(parts.file_name)}"

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Folders and files of an item (`path` = identifier or identifier/folder)."""
        identifier, _, folder = str(path).strip("/").partition("/")
        if not identifier:
            return [], []  # archive.org cannot list "every item"; search is another API
        prefix = f"{folder}/" if folder else ""
        dirs, files = set(), []
        for file_name in self.item_files(identifier):
            if not file_name.startswith(prefix):
                continue
            head, sep, _ = file_name[len(prefix):].partition("/")
            (dirs.add(head) if sep else files.append(head))
        return sorted(dirs), sorted(files)

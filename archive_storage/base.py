"""What both archive storages share: names, streaming hashes, item operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from .digest import digest_stream

from .identifiers import name_split

if TYPE_CHECKING:
    from .ia_client import PutResult



class ReadingBody:
    """A file handed to an uploader: reports bytes read, and ignores close() (the
    `internetarchive` library closes its body after each attempt; a retry needs it open)."""

    def __init__(self, raw: BinaryIO, size: int, on_read: Callable[[int], None] | None = None):
        self.raw, self.size, self.on_read = raw, size, on_read
        self.name = getattr(raw, "name", "upload")

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        if self.on_read and data:
            self.on_read(len(data))
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def __len__(self) -> int:
        return self.size

    def close(self) -> None:
        pass


class ArchiveStorageMixin:
    """Names are `<identifier>/<file name>`; saving a name again replaces the file
    (as on archive.org), so `get_available_name` returns the name itself, validated."""

    label = ""  # "local" or "archive.org": kept on each ArchivedFile

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        name = str(name_split(name))
        if max_length is not None and len(name) > max_length:
            raise ValueError(f"archive name {name!r} is longer than {max_length} characters")
        return name

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        raise NotImplementedError("archive names are never altered")

    # Item operations every archive storage provides (see local.py and archive_org.py):
    def item_ensure(self, identifier: str, metadata: dict) -> bool:
        """Make the item's metadata `metadata` (now, or with the first upload). True if changed."""
        raise NotImplementedError

    def item_files(self, identifier: str) -> dict:
        """{file name: RemoteFile(name, md5, size)} as the item's file list shows them."""
        raise NotImplementedError

    def item_pending(self, identifier: str) -> bool:
        """Whether the item still has ingest work queued (files may appear later)."""
        return False

    def put(self, name: str, stream: BinaryIO, *, md5: str, size: int,
            on_read: Callable[[int], None] | None = None) -> PutResult:
        """Store `stream` (already hashed) under `name`; outcome "sent", "arrived" or "staged"."""
        raise NotImplementedError

    def _save(self, name: str, content) -> str:
        """Django's contract: hash the content in one streamed pass, then put it."""
        content.seek(0)
        digest = digest_stream(content)
        self.put(name, content, md5=digest.md5, size=digest.size)
        return name

"""Checksums: the one place the project hashes a file or a stream it reads.

md5 is what archive.org lists for every file; sha256 is what we publish and
what SHA256SUMS and the release records carry.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# The archive app's (it hashes what it uploads the same way); the one place a stream is hashed.
from archive_storage.digest import CHUNK, Digest, digest_stream


def digest_file(path: Path, *, md5: bool = True) -> Digest:
    with Path(path).open("rb") as stream:
        return digest_stream(stream, md5=md5)


def sha256_so_far(path: Path):
    """A sha256 object fed with the bytes of `path` (none if it does not exist), to go on updating
    as more bytes are appended (a resumed download)."""
    try:
        with Path(path).open("rb") as stream:
            return hashlib.file_digest(stream, "sha256")
    except FileNotFoundError:
        return hashlib.sha256()


__all__ = ["CHUNK", "Digest", "digest_file", "digest_stream", "sha256_so_far"]

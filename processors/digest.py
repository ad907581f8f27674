"""Checksums: the one place the project hashes a file or a stream it reads.

md5 is what archive.org lists for every file; sha256 is what we publish and
what SHA256SUMS and the release records carry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Digest:
    md5: str  # "" when not asked for
    sha256: str
    size: int


def digest_stream(stream: BinaryIO, *, md5: bool = True) -> Digest:
    """sha256 (and md5) and size of what is left in `stream`, in one pass, a megabyte at a time."""
    md5_hash, sha256, size = hashlib.md5() if md5 else None, hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        if md5_hash is not None:
            md5_hash.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
    return Digest(md5_hash.hexdigest() if md5_hash is not None else "", sha256.hexdigest(), size)


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

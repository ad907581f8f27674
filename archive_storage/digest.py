"""md5 (what archive.org lists for every file), sha256 and size of a stream, in one pass."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Digest:
    md5: str  # "" when not asked for
    sha256: str  # "" when not asked for
    size: int


def digest_stream(stream: BinaryIO, *, md5: bool = True, sha256: bool = True) -> Digest:
    """sha256 and md5 (each unless turned off) and size of what is left in `stream`, in one pass, a megabyte
    at a time."""
    hashes = [h for h, wanted in ((hashlib.md5(), md5), (hashlib.sha256(), sha256)) if wanted]
    size = 0
    while chunk := stream.read(CHUNK):
        for h in hashes:
            h.update(chunk)
        size += len(chunk)
    found = {h.name: h.hexdigest() for h in hashes}
    return Digest(found.get("md5", ""), found.get("sha256", ""), size)

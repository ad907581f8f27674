"""Reading one member of the export zip with ISA-L's inflate instead of zlib's.

The clean stage spends a good part of its CPU in zlib inflating the export's
tables; ISA-L (the `isal` package) inflates the same deflate streams about 3x
faster. `zipfile` cannot be told to use another inflater, so this module finds
the member's data itself and streams it through `isal_zlib`. It checks what
`zipfile` checks (CRC-32 and size against the central directory), so a damaged
export still fails, as `BadExport`.

Only stored and deflated members are handled; anything else (another
compression method, an encrypted member) is opened with `zipfile` as before.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from isal import isal_zlib

from processors.errors import BadExport

INPUT_CHUNK = 256 * 1024  # compressed bytes read from the file at a time
LINE_CHUNK = 64 * 1024  # what readline inflates at a time while looking for b"\n"
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length: 30 bytes
_LOCAL_SIGNATURE = b"PK\x03\x04"


def zip_member_open(zip_path: str | Path, member: str):
    """Open `member` of the zip at `zip_path` for reading, as a context manager.

    The stream has only what the clean stage uses: `read(n)` (n bytes, fewer
    only at the end, b"" after it) and `readline()`. A member that is not as
    the central directory describes it (truncated, corrupt, wrong CRC or size)
    raises BadExport once the damage is read. A missing member raises KeyError,
    as `ZipFile.open` does.
    """
    with zipfile.ZipFile(zip_path) as archive:
        # The open member keeps its own reference to the file, so closing
        # the ZipFile here leaves it readable (zipfile counts them).
        return zip_info_open(archive, archive.getinfo(member))


def zip_info_open(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """`zip_member_open` for a member of a zip already open (its directory read once)."""
    encrypted = info.flag_bits & 0x1
    if encrypted or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return archive.open(info)
    return _MemberReader(Path(archive.filename), info)


class _MemberReader:
    def __init__(self, zip_path: Path, info: zipfile.ZipInfo):
        self.name = info.filename
        self._zip_path = zip_path
        self._info = info
        self._file = open(zip_path, "rb")
        try:
            self._file.seek(info.header_offset)
            header = self._file.read(_LOCAL_HEADER.size)
            if len(header) < _LOCAL_HEADER.size:
                self._fail("truncated local header")
            signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
            if signature != _LOCAL_SIGNATURE:
                self._fail("bad local header")
            # Sizes come from the central directory: the local header holds
            # zeros when a data descriptor follows the data, or zip64 placeholders.
            self._file.seek(name_length + extra_length, 1)
        except BaseException:
            self._file.close()
            raise
        self._compressed_left = info.compress_size
        self._inflater = isal_zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self._input = b""  # compressed bytes read but not yet inflated
        self._pending = b""  # inflated bytes that readline read past the line end
        self._crc = 0
        self._size = 0
        self._done = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = [self._take_pending(len(self._pending))]
            parts.extend(iter(lambda: self._next(INPUT_CHUNK * 4), b""))
            return b"".join(parts)
        parts = [self._take_pending(n)]
        have = len(parts[0])
        while have < n:
            piece = self._next(n - have)
            if not piece:
                break
            parts.append(piece)
            have += len(piece)
        return b"".join(parts)

    def readline(self) -> bytes:
        while True:
            end = self._pending.find(b"\n") + 1
            if end:
                return self._take_pending(end)
            piece = self._next(LINE_CHUNK)
            if not piece:
                return self._take_pending(len(self._pending))
            self._pending += piece

    def _take_pending(self, n: int) -> bytes:
        taken, self._pending = self._pending[:n], self._pending[n:]
        return taken

    def _next(self, n: int) -> bytes:
        """Up to `n` (> 0) new bytes of the member; b"" only at its end, once it has been verified."""
        if self._done:
            return b""
        data = self._inflate(n) if self._inflater is not None else self._read_compressed(n)
        if data:
            self._crc = isal_zlib.crc32(data, self._crc)
            self._size += len(data)
        else:
            self._verify()
        return data

    def _read_compressed(self, n: int) -> bytes:
        want = min(n, self._compressed_left)
        data = self._file.read(want)
        if len(data) < want:
            self._fail("truncated")
        self._compressed_left -= want
        return data

    def _inflate(self, n: int) -> bytes:
        # max_length keeps each call to at most n bytes of output, whatever the
        # compression ratio; the input it did not get to waits in unconsumed_tail.
        while True:
            if not self._input and self._compressed_left:
                self._input = self._read_compressed(INPUT_CHUNK)
            try:
                data = self._inflater.decompress(self._input, n)
            except isal_zlib.error as exc:
                self._fail(f"corrupt compressed data ({exc})")
            self._input = self._inflater.unconsumed_tail
            if data or self._inflater.eof:
                return data
            if not self._input and not self._compressed_left:
                self._fail("truncated compressed data")

    def _verify(self) -> None:
        self._done = True
        if self._size != self._info.file_size:
            self._fail(f"size mismatch ({self._size} bytes, the directory says {self._info.file_size})")
        if self._crc != self._info.CRC:
            self._fail("CRC mismatch")

    def _fail(self, reason: str):
        raise BadExport(f"{self._zip_path}: member {self.name}: {reason}")

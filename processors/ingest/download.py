"""Download one release of the export safely, and check the zip it delivered.

The state's CDN cuts downloads off, answers 5xx, has served the previous day's
file under a new HEAD and changed Last-Modified between the HEAD and the GET.
So the download streams into `<dest>.part`, resumes a cut with `Range`, checks
every response against the release the HEAD announced, and only renames the
part to `dest` once its size and identity are verified: a file at `dest` is
always a complete release.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from processors.digest import digest_file, sha256_so_far
from processors.errors import BadExport, ExportUnavailable, ReleaseChanged, TransientFetchError, one_line
from processors.ingest.zip_member import zip_info_open
from processors.ingest.release_check import (
    USER_AGENT,
    ReleaseInfo,
    local_source_path,
    parse_content_length,
    parse_http_date,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
# A retry never waits longer than this, however many have failed before it.
MAX_BACKOFF = 300.0

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class DownloadResult:
    size: int
    sha256: str


def export_download(
    *,
    source: str,
    dest: Path,
    release: ReleaseInfo,
    timeout: float,
    retries: int,
    backoff: float,
    last_modified_tolerance: int = 300,
    on_progress: ProgressCallback | None = None,
) -> DownloadResult:
    """Fetch `release` from `source` (http(s) URL, file:// URL or local path) to `dest`.

    `retries` counts consecutive failed attempts: an attempt that cut off after
    adding bytes to the part resets the count, so a flaky CDN that keeps cutting
    a large file still gets it done, while one that delivers nothing gives up.
    Raises TransientFetchError once retries are exhausted (the part is kept for
    the next run), ReleaseChanged when the server delivers a different release
    (the part is deleted), ExportUnavailable for a 4xx or a missing file.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _Part(dest.with_name(dest.name + ".part"))
    if release.content_length is not None and dest.is_file() and dest.stat().st_size == release.content_length:
        # An earlier run crashed after the rename: the verified file is already here.
        part.discard()
        return DownloadResult(size=release.content_length, sha256=digest_file(dest, md5=False).sha256)

    path = local_source_path(source)
    if path is not None:
        _local_copy(source=source, path=path, part=part, release=release,
                    tolerance=last_modified_tolerance, on_progress=on_progress)
    else:
        _http_fetch(source=source, part=part, release=release, timeout=timeout, retries=retries,
                    backoff=backoff, tolerance=last_modified_tolerance, on_progress=on_progress)
    return part.promote(dest)


def zip_verify(path: Path) -> list[str]:
    """Read every member through (chunk by chunk, so a several-GB table never sits in memory),
    checking its CRC and size; return the member names."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BadExport(f"{path}: {_why_not_a_zip(path)}") from exc
    except (OSError, EOFError) as exc:
        raise BadExport(f"{path}: cannot be read ({one_line(exc)})") from exc
    with archive:
        infos = archive.infolist()
        if not infos:
            raise BadExport(f"{path}: empty zip")
        for info in infos:
            if not info.is_dir():
                _member_verify(path, archive, info)
    return [info.filename for info in infos]


class _Retry(Exception):
    """One attempt failed in a way another attempt may fix."""


class _Part:
    """The `.part` file and the sha256 of the bytes it holds so far.

    The hash is carried from one attempt to the next; it is recomputed from the
    file (streaming) only when the two disagree, e.g. for a part left by a crash.
    """

    def __init__(self, path: Path):
        self.path = path
        self._hasher = hashlib.sha256()
        self._hashed = 0

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self._hasher, self._hashed = hashlib.sha256(), 0

    def append(self, chunks, *, on_progress: ProgressCallback | None, total: int | None) -> int:
        """Append `chunks` to the part, hashing as they are written; return the bytes added."""
        size = self.size()
        if self._hashed != size:
            self._hasher, self._hashed = sha256_so_far(self.path), size
        added = 0
        with open(self.path, "ab") as out:
            for chunk in chunks:
                out.write(chunk)
                self._hasher.update(chunk)
                self._hashed += len(chunk)
                added += len(chunk)
                if on_progress is not None:
                    on_progress(self._hashed, total)
        return added

    def promote(self, dest: Path) -> DownloadResult:
        """Make the verified part the release file, atomically and durably."""
        size = self.size()
        if self._hashed != size:
            self._hasher, self._hashed = sha256_so_far(self.path), size
        with open(self.path, "rb+") as f:
            os.fsync(f.fileno())  # the rename must not reach the disk before the data
        os.replace(self.path, dest)
        directory = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return DownloadResult(size=size, sha256=self._hasher.hexdigest())


def _http_fetch(*, source: str, part: _Part, release: ReleaseInfo, timeout: float, retries: int,
                backoff: float, tolerance: int, on_progress: ProgressCallback | None) -> None:
    # The ETag of the response whose bytes are in the part; a crash loses it, so
    # a part found on disk is assumed to come from the release the HEAD described.
    state = {"etag": release.etag}
    failures = 0
    # Progress is measured against the most the part has ever held, so a server
    # that keeps sending the same first bytes (and making us start over) still
    # runs out of retries.
    furthest = part.size()
    with requests.Session() as session:
        # identity: byte ranges and Content-Length must count the file's own bytes.
        session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        while True:
            try:
                _http_attempt(session, source=source, part=part, release=release, state=state,
                              timeout=timeout, tolerance=tolerance, on_progress=on_progress)
                return
            except _Retry as exc:
                if part.size() > furthest:
                    furthest, failures = part.size(), 0
                else:
                    failures += 1
                if failures > retries:
                    raise TransientFetchError(
                        f"GET {source}: gave up after {failures} failed attempts in a row: {exc}"
                    ) from exc
                logger.warning("GET %s: %s; resuming at byte %d", source, exc, part.size())
                if failures:
                    time.sleep(_backoff_delay(backoff, failures))


def _http_attempt(session: requests.Session, *, source: str, part: _Part, release: ReleaseInfo,
                  state: dict, timeout: float, tolerance: int, on_progress: ProgressCallback | None) -> None:
    expected = release.content_length
    offset = part.size()
    if expected is not None and offset >= expected:
        # A full-size part cannot be checked against the server without a body to read.
        part.discard()
        offset = 0
    headers = {}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if state["etag"] and not state["etag"].startswith("W/"):
            headers["If-Range"] = state["etag"]  # a changed file comes back whole (200), not spliced
    try:
        with session.get(source, headers=headers, stream=True, timeout=timeout) as response:
            _status_check(source, response, expected, part)
            _last_modified_check(source, response, release, part, tolerance)
            etag = response.headers.get("ETag", "")
            length = parse_content_length(response.headers.get("Content-Length"))
            if response.status_code == 206:
                _range_check(source, response, offset, expected, part)
                if etag and state["etag"] and _etag_key(etag) != _etag_key(state["etag"]):
                    part.discard()
                    raise _Retry(f"ETag changed from {state['etag']} to {etag} on a resumed range; starting over")
            else:  # 200: the whole file, whether we asked for a range or not
                if expected is not None and length is not None and length != expected:
                    part.discard()
                    raise ReleaseChanged(
                        f"GET {source}: serves {length} bytes but the HEAD announced {expected} "
                        "(the previous release under a new HEAD?)"
                    )
                part.discard()
                state["etag"] = etag
            received = part.append(response.iter_content(CHUNK_SIZE), on_progress=on_progress, total=expected)
            if length is not None and received < length:
                raise _Retry(f"connection cut after {received} of {length} bytes")
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
        raise _Retry(one_line(exc)) from exc
    size = part.size()
    if expected is not None and size > expected:
        part.discard()
        raise ReleaseChanged(f"GET {source}: delivered {size} bytes but the HEAD announced {expected}")
    if expected is not None and size < expected:
        # A body without Content-Length ended early: a cut looks the same as a
        # smaller file, and the resumed range's Content-Range tells them apart.
        raise _Retry(f"body ended at byte {size} of {expected}")


def _status_check(source: str, response: requests.Response, expected: int | None, part: _Part) -> None:
    code = response.status_code
    if code in (200, 206):
        return
    if code >= 500 or code in (408, 429):
        raise _Retry(f"HTTP {code}")
    if code == 416:
        # "bytes */N": the part already holds all N bytes the server has. A file
        # of another size than the HEAD's is another release; else start over.
        part.discard()
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        if expected is not None and total.isdigit() and int(total) != expected:
            raise ReleaseChanged(
                f"GET {source}: serves {total} bytes but the HEAD announced {expected} "
                "(the previous release under a new HEAD?)"
            )
        raise _Retry("HTTP 416 for the resumed range; starting over")
    raise ExportUnavailable(f"GET {source}: HTTP {code}")


def _last_modified_check(source: str, response: requests.Response, release: ReleaseInfo,
                         part: _Part, tolerance: int) -> None:
    header = response.headers.get("Last-Modified")
    served = parse_http_date(header) if header else None
    if served is None:
        return  # nothing to compare; the size check still applies
    drift = abs((served - release.last_modified).total_seconds())
    if drift > tolerance:
        part.discard()
        raise ReleaseChanged(
            f"GET {source}: Last-Modified {served:%Y-%m-%d %H:%M:%S} differs from the HEAD's "
            f"{release.last_modified:%Y-%m-%d %H:%M:%S} by {drift:.0f}s (tolerance {tolerance}s)"
        )


def _range_check(source: str, response: requests.Response, offset: int, expected: int | None,
                 part: _Part) -> None:
    content_range = response.headers.get("Content-Range", "")
    unit, _, spec = content_range.partition(" ")
    span, _, total = spec.partition("/")
    start_text = span.split("-")[0]
    if unit != "bytes" or not start_text.isdigit():
        part.discard()
        raise _Retry(f"unreadable Content-Range {content_range!r}; starting over")
    start = int(start_text)
    if start != offset:
        part.discard()
        raise _Retry(f"asked to resume at byte {offset}, server resumed at {start}; starting over")
    if expected is not None and total.isdigit() and int(total) != expected:
        part.discard()
        raise ReleaseChanged(
            f"GET {source}: serves {total} bytes but the HEAD announced {expected} "
            "(the previous release under a new HEAD?)"
        )


def _local_copy(*, source: str, path: Path, part: _Part, release: ReleaseInfo, tolerance: int,
                on_progress: ProgressCallback | None) -> None:
    try:
        with open(path, "rb") as src:
            _local_identity_check(source, os.fstat(src.fileno()), release, part, tolerance)
            offset = part.size()
            if offset > os.fstat(src.fileno()).st_size:
                part.discard()
                offset = 0
            src.seek(offset)
            part.append(iter(lambda: src.read(CHUNK_SIZE), b""), on_progress=on_progress,
                        total=release.content_length)
        # Replaced or rewritten while we copied: the part mixes two files.
        _local_identity_check(source, path.stat(), release, part, tolerance)
    except FileNotFoundError as exc:
        raise ExportUnavailable(f"{source}: no such file") from exc
    if release.content_length is not None and part.size() != release.content_length:
        part.discard()
        raise ReleaseChanged(f"{source}: copied a different number of bytes than the release holds")


def _local_identity_check(source: str, stat: os.stat_result, release: ReleaseInfo, part: _Part,
                          tolerance: int) -> None:
    drift = abs(stat.st_mtime - release.last_modified.timestamp())
    if drift > tolerance:
        part.discard()
        raise ReleaseChanged(f"{source}: modified {drift:.0f}s away from the release checked (tolerance {tolerance}s)")
    if release.content_length is not None and stat.st_size != release.content_length:
        part.discard()
        raise ReleaseChanged(f"{source}: holds {stat.st_size} bytes, the release checked had {release.content_length}")


def _member_verify(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    try:
        # The clean stage's reader: the same checks as zipfile's, with a faster inflate.
        with zip_info_open(archive, info) as member:
            while member.read(CHUNK_SIZE):
                pass
    except zipfile.BadZipFile as exc:
        reason = "CRC mismatch" if "CRC" in str(exc) else one_line(exc)
        raise BadExport(f"{path}: member {info.filename}: {reason}") from exc
    except EOFError as exc:
        raise BadExport(f"{path}: member {info.filename}: truncated") from exc
    except zlib.error as exc:
        raise BadExport(f"{path}: member {info.filename}: corrupt compressed data ({exc})") from exc
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise BadExport(f"{path}: member {info.filename}: cannot be read ({one_line(exc)})") from exc


def _why_not_a_zip(path: Path) -> str:
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"PK\x03\x04":
        # Starts like a zip but its central directory (written last) is missing.
        return "truncated (no central directory)"
    return "not a zip file"


def _etag_key(etag: str) -> str:
    return etag.removeprefix("W/")


def _backoff_delay(backoff: float, failures: int) -> float:
    """Exponential backoff with jitter, so parallel workers do not retry in step."""
    delay = min(backoff * 2 ** (failures - 1), MAX_BACKOFF)
    return delay / 2 + random.uniform(0, delay / 2)

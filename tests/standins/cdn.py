"""A stand-in for the state's CDN: serves one export at /dbwebexport.zip on loopback.

It answers HEAD and GET like the real CDN (Last-Modified, ETag, Content-Length,
Accept-Ranges, `Range: bytes=N-` -> 206 with Content-Range, If-Range) and can
misbehave on demand the ways the real one has: cut a download off, serve the
previous file under a new HEAD, change Last-Modified between HEAD and GET,
answer 5xx, be slow. Every fault applies to the next `times` matching requests,
or to all of them with `times=PERSISTENT`, until `clear_faults()`.

    cdn.publish(zip_bytes, last_modified=dt.datetime(2024, 5, 1, 11, 30, tzinfo=dt.UTC))
    cdn.cut_after(100_000)                  # next GET stops after 100 kB of body
    cdn.fail(503, times=2)                  # next two requests (HEAD or GET) get 503
    cdn.requests_of("GET")[1].range         # "bytes=100000-"
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import threading
from dataclasses import dataclass, field, replace
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

EXPORT_PATH = "/dbwebexport.zip"
PERSISTENT = None  # `times=PERSISTENT`: the fault stays until clear_faults()
_BODY_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Release:
    """One published file: bytes in memory or a file on disk."""

    content: bytes | Path
    size: int
    last_modified: dt.datetime
    etag: str

    def read(self, start: int, end: int):
        """Yield bytes start..end (inclusive) in chunks."""
        if isinstance(self.content, bytes):
            for offset in range(start, end + 1, _BODY_CHUNK):
                yield self.content[offset : min(offset + _BODY_CHUNK, end + 1)]
            return
        with open(self.content, "rb") as f:
            f.seek(start)
            left = end + 1 - start
            while left > 0 and (chunk := f.read(min(_BODY_CHUNK, left))):
                left -= len(chunk)
                yield chunk


@dataclass
class RecordedRequest:
    method: str
    path: str
    range: str | None  # the Range header as sent
    if_range: str | None
    status: int | None = None  # what the stand-in answered; None while it is still deciding (a delay)


@dataclass
class _Fault:
    kind: str
    methods: tuple[str, ...]
    times: int | None  # None: persistent
    options: dict = field(default_factory=dict)


class CdnStandIn:
    """A threaded HTTP server on 127.0.0.1 (a free port) playing the state's CDN."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._releases: list[Release] = []
        self._faults: list[_Fault] = []
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Real CDNs honour If-Range; set False to play one that ignores it and
        # answers 206 from whatever file it now holds.
        self.honor_if_range = True

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> CdnStandIn:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.cdn = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay or a throttle
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> CdnStandIn:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{EXPORT_PATH}"

    # --- content ---------------------------------------------------------------

    def publish(
        self, content: bytes | Path | str, *, last_modified: dt.datetime | None = None, etag: str | None = None
    ) -> Release:
        """Make `content` the current release (the previous one stays for serve_previous)."""
        if isinstance(content, bytes):
            size, digest = len(content), hashlib.sha256(content).hexdigest()
        else:
            content = Path(content)
            size, digest = content.stat().st_size, _file_sha256(content)
        if last_modified is None:
            last_modified = dt.datetime.now(dt.UTC)
        if last_modified.tzinfo is None:
            last_modified = last_modified.replace(tzinfo=dt.UTC)
        # HTTP dates carry whole seconds; keep ours equal to what a client will parse.
        last_modified = last_modified.astimezone(dt.UTC).replace(microsecond=0)
        if etag is None:
            etag = f'"{int(last_modified.timestamp()):x}-{size:x}-{digest[:12]}"'
        release = Release(content=content, size=size, last_modified=last_modified, etag=etag)
        with self._lock:
            self._releases.append(release)
        return release

    @property
    def current(self) -> Release | None:
        with self._lock:
            return self._releases[-1] if self._releases else None

    @property
    def previous(self) -> Release | None:
        with self._lock:
            return self._releases[-2] if len(self._releases) > 1 else None

    # --- faults ----------------------------------------------------------------

    def fail(self, status: int = 503, *, times: int | None = 1, methods=("HEAD", "GET")) -> None:
        """Answer `status` (500, 503...) with no file."""
        self._add("fail", methods, times, status=status)

    def cut_after(self, nbytes: int, *, times: int | None = 1) -> None:
        """Send the full headers, then close the connection after `nbytes` of body."""
        self._add("cut", ("GET",), times, nbytes=nbytes)

    def serve_previous(self, *, times: int | None = PERSISTENT, claim_current_last_modified: bool = False) -> None:
        """The old file under a new HEAD: HEAD announces the current release, GET sends the previous one.

        The GET's headers describe the previous file (size, ETag, Last-Modified),
        unless `claim_current_last_modified`, when it carries the current
        release's Last-Modified and only the size gives it away.
        """
        self._add("previous", ("GET",), times, claim_current=claim_current_last_modified)

    def shift_last_modified(self, delta: dt.timedelta, *, times: int | None = PERSISTENT) -> None:
        """GET answers Last-Modified = the release's + delta (HEAD stays right), same bytes."""
        self._add("shift", ("GET",), times, delta=delta)

    def delay(self, seconds: float, *, before: str = "headers", times: int | None = 1, methods=("GET",)) -> None:
        """Wait `seconds` before sending the headers, or (before="body") between headers and body."""
        if before not in ("headers", "body"):
            raise ValueError("before must be 'headers' or 'body'")
        self._add("delay", methods, times, seconds=seconds, before=before)

    def throttle(self, bytes_per_second: int, *, times: int | None = PERSISTENT) -> None:
        """Send the body no faster than `bytes_per_second`."""
        self._add("throttle", ("GET",), times, rate=bytes_per_second)

    def ignore_range(self, *, times: int | None = 1) -> None:
        """Answer a Range request with 200 and the whole file, as some servers do."""
        self._add("ignore_range", ("GET",), times)

    def omit_content_length(self, *, times: int | None = 1) -> None:
        """Send the body without Content-Length, ended by closing the connection."""
        self._add("no_length", ("GET",), times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- what happened ---------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (copies: later answers do not change them)."""
        with self._lock:
            return [replace(r) for r in self._requests]

    def requests_of(self, method: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method]

    # --- serving ---------------------------------------------------------------

    def _add(self, kind: str, methods, times: int | None, **options) -> None:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or PERSISTENT")
        with self._lock:
            self._faults.append(_Fault(kind, tuple(methods), times, options))

    def _take_faults(self, method: str) -> dict[str, dict]:
        """The faults this request gets (one per kind, oldest first), counting it against them.

        A failure answer replaces the whole response, so it alone is counted then:
        a cut queued behind a 503 still hits the next GET that gets a body.
        """
        with self._lock:
            matching: dict[str, _Fault] = {}
            for fault in self._faults:
                if method in fault.methods and fault.kind not in matching:
                    matching[fault.kind] = fault
            if "fail" in matching:
                matching = {kind: f for kind, f in matching.items() if kind in ("fail", "delay")}
            for fault in matching.values():
                if fault.times is not None:
                    fault.times -= 1
            self._faults = [f for f in self._faults if f.times is None or f.times > 0]
            return {kind: fault.options for kind, fault in matching.items()}

    def _record(self, handler: BaseHTTPRequestHandler, status: int) -> None:
        with self._lock:
            handler.recorded.status = status

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        # Recorded on arrival, so a request the client gave up on (timeout) still counts.
        handler.recorded = RecordedRequest(
            method=method, path=handler.path, range=handler.headers.get("Range"),
            if_range=handler.headers.get("If-Range"),
        )
        with self._lock:
            self._requests.append(handler.recorded)
        faults = self._take_faults(method)
        delay = faults.get("delay")
        if delay and delay["before"] == "headers":
            self._stopping.wait(delay["seconds"])
        current, previous = self.current, self.previous
        if handler.path.split("?")[0] != EXPORT_PATH or current is None:
            return self._answer_error(handler, 404)
        if "fail" in faults:
            return self._answer_error(handler, faults["fail"]["status"])

        release, last_modified = current, current.last_modified
        if "previous" in faults and previous is not None:
            release = previous
            if not faults["previous"]["claim_current"]:
                last_modified = previous.last_modified
        if "shift" in faults:
            last_modified = last_modified + faults["shift"]["delta"]

        status, start, end = 200, 0, release.size - 1
        range_header = handler.headers.get("Range")
        if range_header and "ignore_range" not in faults and self._if_range_holds(handler, release, last_modified):
            span = _parse_range(range_header, release.size)
            if span is None:
                self._record(handler, 416)
                handler.send_response(416)
                handler.send_header("Content-Range", f"bytes */{release.size}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            status, (start, end) = 206, span

        self._record(handler, status)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/zip")
        handler.send_header("Last-Modified", format_datetime(last_modified, usegmt=True))
        handler.send_header("ETag", release.etag)
        handler.send_header("Accept-Ranges", "bytes")
        if status == 206:
            handler.send_header("Content-Range", f"bytes {start}-{end}/{release.size}")
        if "no_length" in faults and method == "GET":
            handler.send_header("Connection", "close")
            handler.close_connection = True
        else:
            handler.send_header("Content-Length", str(end + 1 - start))
        handler.end_headers()
        if method == "HEAD":
            return
        handler.wfile.flush()
        if delay and delay["before"] == "body":
            self._stopping.wait(delay["seconds"])
        self._send_body(handler, release, start, end, faults)

    def _if_range_holds(self, handler, release: Release, last_modified: dt.datetime) -> bool:
        """False when If-Range names another version: the client then gets the whole file."""
        if_range = handler.headers.get("If-Range")
        if not if_range or not self.honor_if_range:
            return True
        if if_range.startswith('"') or if_range.startswith("W/"):
            return if_range == release.etag
        return if_range == format_datetime(last_modified, usegmt=True)

    def _send_body(self, handler, release: Release, start: int, end: int, faults: dict) -> None:
        budget = faults["cut"]["nbytes"] if "cut" in faults else None
        rate = faults["throttle"]["rate"] if "throttle" in faults else None
        try:
            for chunk in release.read(start, end):
                if budget is not None:
                    chunk = chunk[:budget]
                    budget -= len(chunk)
                if rate:
                    self._send_throttled(handler, chunk, rate)
                else:
                    handler.wfile.write(chunk)
                if budget == 0:
                    break
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
            return
        if budget is not None:
            # Cut: the client was promised more bytes than it will get.
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _send_throttled(self, handler, chunk: bytes, rate: int) -> None:
        step = max(1, rate // 20)  # twenty writes a second keeps the pace even
        for offset in range(0, len(chunk), step):
            if self._stopping.is_set():
                raise BrokenPipeError("stand-in stopping")
            handler.wfile.write(chunk[offset : offset + step])
            handler.wfile.flush()
            self._stopping.wait(step / rate)

    def _answer_error(self, handler, status: int) -> None:
        body = f"{status} from the CDN stand-in\n".encode()
        self._record(handler, status)
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    cdn: CdnStandIn

    def handle_error(self, request, client_address) -> None:
        pass  # clients hang up on purpose in these tests (timeouts, cuts); no tracebacks on stderr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and Content-Length framing, like the real CDN
    server: _Server

    def do_HEAD(self) -> None:
        self.server.cdn._serve(self)

    def do_GET(self) -> None:
        self.server.cdn._serve(self)

    def log_message(self, format, *args) -> None:
        pass


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end) for `bytes=N-` or `bytes=N-M`; None when it cannot be satisfied."""
    unit, _, spec = header.partition("=")
    first, _, last = spec.partition("-")
    if unit.strip() != "bytes" or not first.strip().isdigit():
        return None
    start = int(first)
    end = min(int(last), size - 1) if last.strip().isdigit() else size - 1
    if start >= size or end < start:
        return None
    return start, end


def _file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            hasher.update(chunk)
    return hasher.hexdigest()

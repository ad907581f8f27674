"""A local stand-in for archive.org, reached as an HTTP proxy by the real `internetarchive` client.

Requests arrive in absolute form (`PUT http://s3.us.archive.org/id/file HTTP/1.1`) and are
routed on the host: s3.us.archive.org (S3 PUT/DELETE, check_limit) or archive.org (metadata
read and write, tasks summary, downloads). Faults on demand, see `Faults`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import jsonpatch

_META_HEADER = re.compile(r"x-archive-meta(\d\d)?-(.+)", re.IGNORECASE)
CHUNK = 1024 * 1024


@dataclass
class Faults:
    """Counts are "for the next N PUTs"; times in seconds."""

    slowdown: int = 0  # 503 SlowDown
    server_error: int = 0  # 500
    spam: bool = False  # every PUT: 503 "appears to be spam"
    over_limit: int = 0  # check_limit answers over_limit=1 this many times (and PUTs get 503 meanwhile)
    store_then_timeout: int = 0  # store the file, then answer only after `stall` seconds
    stall: float = 2.0
    drop_mid_body: int = 0  # read half the body, then cut the connection
    corrupt_body: int = 0  # flip a byte on receipt: Content-MD5 check answers 400 BadDigest
    corrupt_md5: int = 0  # store fine, but the file list shows a wrong md5
    ingest_delay: float = 0.0  # a stored file shows in /metadata only after this long
    metadata_write_fails: bool = False  # POST /metadata answers success: false
    foreign_items: set[str] = field(default_factory=set)  # items of another account: PUTs answer 403 AccessDenied


@dataclass
class StoredFile:
    name: str
    md5: str
    size: int
    path: Path | None
    visible_at: float
    mtime: int = field(default_factory=lambda: int(time.time()))


@dataclass
class StoredItem:
    metadata: dict
    files: dict[str, StoredFile] = field(default_factory=dict)
    created: int = field(default_factory=lambda: int(time.time()))


class ArchiveOrgStandIn:
    def __init__(self, *, access: str = "test-access", secret: str = "test-secret", keep_bodies: bool = True):
        self.access, self.secret, self.keep_bodies = access, secret, keep_bodies
        self.faults = Faults()
        self.items: dict[str, StoredItem] = {}
        self.stored: dict[str, int] = {}  # "<id>/<name>" -> times a PUT stored it
        self.requests: list[tuple[str, str, str]] = []  # (method, host, path)
        self.metadata_writes: list[tuple[str, list]] = []
        self.put_headers: list[dict[str, str]] = []  # headers of every PUT, in order
        self.lock = threading.Lock()
        self._dir = Path(tempfile.mkdtemp(prefix="archive-org-standin-"))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ArchiveOrgStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self._dir, ignore_errors=True)

    # -- state ------------------------------------------------------------------
    def take(self, fault: str) -> bool:
        """Use up one of a counted fault."""
        with self.lock:
            left = getattr(self.faults, fault)
            if left > 0:
                setattr(self.faults, fault, left - 1)
                return True
        return False

    def visible_files(self, identifier: str) -> list[StoredFile]:
        item = self.items.get(identifier)
        now = time.time()
        return [f for f in item.files.values() if f.visible_at <= now] if item else []

    def pending(self, identifier: str) -> int:
        item = self.items.get(identifier)
        now = time.time()
        return sum(f.visible_at > now for f in item.files.values()) if item else 0

    def item_json(self, identifier: str) -> dict:
        item = self.items.get(identifier)
        if item is None:
            return {}
        files = [
            {"name": f.name, "source": "original", "format": "Data", "mtime": str(f.mtime), "size": str(f.size),
             "md5": f.md5, "crc32": "00000000", "sha1": ""}
            for f in self.visible_files(identifier)
        ]
        return {"created": item.created, "files": files, "files_count": len(files), "metadata": item.metadata,
                "item_size": sum(int(f["size"]) for f in files), "server": "standin", "dir": f"/standin/{identifier}"}

    def put_count(self, name: str) -> int:
        return sum(1 for m, h, p in self.requests if m == "PUT" and unquote(p).lstrip("/") == name)

    def item_add(self, identifier: str, files: dict[str, bytes | Path], *, metadata: dict | None = None,
                 mtime: int | None = None) -> StoredItem:
        """An item that is already there (an earlier archiver's): `files` {name: bytes or a file to copy},
        visible at once, each with `mtime` (default now) as its upload time and Last-Modified."""
        with self.lock:
            item = self.items.setdefault(identifier, StoredItem(metadata={"identifier": identifier, **(metadata or {})}))
            for name, content in files.items():
                path = self._dir / f"{time.time_ns()}-seeded"
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    shutil.copyfile(content, path)
                data = path.read_bytes()
                item.files[name] = StoredFile(name, hashlib.md5(data).hexdigest(), len(data), path, 0.0,
                                              mtime=int(time.time()) if mtime is None else mtime)
        return item

    def downloads(self, identifier: str, name: str, method: str = "GET") -> int:
        """Requests for `GET (or HEAD) /download/<identifier>/<name>` so far."""
        path = f"/download/{identifier}/{name}"
        return sum(1 for m, h, p in self.requests if m == method and unquote(p) == path)


def _handler_for(standin: ArchiveOrgStandIn):
    class Handler(_Handler):
        pass

    Handler.standin = standin
    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin: ArchiveOrgStandIn

    def log_message(self, format, *args) -> None:  # quiet
        pass

    # -- plumbing -----------------------------------------------------------------
    def _route(self) -> None:
        parts = urlsplit(self.path)
        host = (parts.hostname or self.headers.get("Host", "")).split(":")[0]
        self.url_path, self.query = parts.path, parse_qs(parts.query)
        with self.standin.lock:
            self.standin.requests.append((self.command, host, self.url_path))
        handler = getattr(self, f"_{'s3' if host.startswith('s3.') else 'www'}_{self.command.lower()}", None)
        if handler is None:
            self._send(405, {"error": f"{self.command} not handled by the stand-in"})
        else:
            handler()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _route

    def _send(self, status: int, body: dict | bytes | str, content_type: str = "application/json") -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    def _s3_error(self, status: int, code: str, message: str, *, drain: bool = True) -> None:
        body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>" \
               f"<Resource>{self.url_path}</Resource></Error>"
        if drain:
            self._drain()
        self._send(status, body, "application/xml")

    def _drain(self) -> None:
        """Read an unread request body so the client sees the answer, not a reset."""
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)

    def _authorized(self) -> bool:
        return self.headers.get("Authorization") == f"LOW {self.standin.access}:{self.standin.secret}"

    def _keys_refused(self) -> None:
        """The 403 S3 answers for keys it refuses: none sent, an unknown access key, a wrong secret."""
        header = self.headers.get("Authorization") or ""
        access = header.removeprefix("LOW ").partition(":")[0] if header.startswith("LOW ") else ""
        if not access:
            return self._s3_error(403, "AccessDenied", "Anonymous access is not allowed: send your S3 keys")
        if access != self.standin.access:
            return self._s3_error(403, "InvalidAccessKeyId",
                                  "The AWS Access Key Id you provided does not exist in our records.")
        return self._s3_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match "
                                                            "the signature you provided. Check your key.")

    def _id_and_name(self) -> tuple[str, str]:
        identifier, _, name = unquote(self.url_path).lstrip("/").partition("/")
        return identifier, name

    # -- s3.us.archive.org ----------------------------------------------------------
    def _s3_get(self) -> None:
        if "check_limit" in self.query:
            over = 1 if self.standin.take("over_limit") else 0
            self._send(200, {"bucket": self.query.get("bucket", [""])[0], "accesskey": self.query.get("accesskey", [""])[0],
                             "over_limit": over, "detail": {"limit_reason": "standin" if over else ""}})
        else:
            self._send(404, {"error": "not found"})

    def _s3_put(self) -> None:
        s = self.standin
        identifier, name = self._id_and_name()
        with s.lock:
            s.put_headers.append({k.lower(): v for k, v in self.headers.items()})
        if not self._authorized():
            return self._keys_refused()
        if identifier in s.faults.foreign_items:
            return self._s3_error(403, "AccessDenied", "Access Denied - You lack sufficient privileges to write "
                                                       "to this item.")
        if s.faults.spam:
            return self._s3_error(503, "SlowDown", "Your upload of this item appears to be spam.")
        if s.faults.over_limit > 0 or s.take("slowdown"):
            return self._s3_error(503, "SlowDown", "Please reduce your request rate.")
        if s.take("server_error"):
            return self._s3_error(500, "InternalError", "We encountered an internal error.")
        if identifier not in s.items and self.headers.get("x-archive-auto-make-bucket") != "1":
            return self._s3_error(404, "NoSuchBucket", "The specified bucket does not exist.")
        length = int(self.headers.get("Content-Length", "-1"))
        if length < 0 or self.headers.get("Transfer-Encoding"):
            return self._s3_error(411, "MissingContentLength", "Content-Length is required")
        received = self._receive(length, drop=s.take("drop_mid_body"), corrupt=s.take("corrupt_body"))
        if received is None:
            return  # connection cut
        md5, path = received
        expected = (self.headers.get("Content-MD5") or "").lower()
        if expected and expected != md5:
            if path:
                path.unlink(missing_ok=True)
            return self._s3_error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.",
                                  drain=False)
        with s.lock:
            item = s.items.setdefault(identifier, StoredItem(metadata=self._meta_headers(identifier)))
            shown_md5 = "0" * 32 if s.faults.corrupt_md5 > 0 else md5
            if s.faults.corrupt_md5 > 0:
                s.faults.corrupt_md5 -= 1
            item.files[name] = StoredFile(name, shown_md5, length, path, time.time() + s.faults.ingest_delay)
            s.stored[f"{identifier}/{name}"] = s.stored.get(f"{identifier}/{name}", 0) + 1
        if s.take("store_then_timeout"):
            time.sleep(s.faults.stall)  # the client has given up by now
        try:
            self._send(200, b"", "text/plain")
        except OSError:
            pass

    def _receive(self, length: int, *, drop: bool, corrupt: bool) -> tuple[str, Path | None] | None:
        s = self.standin
        digest = hashlib.md5()
        path = s._dir / f"{time.time_ns()}-{threading.get_ident()}" if s.keep_bodies else None
        out = path.open("wb") if path else None
        left, limit = length, length // 2 if drop else length
        try:
            while left > 0:
                if length - left >= limit:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return None
                chunk = self.rfile.read(min(CHUNK, left, max(limit - (length - left), 1)))
                if not chunk:
                    return None
                if corrupt:
                    chunk, corrupt = bytes([chunk[0] ^ 0xFF]) + chunk[1:], False
                digest.update(chunk)
                if out:
                    out.write(chunk)
                left -= len(chunk)
        finally:
            if out:
                out.close()
        return digest.hexdigest(), path

    def _meta_headers(self, identifier: str) -> dict:
        found: dict[str, list[tuple[int, str]]] = {}
        for header, value in self.headers.items():
            match = _META_HEADER.fullmatch(header)
            if match:
                key = match.group(2).lower().replace("--", "_")
                if value.startswith("uri(") and value.endswith(")"):
                    value = unquote(value[4:-1])
                found.setdefault(key, []).append((int(match.group(1) or 0), value))
        metadata = {k: [v for _, v in sorted(vs)] if len(vs) > 1 else vs[0][1] for k, vs in found.items()}
        metadata["identifier"] = identifier
        return metadata

    def _s3_delete(self) -> None:
        identifier, name = self._id_and_name()
        if not self._authorized():
            return self._keys_refused()
        with self.standin.lock:
            item = self.standin.items.get(identifier)
            removed = item.files.pop(name, None) if item else None
        if removed and removed.path:
            removed.path.unlink(missing_ok=True)
        self._send(204 if removed else 404, b"", "text/plain")

    # -- archive.org ------------------------------------------------------------------
    def _www_get(self) -> None:
        s = self.standin
        if self.url_path.startswith("/metadata/"):
            return self._send(200, s.item_json(unquote(self.url_path[len("/metadata/"):]).strip("/")))
        if self.url_path == "/services/tasks.php":
            identifier = self.query.get("identifier", [""])[0]
            summary = {"queued": s.pending(identifier), "running": 0, "error": 0, "paused": 0}
            return self._send(200, {"success": True, "value": {"summary": summary}})
        if self.url_path.startswith("/download/"):
            return self._download(*unquote(self.url_path[len("/download/"):]).partition("/")[::2])
        self._send(404, {"error": "not found"})

    def _www_head(self) -> None:
        """HEAD of a download (what an export check asks: Last-Modified, Content-Length)."""
        if self.url_path.startswith("/download/"):
            return self._download(*unquote(self.url_path[len("/download/"):]).partition("/")[::2])
        self._send(404, {"error": "not found"})

    def _download(self, identifier: str, name: str) -> None:
        """A file of an item, as archive.org serves it: Last-Modified is its upload time (mtime)."""
        stored = {f.name: f for f in self.standin.visible_files(identifier)}.get(name)
        if stored is None or stored.path is None:
            return self._send(404, "not found", "text/plain")
        self.send_response(200)
        self.send_header("Content-Length", str(stored.size))
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Last-Modified", formatdate(stored.mtime, usegmt=True))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            with stored.path.open("rb") as f:
                shutil.copyfileobj(f, self.wfile, CHUNK)
        self.close_connection = True

    def _www_post(self) -> None:
        s = self.standin
        identifier = unquote(self.url_path[len("/metadata/"):]).strip("/")
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if form.get("access", [""])[0] != s.access or form.get("secret", [""])[0] != s.secret:
            return self._send(401, {"success": False, "error": "Unauthorized"})
        if not self.url_path.startswith("/metadata/") or identifier not in s.items:
            return self._send(404, {"success": False, "error": f"item {identifier} not found"})
        if s.faults.metadata_write_fails:
            return self._send(200, {"success": False, "error": "stand-in refused the metadata write"})
        patch = json.loads(form.get("-patch", ["[]"])[0])
        with s.lock:
            try:
                s.items[identifier].metadata = jsonpatch.apply_patch(s.items[identifier].metadata, patch)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                return self._send(400, {"success": False, "error": str(exc)})
            s.metadata_writes.append((identifier, patch))
        self._send(200, {"success": True, "task_id": len(s.metadata_writes), "log": "standin"})

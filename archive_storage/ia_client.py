"""archive.org through the `internetarchive` library, made to survive archive.org's behaviour.

What the library does not do, done here (README.md):
- retries with exponential backoff and jitter on 503 SlowDown, other 5xx,
  connection errors and timeouts (the library retries only 503, without backoff);
- after a timeout or a cut connection, asks the metadata API (and the tasks API)
  whether the file arrived before sending it again: no double uploads;
- a spam-flag 503 or a 4xx stops at once with the server's message;
- check_limit: while the account is over its limit, waits instead of sending;
- an answer that refuses the account rather than the file (a spam flag, keys refused, an
  over-limit that does not clear) raises `ArchiveAccountRefused`: sending the next file
  cannot help either, so a caller stops the run (upload.py);
- explicit timeouts on every request; `Content-MD5` and the size hint on every PUT.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

import requests
from .base import ReadingBody
from .conf import setting
from .text import one_line

logger = logging.getLogger(__name__)

S3_HOST = "s3.us.archive.org"


class ArchiveError(Exception):
    """archive.org refused or failed; the message is one line for a person."""


class ArchiveNotConfigured(ArchiveError):
    pass


class ArchivePermanentError(ArchiveError):
    """Sending again cannot help (4xx, spam flag, bad digest)."""


class ArchiveAccountRefused(ArchivePermanentError):
    """archive.org refused the account, not the file: every other upload of the run would get
    the same answer, so the run stops at the first one (a spam flag, keys refused, an
    over-limit that does not clear)."""


class ArchiveSpamFlagged(ArchiveAccountRefused):
    """503 "appears to be spam": only archive.org can clear it."""


class ArchiveKeysRefused(ArchiveAccountRefused):
    """403 InvalidAccessKeyId, SignatureDoesNotMatch, or AccessDenied for the account."""


class ArchiveOverLimit(ArchiveAccountRefused):
    """check_limit still says the account is over its limit after every configured wait."""


class ArchiveTransientError(ArchiveError):
    """Still failing after every retry (503 SlowDown, 5xx, timeouts, cut connections)."""


# The errors worth sending again; nothing else is retried.
TRANSIENT_EXCEPTIONS = (requests.ConnectionError, requests.Timeout, ConnectionResetError, BrokenPipeError)


@dataclass(frozen=True)
class ArchiveConfig:
    """How to reach archive.org; read from settings when used (never at import)."""

    access_key: str
    secret_key: str
    secure: bool = True
    proxy: str = ""
    connect_timeout: float = 30.0
    read_timeout: float = 300.0
    retries: int = 8
    backoff: float = 5.0
    backoff_max: float = 600.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    @classmethod
    def from_settings(cls, **overrides: Any) -> ArchiveConfig:
        config = cls(
            access_key=setting("IA_ACCESS_KEY"),
            secret_key=setting("IA_SECRET_KEY"),
            secure=setting("IA_SECURE"),
            proxy=setting("IA_PROXY"),
            connect_timeout=setting("IA_CONNECT_TIMEOUT"),
            read_timeout=setting("IA_READ_TIMEOUT"),
            retries=setting("IA_RETRIES"),
            backoff=setting("IA_RETRY_BACKOFF"),
            backoff_max=setting("IA_RETRY_BACKOFF_MAX"),
        )
        return replace(config, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    def delays(self) -> Iterator[float]:
        """Exponential backoff with full jitter: one delay per retry, `retries - 1` in all."""
        for attempt in range(max(self.retries - 1, 0)):
            ceiling = min(self.backoff_max, self.backoff * 2**attempt)
            yield random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class RemoteFile:
    """A file as the item's file list shows it."""

    name: str
    md5: str
    size: int


def session_open(config: ArchiveConfig):
    """An `ArchiveSession` with our keys, https or not, the proxy, and no hidden retries."""
    if not (config.access_key and config.secret_key):
        raise ArchiveNotConfigured("archive.org is not configured: set IA_ACCESS_KEY and IA_SECRET_KEY")
    import internetarchive  # imported when used: its import patches socket.connect

    session = internetarchive.get_session(
        config={"general": {"secure": bool(config.secure)}, "s3": {"access": config.access_key, "secret": config.secret_key}},
        http_adapter_kwargs={"max_retries": 0},
    )
    if config.proxy:
        session.proxies = {"http": config.proxy, "https": config.proxy}
    return session


def call_with_retries(config: ArchiveConfig, what: str, call: Callable[[], Any]) -> Any:
    """Run `call`, retrying transient errors (named ones, 5xx) with backoff."""
    delays = config.delays()
    while True:
        try:
            return call()
        except requests.HTTPError as exc:
            if exc.response is None or exc.response.status_code < 500:
                raise ArchivePermanentError(f"{what}: {one_line(exc)}") from exc
            error: Exception = exc
        except TRANSIENT_EXCEPTIONS as exc:
            error = exc
        delay = next(delays, None)
        if delay is None:
            raise ArchiveTransientError(f"{what}: gave up after {config.retries} attempts: {one_line(error)}") from error
        logger.warning("%s: %s; retrying in %.2fs", what, one_line(error), delay)
        config.sleep(delay)


def item_read(session, config: ArchiveConfig, identifier: str) -> dict:
    """The metadata API's answer for an item: `{}` when it does not exist."""
    url = f"{session.protocol}//{session.host}/metadata/{identifier}"

    def call() -> dict:
        response = session.get(url, timeout=config.timeout)
        response.raise_for_status()
        return response.json()

    return call_with_retries(config, f"reading item {identifier}", call)


def item_files(item: dict) -> dict[str, RemoteFile]:
    return {
        f["name"]: RemoteFile(f["name"], f.get("md5", ""), int(f.get("size") or 0))
        for f in item.get("files", [])
        if "name" in f
    }


def item_pending_tasks(session, config: ArchiveConfig, identifier: str) -> int:
    """Queued plus running catalog tasks of the item (an ingest in progress is one)."""
    url = f"{session.protocol}//{session.host}/services/tasks.php"
    params = {"identifier": identifier, "summary": 1, "history": 0, "catalog": 0}

    def call() -> int:
        response = session.get(url, params=params, timeout=config.timeout)
        response.raise_for_status()
        summary = response.json().get("value", {}).get("summary", {})
        return int(summary.get("queued", 0)) + int(summary.get("running", 0))

    return call_with_retries(config, f"reading tasks of {identifier}", call)


def item_metadata_update(session, config: ArchiveConfig, identifier: str, item: dict, metadata: dict) -> bool:
    """Bring an existing item's metadata to `metadata` with `modify_metadata`. True if changed."""
    current = item.get("metadata", {})
    changes = {k: v for k, v in metadata.items() if _as_list(current.get(k)) != _as_list(v)}
    changes.pop("mediatype", None)  # only admins may change it
    changes.pop("collection", None)  # moving collections is an admin request too
    if not changes:
        return False
    ia_item = session.get_item(identifier, item_metadata=item)

    def call() -> None:
        response = ia_item.modify_metadata(changes, timeout=config.read_timeout, refresh=False)
        response.raise_for_status()
        answer = response.json()
        if not answer.get("success"):
            raise ArchivePermanentError(f"metadata of {identifier} not changed: {answer.get('error', answer)}")

    call_with_retries(config, f"updating metadata of {identifier}", call)
    return True


def s3_wait_for_limit(session, config: ArchiveConfig, identifier: str) -> None:
    """While check_limit says the account (or item) is over its limit, wait with backoff.

    Still over after every wait: `ArchiveOverLimit` (the account is refused for now);
    check_limit never answering: `ArchiveTransientError`."""
    checks, over = 0, 0
    for delay in config.delays():
        checks += 1
        try:
            if not session.s3_is_overloaded(identifier=identifier, access_key=config.access_key,
                                            request_kwargs={"timeout": config.timeout}):
                return
            over += 1
        except TRANSIENT_EXCEPTIONS as exc:
            logger.warning("check_limit for %s failed: %s", identifier, one_line(exc))
        logger.warning("archive.org is over its limit for %s; waiting %.2fs", identifier, delay)
        config.sleep(delay)
    if over:
        raise ArchiveOverLimit(f"archive.org stayed over its limit for {identifier} ({over} of {checks} "
                               "check_limit answers said so); try again later")
    raise ArchiveTransientError(f"check_limit for {identifier} did not answer in {checks} attempts")


@dataclass(frozen=True)
class PutResult:
    outcome: str  # "sent": the PUT was answered 200; "arrived": found in the item after an error;
    #               "staged": an ingest is still queued after an error (verification decides)
    attempts: int


def file_put(
    session,
    config: ArchiveConfig,
    *,
    identifier: str,
    file_name: str,
    body: BinaryIO,
    md5: str,
    size: int,
    metadata: dict | None = None,
    on_read: Callable[[int], None] | None = None,
) -> PutResult:
    """PUT one file into an item, surviving archive.org's failure modes (module docstring)."""
    ia_item = session.get_item(identifier, item_metadata={"metadata": {}})  # no request: the PUT creates it
    wrapped = ReadingBody(body, size, on_read)
    headers = {"Content-MD5": md5, "x-archive-size-hint": str(size)}
    delays = config.delays()
    attempt, check_limit = 0, False
    while True:
        attempt += 1
        if check_limit:
            try:
                s3_wait_for_limit(session, config, identifier)
            except ArchiveError as exc:
                raise _counted(exc, attempt - 1)  # no PUT sent this round
        try:
            body.seek(0)
            ia_item.upload_file(
                wrapped, key=file_name, metadata=metadata or {}, headers=dict(headers), queue_derive=False,
                retries=0, request_kwargs={"timeout": config.timeout},
            )
            return PutResult("sent", attempt)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            text = exc.response.content if exc.response is not None else b""
            if status == 503 and b"appears to be spam" in text:
                raise _counted(ArchiveSpamFlagged(
                    f"{identifier}/{file_name}: archive.org flagged the upload as spam; ask archive.org to clear it"
                ), attempt) from exc
            if status == 403 and _keys_refused(text):
                raise _counted(ArchiveKeysRefused(
                    f"{identifier}/{file_name}: 403 {_s3_code(text)}: {_s3_message(text)}; "
                    "check IA_ACCESS_KEY and IA_SECRET_KEY"), attempt) from exc
            if status < 500:
                raise _counted(ArchivePermanentError(f"{identifier}/{file_name}: {status} {_s3_message(text)}"),
                               attempt) from exc
            check_limit = status == 503
            error: Exception = exc
        except TRANSIENT_EXCEPTIONS as exc:
            error = exc
            arrived = file_arrival_check(session, config, identifier=identifier, file_name=file_name, md5=md5)
            if arrived:
                return PutResult(arrived, attempt)
        delay = next(delays, None)
        if delay is None:
            raise _counted(ArchiveTransientError(
                f"{identifier}/{file_name}: gave up after {attempt} attempts: {one_line(error)}"
            ), attempt) from error
        logger.warning("%s/%s attempt %d: %s; retrying in %.2fs", identifier, file_name, attempt, one_line(error), delay)
        config.sleep(delay)


def file_arrival_check(session, config: ArchiveConfig, *, identifier: str, file_name: str, md5: str) -> str:
    """After a timeout or cut connection: "arrived", "staged" (ingest pending) or "" (send again)."""
    try:
        remote = item_files(item_read(session, config, identifier)).get(file_name)
        if remote and remote.md5 == md5:
            return "arrived"
        if item_pending_tasks(session, config, identifier):
            return "staged"
    except ArchiveError as exc:
        logger.warning("could not check whether %s/%s arrived: %s", identifier, file_name, exc)
    return ""


def file_delete(session, config: ArchiveConfig, *, identifier: str, file_name: str) -> None:
    from urllib.parse import quote

    from internetarchive.auth import S3Auth

    url = f"{session.protocol}//{S3_HOST}/{identifier}/{quote(file_name)}"

    def call() -> None:
        response = session.delete(url, auth=S3Auth(config.access_key, config.secret_key), timeout=config.timeout,
                                  headers={"x-archive-cascade-delete": "1"})
        if response.status_code != 404:
            response.raise_for_status()

    call_with_retries(config, f"deleting {identifier}/{file_name}", call)


def download_url(session, identifier: str, file_name: str) -> str:
    from urllib.parse import quote

    return f"{session.protocol}//{session.host}/download/{identifier}/{quote(file_name)}"


def _counted(error: ArchiveError, attempts: int) -> ArchiveError:
    error.attempts = attempts  # PUTs sent for the file before giving up
    return error


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


# 403 codes that refuse the keys (the account), whatever the file or item.
KEYS_REFUSED_CODES = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"})


def _s3_code(text: bytes) -> str:
    match = re.search(rb"<Code>\s*([A-Za-z]+)\s*</Code>", text)
    return match.group(1).decode() if match else ""


def _keys_refused(text: bytes) -> bool:
    """A 403 for the account: bad or unknown keys, or access denied to the account as a whole.

    AccessDenied that names the item or a collection ("You lack sufficient privileges to
    write to this item": someone else's item) refuses that item, not the account: left to
    the per-file 4xx path."""
    code = _s3_code(text)
    if code not in KEYS_REFUSED_CODES:
        return False
    return code != "AccessDenied" or not re.search(rb"\b(item|collection|bucket)\b", text.split(b"<Resource>")[0],
                                                    re.IGNORECASE)


def _s3_message(text: bytes) -> str:
    from xml.parsers.expat import ExpatError

    from internetarchive.utils import get_s3_xml_text

    try:
        return one_line(get_s3_xml_text(text.decode("utf-8", "replace"))) or "refused"
    except ExpatError:  # not XML: say what the server said
        return one_line(text.decode("utf-8", "replace")[:200])

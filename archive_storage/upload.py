"""Put files into archive storage and verify them, one `ArchivedFile` record per file.

A file counts as archived only when the item's file list shows it with the same md5
and size. Ingest is asynchronous, so verification polls with backoff until a deadline
and leaves the rest "uploaded" (with next_check_at) for the next run to finish.

Account refusals. When archive.org refuses the account rather than the file (a spam
flag, keys refused, an over-limit that does not clear: `ArchiveAccountRefused`), every
other upload would get the same answer, so a run stops sending at the first one:

- `archived_file_upload` records the file that got the answer as failed, with
  last_error `"account refused: <reason>"`, then raises the `ArchiveAccountRefused`
  (any other failure is recorded and the record returned, as before);
- `files_publish` catches it, leaves every remaining file of the run pending with
  `archived_file_hold` (attempts unchanged, last_error `"not sent: account refused:
  <reason>"`), does not verify them, and sets `PublishReport.refused` to the reason;
- a run that fans out one upload per task calls `archive_refusal_of(storage, since=
  <when the run started>)` before each upload: a reason means a file of this run (or
  any upload since) was refused for the account, so the task holds its file with
  `archived_file_hold(record=..., reason=...)` instead of sending it. A task that gets
  the refusal itself sees `ArchiveAccountRefused` from `archived_file_upload`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from .conf import setting
from .digest import digest_stream
from .ia_client import ArchiveAccountRefused, ArchiveError, RemoteFile
from .identifiers import name_split
from .models import ArchivedFile
from .transitions import status_transition

Status = ArchivedFile.Status

REFUSED = "account refused: "  # last_error of the file that got an account refusal
NOT_SENT = "not sent: "  # last_error of a file held back (archived_file_hold)


@dataclass(frozen=True)
class ArchiveUnit:
    """One file to archive: its storage name `<identifier>/<file name>` and where it is now."""

    name: str
    path: Path
    role: str = "other"


@dataclass
class PublishReport:
    files: list[ArchivedFile] = field(default_factory=list)
    bytes_sent: int = 0
    seconds: float = 0.0
    refused: str = ""  # the account refusal that stopped the run's uploads ("" when none)

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for record in self.files:
            counts[record.status] += 1
        return counts

    @property
    def complete(self) -> bool:
        return all(record.status == Status.VERIFIED for record in self.files)


def archived_file_record(*, storage, unit: ArchiveUnit, owner=None) -> ArchivedFile:
    """Find or create the record of `unit` in `storage`, with the local file's md5, sha256 and size;
    `owner` (any model instance) is what the file belongs to, kept on the record.

    A verified record whose local file is unchanged (same size, not modified since) is
    returned as is, without hashing; a changed local file starts over as pending.
    """
    parts = name_split(unit.name)
    record, _ = ArchivedFile.objects.get_or_create(
        storage=storage.label, name=unit.name,
        defaults={"identifier": parts.identifier, "role": unit.role, "owner": owner, "local_path": str(unit.path)},
    )
    if not unit.path.exists():
        if record.md5:
            return record  # verify-only from another machine: the recorded digest is what counts
        raise FileNotFoundError(f"{unit.name}: local file {unit.path} is missing")
    stat = unit.path.stat()
    unchanged = record.size == stat.st_size and record.verified_at and stat.st_mtime <= record.verified_at.timestamp()
    if record.status == Status.VERIFIED and unchanged:
        return record
    with unit.path.open("rb") as stream:
        digest = digest_stream(stream)
    if (record.md5, record.size) != (digest.md5, digest.size) and record.status != Status.PENDING and record.md5:
        status_transition(record, Status.PENDING, last_error="local file changed; archiving it again")
    record.md5, record.sha256, record.size = digest.md5, digest.sha256, digest.size
    record.local_path, record.role = str(unit.path), unit.role
    if owner is not None:
        record.owner = owner
    record.save()
    return record


def _matches(record: ArchivedFile, remote: RemoteFile | None) -> bool:
    return remote is not None and remote.md5 == record.md5 and remote.size == record.size


def archived_file_upload(*, storage, record: ArchivedFile, remote: RemoteFile | None = None,
                         on_read: Callable[[int], None] | None = None) -> ArchivedFile:
    """Send one file unless the item already holds it (same md5 and size) or it was sent
    already and awaits verification; record the outcome.

    An account refusal is recorded (failed, last_error "account refused: ...") and then
    raised as `ArchiveAccountRefused`, so the caller stops sending (module docstring).
    """
    if record.status in (Status.VERIFIED, Status.UPLOADED):
        return record
    if _matches(record, remote):
        return status_transition(record, Status.UPLOADED, uploaded_at=record.uploaded_at or timezone.now(),
                                        last_error="")
    status_transition(record, Status.UPLOADING, upload_started_at=timezone.now())
    try:
        with Path(record.local_path).open("rb") as stream:
            result = storage.put(record.name, stream, md5=record.md5, size=record.size, on_read=on_read)
    except ArchiveAccountRefused as exc:
        status_transition(record, Status.FAILED, last_error=f"{REFUSED}{exc}",
                          attempts=record.attempts + getattr(exc, "attempts", 1))
        raise
    except (ArchiveError, ValueError, OSError) as exc:
        return status_transition(record, Status.FAILED, last_error=str(exc),
                                        attempts=record.attempts + getattr(exc, "attempts", 1))
    note = "" if result.outcome == "sent" else f"answer lost, then {result.outcome}: not sent again"
    return status_transition(record, Status.UPLOADED, uploaded_at=timezone.now(), last_error=note,
                                    attempts=record.attempts + result.attempts)


def archived_file_hold(*, record: ArchivedFile, reason: str) -> ArchivedFile:
    """Leave `record` unsent in this run (an account refusal stopped it): pending, attempts
    unchanged, last_error "not sent: <reason>". A verified or uploaded record is left as is."""
    if record.status in (Status.VERIFIED, Status.UPLOADED):
        return record
    note = f"{NOT_SENT}{reason}"
    if record.status == Status.PENDING:
        record.last_error = note
        record.save()
        return record
    return status_transition(record, Status.PENDING, last_error=note)


def archive_refusal_of(storage, *, since) -> str | None:
    """The newest account refusal recorded for `storage` (a storage or its label) by an
    upload started at or after `since` (a datetime: when the run began), or None.

    The reason is the failed file's last_error after "account refused: ". Only uploads
    started since count, so a refusal of an earlier run never blocks a re-run."""
    label = getattr(storage, "label", storage)
    record = (ArchivedFile.objects.filter(storage=label, status=Status.FAILED, last_error__startswith=REFUSED,
                                          upload_started_at__gte=since)
              .order_by("-upload_started_at").only("last_error").first())
    return record.last_error.removeprefix(REFUSED) if record else None


def archived_files_verify(*, storage, records: Iterable[ArchivedFile], wait: float | None = None,
                          sleep: Callable[[float], None] = time.sleep, recheck_verified: bool = False) -> None:
    """Compare each record with its item's file list; poll with backoff up to `wait` seconds.

    Matching md5 and size: verified. Listed with another md5 or size: failed. Not listed
    by the deadline: stays uploaded (next_check_at set) while the item has ingest work
    queued, otherwise goes back to pending so the next run sends it again.
    """
    wanted = {Status.UPLOADED} | ({Status.VERIFIED, Status.PENDING, Status.FAILED} if recheck_verified else set())
    todo = [r for r in records if r.status in wanted]
    wait = setting("IA_VERIFY_WAIT") if wait is None else wait
    deadline = time.monotonic() + wait
    delay = max(setting("IA_RETRY_BACKOFF"), 0.01)
    while todo:
        todo = _verify_round(storage, todo, final=recheck_verified)
        left = deadline - time.monotonic()
        if not todo or left <= 0:
            break
        sleep(min(delay, left))
        delay = min(delay * 2, setting("IA_RETRY_BACKOFF_MAX"))
    for identifier in {r.identifier for r in todo}:
        pending = storage.item_pending(identifier)
        for record in (r for r in todo if r.identifier == identifier):
            if pending:
                record.next_check_at = timezone.now() + timedelta(seconds=delay)
                record.last_error = "uploaded; archive.org has not listed it yet (ingest queued)"
                record.save()
            elif record.status in (Status.UPLOADED, Status.VERIFIED):
                status_transition(record, Status.PENDING,
                                         last_error="not in the item's file list and nothing queued: will be sent again")


def archived_files_due(*, storage, now=None) -> list[ArchivedFile]:
    """Files of `storage` left uploaded whose verification is due: `next_check_at` has come,
    or none was set (a publish that stopped before verifying) and a publish would have
    given up polling by now (uploaded more than IA_VERIFY_WAIT ago)."""
    now = now or timezone.now()
    unscheduled = Q(next_check_at__isnull=True) & (
        Q(uploaded_at__isnull=True) | Q(uploaded_at__lte=now - timedelta(seconds=setting("IA_VERIFY_WAIT"))))
    return list(ArchivedFile.objects.filter(Q(next_check_at__lte=now) | unscheduled,
                                            storage=storage.label, status=Status.UPLOADED))


def archived_files_verify_due(*, storage, now=None) -> dict[str, int]:
    """One look (no polling) at every due uploaded file, as files_publish's verification does;
    returns how many were checked and the statuses they ended in."""
    records = archived_files_due(storage=storage, now=now)
    archived_files_verify(storage=storage, records=records, wait=0)
    counts = {"checked": len(records)}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    return counts


def _verify_round(storage, records: list[ArchivedFile], *, final: bool) -> list[ArchivedFile]:
    """One look at each item's file list; returns the records still to look for."""
    left = []
    for identifier in sorted({r.identifier for r in records}):
        listed = storage.item_files(identifier)
        ingesting: list[bool] = []  # asked at most once per item per round

        def item_ingesting() -> bool:
            if not ingesting:
                ingesting.append(storage.item_pending(identifier))
            return ingesting[0]

        for record in (r for r in records if r.identifier == identifier):
            record.checks += 1
            remote = listed.get(record.file_name)
            if _matches(record, remote):
                if record.status == Status.VERIFIED:
                    record.save()
                else:
                    status_transition(record, Status.VERIFIED, verified_at=timezone.now(), last_error="",
                                             next_check_at=None)
            elif remote is not None and record.status != Status.PENDING and (final or not item_ingesting()):
                status_transition(
                    record, Status.FAILED, last_error=f"archive.org lists md5 {remote.md5} size {remote.size}, "
                    f"expected md5 {record.md5} size {record.size}")
            elif final and record.status in (Status.PENDING, Status.FAILED):
                record.save()  # verify-only: not there, nothing to wait for
            else:
                left.append(record)
    return left


def files_publish(*, storage, units: Iterable[ArchiveUnit], items: dict[str, dict], owner=None,
                  verify_only: bool = False, wait: float | None = None,
                  on_file: Callable[[ArchivedFile], None] | None = None,
                  on_read: Callable[[int], None] | None = None) -> PublishReport:
    """Archive `units` into `storage` (item metadata first), then verify. Safe to re-run:
    verified files are skipped, the rest finished.

    An account refusal stops the sending: the file that got it is failed, the rest are
    held pending (not sent, not verified) and `report.refused` says why."""
    started = time.monotonic()
    report = PublishReport()
    units = list(units)
    for unit in units:
        if verify_only and not unit.path.exists() and not ArchivedFile.objects.filter(
                storage=storage.label, name=unit.name).exclude(md5="").exists():
            continue  # never archived from here and not on disk: nothing to compare
        report.files.append(archived_file_record(storage=storage, unit=unit, owner=owner))
    if not verify_only:
        for identifier, metadata in items.items():
            storage.item_ensure(identifier, metadata)
        listed = {}
        for record in report.files:
            if record.status != Status.VERIFIED and record.identifier not in listed:
                listed[record.identifier] = storage.item_files(record.identifier)
            before = record.attempts
            remote = listed.get(record.identifier, {}).get(record.file_name)
            if report.refused and not _matches(record, remote):
                archived_file_hold(record=record, reason=f"{REFUSED}{report.refused}")
            else:
                try:
                    archived_file_upload(storage=storage, record=record, on_read=on_read, remote=remote)
                except ArchiveAccountRefused as exc:
                    report.refused = str(exc)
            if record.attempts > before and record.status == Status.UPLOADED:
                report.bytes_sent += record.size or 0
            if on_file:
                on_file(record)
    archived_files_verify(storage=storage, records=report.files, wait=0 if verify_only else wait,
                          recheck_verified=verify_only)
    report.seconds = time.monotonic() - started
    return report

"""What the archive commands print: one line per file, or one JSON document; progress
bars only on a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.core.management.base import CommandError

from calaccess_archive.management.base import EXIT_INCOMPLETE
from calaccess_archive.models import ArchivedFile
from calaccess_archive.selectors import archived_file_summary
from processors.archive.upload import PublishReport

Status = ArchivedFile.Status


def record_line(record: ArchivedFile) -> str:
    error = f"  {record.last_error}" if record.last_error else ""
    return f"{record.status:<9} {record.name} {record.size or 0} bytes, {record.attempts} attempt(s){error}"


def report_write(command, report: PublishReport, *, as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        command.json_write({**(extra or {}), "complete": report.complete, "refused": report.refused or None,
                            "counts": report.counts(), "bytes_sent": report.bytes_sent,
                            "seconds": round(report.seconds, 3),
                            "files": [archived_file_summary(r) for r in report.files]})
        return
    for record in report.files:
        command.stdout.write(record_line(record))
    counts = ", ".join(f"{n} {status}" for status, n in report.counts().items() if n)
    command.stdout.write(f"{len(report.files)} file(s): {counts or 'none'}; "
                         f"{report.bytes_sent} bytes sent in {report.seconds:.1f}s")


def report_incomplete_message(report: PublishReport, *, rerun: str) -> str:
    """One line: how many files are not archived and why, and what to run to finish."""
    counts = report.counts()
    left = len(report.files) - counts[Status.VERIFIED]
    parts = [(counts[Status.FAILED], "failed"),
             (counts[Status.UPLOADED] + counts[Status.UPLOADING], "not yet verified"),
             (counts[Status.PENDING], "not sent" if report.refused else "to send again")]
    breakdown = ", ".join(f"{n} {what}" for n, what in parts if n)
    summary = f"{left} file(s) not archived (of {len(report.files)}): {breakdown}"
    if report.refused:
        return f"archive.org refused the account, so the uploads stopped: {report.refused}; {summary}; " \
               f"run `{rerun}` again once that is cleared"
    return f"{summary}; run `{rerun}` again to finish"


def report_require_complete(report: PublishReport, *, rerun: str) -> None:
    """Return when every file of `report` is verified; otherwise raise CommandError with
    the counts (report_incomplete_message) and exit code EXIT_INCOMPLETE. Call it after
    printing the report, so `--json` still prints the whole document (with "complete": false).

    `rerun` is the command that finishes the job, e.g. "publish 2024-05-06_07-08-09"."""
    if not report.complete:
        raise CommandError(report_incomplete_message(report, rerun=rerun), returncode=EXIT_INCOMPLETE)


@contextlib.contextmanager
def progress_callbacks(*, total_bytes: int, enabled: bool) -> Iterator[dict]:
    """Callbacks (on_read, on_file) driving a rich progress bar, when writing to a terminal."""
    if not enabled:
        yield {}
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn()) as progress:
        task = progress.add_task("archiving", total=total_bytes or None)
        yield {
            "on_read": lambda n: progress.advance(task, n),
            "on_file": lambda record: progress.update(task, description=record.file_name[-40:]),
        }

"""What the archive commands print: one line per file, or one JSON document; progress
bars only on a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.core.management.base import CommandError

from archive_storage.report import record_line, report_document, report_incomplete_message, report_lines
from archive_storage.upload import PublishReport
from calaccess_archive.management.base import EXIT_INCOMPLETE

__all__ = ["progress_callbacks", "record_line", "report_incomplete_message", "report_require_complete", "report_write"]


def report_write(command, report: PublishReport, *, as_json: bool, extra: dict | None = None) -> None:
    """The archive app's report (archive_storage/report.py), as one JSON document or as lines."""
    if as_json:
        command.json_write(report_document(report, extra=extra))
        return
    for line in report_lines(report):
        command.stdout.write(line)


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

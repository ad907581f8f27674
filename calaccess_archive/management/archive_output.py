"""What the archive commands print: one line per file, or one JSON document; progress
bars only on a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from calaccess_archive.models import ArchivedFile
from calaccess_archive.selectors import archived_file_summary
from processors.archive.upload import PublishReport


def record_line(record: ArchivedFile) -> str:
    error = f"  {record.last_error}" if record.last_error else ""
    return f"{record.status:<9} {record.name} {record.size or 0} bytes, {record.attempts} attempt(s){error}"


def report_write(command, report: PublishReport, *, as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        command.json_write({**(extra or {}), "complete": report.complete, "counts": report.counts(),
                            "bytes_sent": report.bytes_sent, "seconds": round(report.seconds, 3),
                            "files": [archived_file_summary(r) for r in report.files]})
        return
    for record in report.files:
        command.stdout.write(record_line(record))
    counts = ", ".join(f"{n} {status}" for status, n in report.counts().items() if n)
    command.stdout.write(f"{len(report.files)} file(s): {counts or 'none'}; "
                         f"{report.bytes_sent} bytes sent in {report.seconds:.1f}s")


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

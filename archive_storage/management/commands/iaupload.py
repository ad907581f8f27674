"""python manage.py iaupload --spreadsheet FILE.csv [--dry-run] [--retries N] [--wait S] [--json]"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive_storage.fields import archive_storage_configured
from archive_storage.ia_client import ArchiveError
from archive_storage.identifiers import InvalidArchiveName
from archive_storage.report import (
    EXIT_INCOMPLETE, plan_document, plan_lines, report_document, report_incomplete_message, report_lines,
)
from archive_storage.spreadsheet import SpreadsheetError, spreadsheet_upload
from archive_storage.text import one_line


class Command(BaseCommand):
    help = "Upload files listed in an `ia upload --spreadsheet` CSV into archive storage, then verify."

    def add_arguments(self, parser):
        parser.add_argument("--spreadsheet", required=True, type=Path, help="CSV: identifier, file, REMOTE_NAME, ...")
        parser.add_argument("--dry-run", action="store_true", help="Check the whole sheet, upload nothing")
        parser.add_argument("--retries", type=int, help="Attempts of each request (default IA_RETRIES)")
        parser.add_argument("--wait", type=float, help="Seconds to wait for archive ingest (default IA_VERIFY_WAIT)")
        parser.add_argument("--json", action="store_true", help="Print one JSON document")

    def handle(self, *args, spreadsheet: Path, dry_run=False, retries=None, wait=None, json=False, **options):
        if not spreadsheet.is_file():
            raise CommandError(f"spreadsheet {spreadsheet} not found")
        try:
            with upload_progress(enabled=not (json or dry_run) and self.stdout.isatty()) as callbacks:
                plan, report = spreadsheet_upload(path=spreadsheet, storage=archive_storage_configured(),
                                                  dry_run=dry_run, retries=retries, wait=wait, **callbacks)
        except SpreadsheetError as exc:
            self._write({"valid": False, "problems": exc.problems}, exc.problems, json)
            raise CommandError(str(exc).split(":")[0]) from exc
        except (ArchiveError, InvalidArchiveName, FileNotFoundError) as exc:
            raise CommandError(one_line(exc, limit=1000)) from None
        if dry_run:
            return self._write(plan_document(plan), plan_lines(plan), json)
        self._write(report_document(report, extra={"spreadsheet": str(spreadsheet)}), report_lines(report), json)
        if not report.complete:  # a re-run sends only what is left
            raise CommandError(report_incomplete_message(report, rerun=f"iaupload --spreadsheet {spreadsheet}"),
                               returncode=EXIT_INCOMPLETE)

    def _write(self, document: dict, lines: list[str], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(document, indent=2, default=str))
        else:
            for line in lines:
                (self.stdout if document.get("valid", True) else self.stderr).write(line)


@contextmanager
def upload_progress(*, enabled: bool, stream=None) -> Iterator[dict]:
    """Callbacks (on_read, on_file) driving a progress bar of the bytes sent, on a terminal only.

    tqdm comes with internetarchive, so the app needs nothing more for it.
    """
    if not enabled:
        yield {}
        return
    from tqdm import tqdm

    with tqdm(unit="B", unit_scale=True, desc="archiving", file=stream or sys.stderr) as bar:
        yield {"on_read": bar.update, "on_file": lambda record: bar.set_description(record.file_name[-40:])}

"""python manage.py iaupload --spreadsheet FILE.csv [--dry-run] [--json]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from calaccess_archive.management.archive_output import progress_callbacks, report_require_complete, report_write
from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.storage import archive_storage
from processors.archive.spreadsheet import SpreadsheetError, spreadsheet_read, spreadsheet_upload


class Command(ArchiveCommand):
    help = "Upload files listed in an `ia upload --spreadsheet` CSV into archive storage, then verify."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--spreadsheet", required=True, type=Path, help="CSV: identifier, file, REMOTE_NAME, ...")
        parser.add_argument("--dry-run", action="store_true", help="Check the whole sheet, upload nothing")
        self.wait_argument(parser)

    def handle(self, *args, spreadsheet: Path, dry_run=False, wait=None, json=False, **options):
        if not spreadsheet.is_file():
            raise CommandError(f"spreadsheet {spreadsheet} not found")
        try:
            plan = spreadsheet_read(path=spreadsheet)
            if dry_run:
                return self._plan_write(plan, as_json=json)
            total = sum(u.path.stat().st_size for u in plan.units)
            with progress_callbacks(total_bytes=total, enabled=not json and self.is_terminal()) as callbacks:
                _, report = spreadsheet_upload(path=spreadsheet, storage=archive_storage(), wait=wait, **callbacks)
        except SpreadsheetError as exc:
            if json:
                self.json_write({"valid": False, "problems": exc.problems})
            else:
                for problem in exc.problems:
                    self.stderr.write(problem)
            raise CommandError(str(exc).split(":")[0]) from exc
        report_write(self, report, as_json=json, extra={"spreadsheet": str(spreadsheet)})
        report_require_complete(report, rerun=f"iaupload --spreadsheet {spreadsheet}")  # re-run: only what is left

    def _plan_write(self, plan, *, as_json: bool) -> None:
        if as_json:
            self.json_write({"valid": True, "items": plan.items,
                             "files": [{"name": u.name, "path": str(u.path)} for u in plan.units]})
            return
        for unit in plan.units:
            self.stdout.write(f"ok        {unit.name} <- {unit.path}")
        self.stdout.write(f"valid: {len(plan.units)} file(s) in {len(plan.items)} item(s); nothing uploaded")

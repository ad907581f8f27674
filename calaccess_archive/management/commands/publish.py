"""python manage.py publish [RELEASE] [--processed] [--verify-only] [--json]"""

from __future__ import annotations

from calaccess_archive.management.archive_output import progress_callbacks, report_require_complete, report_write
from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.selectors import release_lookup
from processors.archive.publish import processed_publish, publish_total_bytes, release_publish


class Command(ArchiveCommand):
    help = "Put a release's files (export, cleaned tables, errors files, zip) into archive storage, then verify."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        self.release_argument(parser, default="the newest release")
        parser.add_argument("--processed", action="store_true",
                            help="The processed files (OCD zips, CSVs, changes.json) instead of the raw ones")
        parser.add_argument("--verify-only", action="store_true", help="Only check what the archive holds")
        self.wait_argument(parser)

    def handle(self, *args, release=None, processed=False, verify_only=False, wait=None, json=False, **options):
        version = release_lookup(release)
        total = 0 if verify_only or json else publish_total_bytes(version=version, processed=processed)
        publish = processed_publish if processed else release_publish
        with progress_callbacks(total_bytes=total, enabled=not json and self.is_terminal()) as callbacks:
            report = publish(version=version, verify_only=verify_only, wait=wait, **callbacks)
        report_write(self, report, as_json=json, extra={"release": version.slug})
        report_require_complete(report, rerun=f"publish {version.slug}" + (" --processed" if processed else ""))

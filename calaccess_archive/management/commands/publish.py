"""python manage.py publish [RELEASE] [--processed] [--verify-only] [--json]"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from calaccess_archive.management.archive_output import is_terminal, progress_callbacks, report_write
from calaccess_archive.models import RawDataVersion
from calaccess_archive.storage.ia_client import ArchiveError
from calaccess_archive.storage.identifiers import InvalidArchiveName
from processors.archive.publish import NothingToPublish, processed_publish, publish_total_bytes, release_publish


class Command(BaseCommand):
    help = "Put a release's files (export, cleaned tables, errors files, zip) into archive storage, then verify."

    def add_arguments(self, parser):
        parser.add_argument("release", nargs="?", help="YYYY-MM-DD_HH-MM-SS (default: the latest release)")
        parser.add_argument("--processed", action="store_true",
                            help="The processed files (OCD zips, CSVs, changes.json) instead of the raw ones")
        parser.add_argument("--verify-only", action="store_true", help="Only check what the archive holds")
        parser.add_argument("--wait", type=float, help="Seconds to wait for ingest (default IA_VERIFY_WAIT)")
        parser.add_argument("--json", action="store_true", help="Print one JSON document")

    def handle(self, *args, release=None, processed=False, verify_only=False, wait=None, json=False, **options):
        version = _version(release)
        total = 0 if verify_only or json else publish_total_bytes(version=version, processed=processed)
        publish = processed_publish if processed else release_publish
        try:
            with progress_callbacks(self, total_bytes=total, enabled=not json and is_terminal(self)) as callbacks:
                report = publish(version=version, verify_only=verify_only, wait=wait, **callbacks)
        except (ArchiveError, NothingToPublish, InvalidArchiveName, FileNotFoundError) as exc:
            raise CommandError(" ".join(str(exc).split())) from exc
        report_write(self, report, as_json=json, extra={"release": version.slug})
        if not report.complete and not json:
            self.stderr.write("not every file is verified yet: run publish again to finish")


def _version(release: str | None) -> RawDataVersion:
    if not release:
        version = RawDataVersion.objects.order_by("-release_datetime").first()
        if version is None:
            raise CommandError("no release recorded yet")
        return version
    try:
        when = dt.datetime.strptime(release, "%Y-%m-%d_%H-%M-%S").replace(tzinfo=dt.UTC)
    except ValueError:
        raise CommandError(f"release {release!r} is not YYYY-MM-DD_HH-MM-SS") from None
    try:
        return RawDataVersion.objects.get(release_datetime=when)
    except RawDataVersion.DoesNotExist:
        raise CommandError(f"no release {release}") from None

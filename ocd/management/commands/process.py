"""python manage.py process [RELEASE] [--no-publish] [--wait S] [--json]: build the OCD tables, files and zips of one
loaded release, then put them into the release's processed item in archive storage."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from calaccess_archive.models import RawDataVersion
from calaccess_archive.storage.ia_client import ArchiveError
from calaccess_archive.storage.identifiers import InvalidArchiveName
from processors.archive.publish import NothingToPublish, processed_publish
from processors.errors import PipelineError
from processors.pipeline.process import ocd_process


class Command(BaseCommand):
    help = "Process a loaded release into Open Civic Data tables, CSVs and zips (default: the latest loaded)."

    def add_arguments(self, parser):
        parser.add_argument("release", nargs="?", help="Release slug (YYYY-MM-DD_HH-MM-SS) or id")
        parser.add_argument("--no-publish", action="store_true",
                            help="Do not put the files into archive storage (publish --processed does it later)")
        parser.add_argument("--wait", type=float, help="Seconds to wait for archive ingest (default IA_VERIFY_WAIT)")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")

    def handle(self, *args, release=None, no_publish=False, wait=None, json=False, **options):
        version = self._version(release)
        try:
            result = ocd_process(version=version)
        except PipelineError as exc:
            raise CommandError(str(exc)) from exc
        if not no_publish:
            try:
                report = processed_publish(version=version, wait=wait)
            except (ArchiveError, NothingToPublish, InvalidArchiveName, FileNotFoundError) as exc:
                raise CommandError(f"processed {version.slug}, but publishing failed (run publish --processed "
                                   f"{version.slug} to finish): " + " ".join(str(exc).split())) from exc
            result["publish"] = {"complete": report.complete, "counts": report.counts(),
                                 "bytes_sent": report.bytes_sent, "files": len(report.files)}
        if json:
            self.stdout.write(_dumps(result))
            return
        for table, records in result["tables"].items():
            self.stdout.write(f"{table}: {records}")
        for table, reasons in result["skipped"].items():
            self.stdout.write(f"skipped {table}: " + ", ".join(f"{r} {n}" for r, n in reasons.items()))
        for name, z in result["zips"].items():
            self.stdout.write(f"{name}: {z['size']} bytes sha256 {z['sha256']}")
        if "publish" in result:
            counts = ", ".join(f"{n} {s}" for s, n in result["publish"]["counts"].items() if n)
            self.stdout.write(f"archived: {counts}")
            if not result["publish"]["complete"]:
                self.stderr.write(f"not every file is verified yet: run publish --processed {version.slug}")

    def _version(self, release):
        loaded = RawDataVersion.objects.filter(status=RawDataVersion.Status.LOADED)
        if release is None:
            version = loaded.order_by("-release_datetime").first()
            if version is None:
                raise CommandError("no loaded release to process")
            return version
        if release.isdigit():
            version = RawDataVersion.objects.filter(pk=int(release)).first()
        else:
            try:
                when = dt.datetime.strptime(release, "%Y-%m-%d_%H-%M-%S").replace(tzinfo=dt.timezone.utc)
            except ValueError:
                raise CommandError(f"release must be a slug YYYY-MM-DD_HH-MM-SS or an id, not {release!r}") from None
            version = RawDataVersion.objects.filter(release_datetime=when).first()
        if version is None:
            raise CommandError(f"no release {release!r}")
        return version


def _dumps(result):
    return json.dumps(result, sort_keys=True)

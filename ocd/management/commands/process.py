"""python manage.py process [RELEASE] [--json]: build the OCD tables, files and zips of one loaded release."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from calaccess_archive.models import RawDataVersion
from processors.errors import PipelineError
from processors.ocd.pipeline import ocd_process


class Command(BaseCommand):
    help = "Process a loaded release into Open Civic Data tables, CSVs and zips (default: the latest loaded)."

    def add_arguments(self, parser):
        parser.add_argument("release", nargs="?", help="Release slug (YYYY-MM-DD_HH-MM-SS) or id")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")

    def handle(self, *args, release=None, json=False, **options):
        version = self._version(release)
        try:
            result = ocd_process(version=version)
        except PipelineError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(_dumps(result))
            return
        for table, records in result["tables"].items():
            self.stdout.write(f"{table}: {records}")
        for table, reasons in result["skipped"].items():
            self.stdout.write(f"skipped {table}: " + ", ".join(f"{r} {n}" for r, n in reasons.items()))
        for name, z in result["zips"].items():
            self.stdout.write(f"{name}: {z['size']} bytes sha256 {z['sha256']}")

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

"""python manage.py process [RELEASE] [--no-publish] [--wait S] [--json]: build the OCD tables, files and zips of one
loaded release, then put them into the release's processed item in archive storage."""

from django.core.management.base import CommandError

from calaccess_archive.management.archive_output import report_require_complete
from calaccess_archive.management.base import EXPECTED_ERRORS, ArchiveCommand
from calaccess_archive.models import RawDataVersion
from calaccess_archive.selectors import release_lookup
from processors.archive.publish import processed_publish
from processors.errors import one_line
from processors.pipeline.process import ocd_process


class Command(ArchiveCommand):
    help = "Process a loaded release into Open Civic Data tables, CSVs and zips (default: the latest loaded)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        self.release_argument(parser, default="the newest loaded release")
        parser.add_argument("--no-publish", action="store_true",
                            help="Do not put the files into archive storage (publish --processed does it later)")
        self.wait_argument(parser)

    def handle(self, *args, release=None, no_publish=False, wait=None, json=False, **options):
        version = release_lookup(release, status=RawDataVersion.Status.LOADED)
        result = ocd_process(version=version)
        report = None
        if not no_publish:
            try:
                report = processed_publish(version=version, wait=wait)
            except EXPECTED_ERRORS as exc:
                raise CommandError(f"processed {version.slug}, but publishing failed (run publish --processed "
                                   f"{version.slug} to finish): {one_line(exc)}") from exc
            result["publish"] = {"complete": report.complete, "refused": report.refused or None,
                                 "counts": report.counts(), "bytes_sent": report.bytes_sent,
                                 "files": len(report.files)}
        if json:
            self.json_write(result)
            return self._publish_finish(report, version)
        for table, records in result["tables"].items():
            self.stdout.write(f"{table}: {records}")
        for table, reasons in result["skipped"].items():
            self.stdout.write(f"skipped {table}: " + ", ".join(f"{r} {n}" for r, n in reasons.items()))
        for name, z in result["zips"].items():
            self.stdout.write(f"{name}: {z['size']} bytes sha256 {z['sha256']}")
        if "publish" in result:
            counts = ", ".join(f"{n} {s}" for s, n in result["publish"]["counts"].items() if n)
            self.stdout.write(f"archived: {counts}")
        self._publish_finish(report, version)

    @staticmethod
    def _publish_finish(report, version) -> None:
        """Processed, but not every file archived: exit EXIT_INCOMPLETE, saying what to run."""
        if report is not None:
            report_require_complete(report, rerun=f"publish {version.slug} --processed")

"""python manage.py backfill SOURCE... [--release-datetime DT] [--wait S] [--json]"""

from __future__ import annotations

from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.management.stage_progress import stage_progress
from processors.pipeline.backfill import BackfillRelease, backfill_run, release_datetime_parse


def release_document(done: BackfillRelease) -> dict:
    item = done.source
    return {"given": item.given, "source": item.source, "release_datetime": item.release_datetime.isoformat(),
            "datetime_from": item.basis, "release": done.version.slug if done.version else None,
            "outcome": done.outcome, "stage_seconds": done.seconds, "warnings": done.warnings}


def release_line(done: BackfillRelease) -> str:
    slug = done.version.slug if done.version else f"{done.source.release_datetime:%Y-%m-%d_%H-%M-%S}"
    what = "published" if done.outcome == "published" else "skipped (published already)"
    seconds = f" in {done.seconds['total']:.1f}s" if "total" in done.seconds else ""
    return f"{slug} {what}{seconds}: {done.source.given} (datetime from {done.source.basis})"


class Command(ArchiveCommand):
    help = ("Historic exports, each its own release, oldest first, skipping releases published already: local "
            "zips, directories of zips, archive.org items of earlier archivers (ccdc-raw-data-YYYY-MM-DD_HH-MM-SS "
            "or their download URLs) and export URLs. Each goes through the whole nightly workflow here. "
            "Exit 0: all published; 4: another run holds the pipeline lease.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("sources", nargs="+", metavar="SOURCE",
                            help="A zip, a directory of zips, an archive.org item identifier or URL, an export URL")
        parser.add_argument("--release-datetime",
                            help="The release datetime of the one SOURCE (ISO 8601 or YYYY-MM-DD_HH-MM-SS; "
                                 "UTC unless it says otherwise), instead of its name, Last-Modified or members")
        self.wait_argument(parser)

    def handle(self, *args, sources, release_datetime=None, wait=None, json=False, **options):
        when = release_datetime_parse(release_datetime) if release_datetime else None
        on_release = None if json else (lambda done: self.stdout.write(release_line(done)))
        with stage_progress(terminal=not json and self.is_terminal()) as progress:
            report = backfill_run(sources=sources, release_datetime=when, progress=progress, wait=wait,
                                  on_release=on_release)
        hold = report.raw_tables.slug if report.raw_tables else None
        if json:
            self.json_write({"releases": [release_document(done) for done in report.releases],
                             "restored": report.restored.slug if report.restored else None, "raw_tables": hold})
            return
        published = sum(done.outcome == "published" for done in report.releases)
        restored = " (loaded again)" if report.restored else ""
        self.stdout.write(f"{published} release(s) published, {len(report.releases) - published} skipped; "
                          f"the raw tables hold {hold or 'no release'}{restored}.")

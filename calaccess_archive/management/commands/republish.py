"""python manage.py republish RELEASE [--wait S] [--json]"""

from __future__ import annotations

from calaccess_archive.management.archive_output import report_require_complete, report_write
from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.selectors import release_lookup
from processors.pipeline.repair import release_republish


class Command(ArchiveCommand):
    help = ("A repair: run the archive steps (upload, verify, publish) of RELEASE again. Files verified are not "
            "sent again; files whose local copy changed are. Exit 3: file(s) not verified yet; 4: another run "
            "holds the pipeline lease.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release", help="Release slug (YYYY-MM-DD_HH-MM-SS) or id")
        self.wait_argument(parser)

    def handle(self, *args, release, wait=None, json=False, **options):
        version = release_lookup(release)
        result = release_republish(version=version, wait=wait)
        published = result.version.published_at
        report_write(self, result.publish, as_json=json, extra={
            "release": version.slug, "sent": [r.name for r in result.sent], "problems": result.problems,
            "published_at": published.isoformat() if published else None,
        })
        if not json:
            self.stdout.write(f"{len(result.sent)} file(s) sent; release {version.slug} "
                              + (f"published {published:%Y-%m-%d %H:%M:%S} UTC." if published else "not published."))
        report_require_complete(result.publish, rerun=f"republish {version.slug}")

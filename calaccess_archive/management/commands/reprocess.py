"""python manage.py reprocess RELEASE [--json]"""

from __future__ import annotations

from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.management.stage_progress import stage_progress
from calaccess_archive.selectors import release_lookup
from processors.pipeline.repair import COMPARED_FILES, release_reprocess


class Command(ArchiveCommand):
    help = ("A repair: run the OCD steps (process, package) of RELEASE again; with nothing changed, flat.zip, "
            "relational.zip and changes.json come out byte-identical. If the raw tables hold another release, "
            "RELEASE's are loaded first and the newest release's again afterwards. Exit 4: another run holds "
            "the pipeline lease.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release", help="Release slug (YYYY-MM-DD_HH-MM-SS) or id")

    def handle(self, *args, release, json=False, **options):
        version = release_lookup(release)
        with stage_progress(terminal=not json and self.is_terminal()) as progress:
            report = release_reprocess(version=version, progress=progress)
        if json:
            self.json_write({
                "release": version.slug, "loaded_first": report.loaded,
                "restored": report.restored.slug if report.restored else None,
                "files": {name: {"before": report.before[name], "after": report.after[name]}
                          for name in COMPARED_FILES},
                "changed": report.changed, "tables": report.result["tables"], "seconds": round(report.seconds, 3),
            })
            return
        if report.loaded:
            self.stdout.write(f"loaded the raw tables of {version.slug} again")
        for name in COMPARED_FILES:
            state = "changed" if name in report.changed else "identical"
            self.stdout.write(f"{state:<9} {name} sha256 {report.after[name]}")
        if report.restored:
            self.stdout.write(f"loaded the newest release {report.restored.slug} again")
        advice = f"; run republish {version.slug} to archive them" if report.changed else ""
        self.stdout.write(f"Reprocessed {version.slug} in {report.seconds:.1f}s: "
                          f"{len(report.changed)} of {len(COMPARED_FILES)} file(s) changed{advice}.")

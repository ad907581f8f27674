"""python manage.py ingest [--source URL_OR_PATH] [--force] [--json]"""

from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.management.release_output import ingest_summary
from calaccess_archive.management.stage_progress import stage_progress
from calaccess_archive.selectors import release_summary, release_table_counts
from processors.pipeline.corrections import corrections_status
from processors.pipeline.ingest import release_ingest


class Command(ArchiveCommand):
    help = "Ingest the newest CAL-ACCESS release: check, download, clean and load every raw table."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", help="Export URL, file:// URL or local zip (default: CALACCESS_EXPORT_URL)")
        parser.add_argument("--force", action="store_true", help="Clean and load again even if already loaded")

    def handle(self, *args, source=None, force=False, json=False, **options):
        with stage_progress(terminal=not json and self.is_terminal()) as progress:
            report = release_ingest(source=source, force=force, progress=progress)
        document = {
            "outcome": report.outcome,
            "release": release_summary(report.version),
            "stage_seconds": report.stage_seconds,
            "peak_rss_mb": report.peak_rss_mb,
            "warnings": report.warnings,
            "tables": release_table_counts(report.version),
            "corrections": corrections_status(report.version),
        }
        if json:
            self.json_write(document)
        else:
            self.stdout.write(ingest_summary(document))

"""python manage.py nightly [--source URL_OR_PATH] [--queue] [--json]"""

from __future__ import annotations

from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.management.release_output import ingest_summary
from calaccess_archive.management.stage_progress import stage_progress
from calaccess_archive.selectors import release_summary, release_table_counts
from processors.pipeline.nightly import nightly_run


class Command(ArchiveCommand):
    help = ("The whole workflow for the state's current release, now: check, download, clean, load, process, "
            "package, upload, verify, publish. Exit 0: published or already published; 4: another run holds "
            "the pipeline lease.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", help="Export URL, file:// URL or local zip (default: CALACCESS_EXPORT_URL)")
        parser.add_argument("--queue", action="store_true",
                            help="Hand the workflow to the Celery workers and print its id, instead of running it here")

    def handle(self, *args, source=None, queue=False, json=False, **options):
        if queue:
            from tasks.nightly import nightly_check_task

            result = nightly_check_task.delay(source=source)
            if json:
                self.json_write({"queued": True, "task_id": result.id})
            else:
                self.stdout.write(f"queued: release check {result.id} (see manage.py pipelinestatus)")
            return
        with stage_progress(terminal=not json and self.is_terminal()) as progress:
            report = nightly_run(source=source, progress=progress)
        version = report.version
        document = {
            "outcome": report.outcome,
            "release": release_summary(version) if version else None,
            "stage_seconds": report.seconds,
            "warnings": report.ingest.warnings if report.ingest else [],
            "tables": release_table_counts(version) if version else {},
        }
        if json:
            self.json_write(document)
            return
        if report.outcome == "up_to_date":
            shown = version.slug if version else "none yet"
            self.stdout.write(f"Up to date: the state's release is published already (latest published: {shown}).")
            return
        if report.ingest and report.ingest.outcome == "ingested":
            self.stdout.write(ingest_summary({**document, "outcome": "ingested"}))
        steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in report.seconds.items())
        self.stdout.write(f"Published release {version.slug}: {steps}.")

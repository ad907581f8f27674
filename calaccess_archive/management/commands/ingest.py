"""python manage.py ingest [--source URL_OR_PATH] [--force] [--json]"""

import json

from django.core.management.base import BaseCommand, CommandError

from calaccess_archive.management.stage_progress import stage_progress
from processors.errors import PipelineError
from processors.pipeline.ingest import release_ingest


class Command(BaseCommand):
    help = "Ingest the newest CAL-ACCESS release: check, download, clean and load every raw table."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="Export URL, file:// URL or local zip (default: CALACCESS_EXPORT_URL)")
        parser.add_argument("--force", action="store_true", help="Clean and load again even if already loaded")
        parser.add_argument("--json", action="store_true", help="Print one JSON document instead of a table")

    def handle(self, *args, source=None, force=False, json=False, **options):
        terminal = not json and self.stdout.isatty()
        try:
            with stage_progress(terminal=terminal) as progress:
                report = release_ingest(source=source, force=force, progress=progress)
        except PipelineError as exc:
            raise CommandError(str(exc)) from None
        document = ingest_document(report)
        if json:
            self.stdout.write(_json_dumps(document))
        else:
            self.stdout.write(ingest_summary(document))


def _json_dumps(document: dict) -> str:
    return json.dumps(document, indent=2, default=str)


def ingest_document(report) -> dict:
    version = report.version
    files = version.files.order_by("table")
    return {
        "outcome": report.outcome,
        "release": {
            "id": version.pk,
            "release_datetime": version.release_datetime.isoformat(),
            "slug": version.slug,
            "source": version.source,
            "status": version.status,
            "expected_size": version.expected_size,
            "download_size": version.download_size,
            "download_sha256": version.download_sha256,
            "etag": version.etag,
            "clean_size": version.clean_size,
            "error_size": version.error_size,
            "schema_drift": version.schema_drift,
            "stages": {
                run.stage: {"status": run.status, "started_at": run.started_at, "finished_at": run.finished_at,
                            "attempts": run.attempts, "error": run.error}
                for run in version.stages.all()
            },
        },
        "stage_seconds": report.stage_seconds,
        "peak_rss_mb": report.peak_rss_mb,
        "tables": {
            f.table: {
                "status": f.status, "lines": f.lines, "blank_lines": f.blank_lines, "records_in": f.records_in,
                "rejoined": f.rejoined, "repaired": f.repaired, "quarantined": f.quarantined,
                "duplicates": f.duplicates, "records_out": f.records_out, "records_loaded": f.records_loaded,
                "value_fixes": f.value_fixes, "columns_expected": f.columns_expected,
                "columns_found": f.columns_found, "columns_added": f.columns_added,
                "columns_missing": f.columns_missing, "source_size": f.source_size,
                "clean_size": f.clean_size, "error_size": f.error_size,
            }
            for f in files
        },
    }


def ingest_summary(document: dict) -> str:
    release = document["release"]
    if document["outcome"] == "up_to_date":
        return f"Up to date: release {release['release_datetime']} is already loaded."
    header = f"{'table':<32}{'records in':>12}{'out':>12}{'loaded':>12}{'quarant.':>10}{'repaired':>10}{'rejoined':>10}{'blank':>8}"
    lines = [header, "-" * len(header)]
    totals = dict.fromkeys(["records_in", "records_out", "records_loaded", "quarantined", "repaired", "rejoined", "blank_lines"], 0)
    for table, t in document["tables"].items():
        lines.append(
            f"{table:<32}{t['records_in'] or 0:>12,}{t['records_out'] or 0:>12,}{t['records_loaded'] or 0:>12,}"
            f"{t['quarantined'] or 0:>10,}{t['repaired'] or 0:>10,}{t['rejoined'] or 0:>10,}{t['blank_lines'] or 0:>8,}"
        )
        for key in totals:
            totals[key] += t[key] or 0
    lines.append("-" * len(header))
    lines.append(
        f"{'total':<32}{totals['records_in']:>12,}{totals['records_out']:>12,}{totals['records_loaded']:>12,}"
        f"{totals['quarantined']:>10,}{totals['repaired']:>10,}{totals['rejoined']:>10,}{totals['blank_lines']:>8,}"
    )
    drift = {k: v for k, v in release["schema_drift"].items()}
    if drift:
        lines.append(f"Schema drift: {json.dumps(drift)}")
    lines.append(f"Ingested release {release['release_datetime']} ({release['status']}).")
    return "\n".join(lines)

"""What an upload run tells people: one line per file and a summary, or one JSON document; and the
one line that says why a run is not complete and what to run to finish."""

from __future__ import annotations

from .models import ArchivedFile
from .spreadsheet import SpreadsheetPlan
from .upload import PublishReport

Status = ArchivedFile.Status

# The exit code of a run that left file(s) failed or not yet verified (0: all verified, 1: an error).
EXIT_INCOMPLETE = 3


def record_summary(record: ArchivedFile) -> dict:
    """One archived file: where it is, its checksums and how far it got."""
    return {
        "name": record.name, "storage": record.storage, "status": record.status, "size": record.size,
        "md5": record.md5, "sha256": record.sha256, "attempts": record.attempts, "checks": record.checks,
        "last_error": record.last_error,
    }


def record_line(record: ArchivedFile) -> str:
    error = f"  {record.last_error}" if record.last_error else ""
    return f"{record.status:<9} {record.name} {record.size or 0} bytes, {record.attempts} attempt(s){error}"


def report_document(report: PublishReport, *, extra: dict | None = None) -> dict:
    return {**(extra or {}), "complete": report.complete, "refused": report.refused or None,
            "counts": report.counts(), "bytes_sent": report.bytes_sent, "seconds": round(report.seconds, 3),
            "files": [record_summary(r) for r in report.files]}


def report_lines(report: PublishReport) -> list[str]:
    counts = ", ".join(f"{n} {status}" for status, n in report.counts().items() if n)
    return [*(record_line(r) for r in report.files),
            f"{len(report.files)} file(s): {counts or 'none'}; {report.bytes_sent} bytes sent in {report.seconds:.1f}s"]


def report_incomplete_message(report: PublishReport, *, rerun: str) -> str:
    """One line: how many files are not archived and why, and what to run to finish."""
    counts = report.counts()
    left = len(report.files) - counts[Status.VERIFIED]
    parts = [(counts[Status.FAILED], "failed"),
             (counts[Status.UPLOADED] + counts[Status.UPLOADING], "not yet verified"),
             (counts[Status.PENDING], "not sent" if report.refused else "to send again")]
    breakdown = ", ".join(f"{n} {what}" for n, what in parts if n)
    summary = f"{left} file(s) not archived (of {len(report.files)}): {breakdown}"
    if report.refused:
        return f"archive.org refused the account, so the uploads stopped: {report.refused}; {summary}; " \
               f"run `{rerun}` again once that is cleared"
    return f"{summary}; run `{rerun}` again to finish"


def plan_document(plan: SpreadsheetPlan) -> dict:
    return {"valid": True, "items": plan.items, "files": [{"name": u.name, "path": str(u.path)} for u in plan.units]}


def plan_lines(plan: SpreadsheetPlan) -> list[str]:
    return [*(f"ok        {u.name} <- {u.path}" for u in plan.units),
            f"valid: {len(plan.units)} file(s) in {len(plan.items)} item(s); nothing uploaded"]

"""What `ingest` prints for people: a table of every raw table's counts, with totals."""

from __future__ import annotations

import json

_COLUMNS = (("records in", "records_in", 12), ("out", "records_out", 12), ("loaded", "records_loaded", 12),
            ("quarant.", "quarantined", 10), ("corrected", "corrected", 10), ("repaired", "repaired", 10), ("rejoined", "rejoined", 10),
            ("blank", "blank_lines", 8))


def _row(name: str, counts: dict) -> str:
    return f"{name:<32}" + "".join(f"{counts[key] or 0:>{width},}" for _, key, width in _COLUMNS)


def ingest_summary(document: dict) -> str:
    """The ingest's outcome as lines: one per table, a total, drift, warnings, then the release's status."""
    release = document["release"]
    if document["outcome"] == "up_to_date":
        return f"Up to date: release {release['release_datetime']} is already loaded."
    header = f"{'table':<32}" + "".join(f"{title:>{width}}" for title, _, width in _COLUMNS)
    lines = [header, "-" * len(header)]
    totals = dict.fromkeys((key for _, key, _ in _COLUMNS), 0)
    for table, counts in document["tables"].items():
        lines.append(_row(table, counts))
        for key in totals:
            totals[key] += counts[key] or 0
    lines += ["-" * len(header), _row("total", totals)]
    if release["schema_drift"]:
        lines.append(f"Schema drift: {json.dumps(release['schema_drift'])}")
    lines += corrections_lines(document.get("corrections"))
    lines += [f"Warning: {warning}" for warning in document.get("warnings", [])]
    lines.append(f"Ingested release {release['release_datetime']} ({release['status']}).")
    return "\n".join(lines)


def corrections_lines(status: dict | None) -> list[str]:
    """What the release did with the corrections register (processors.pipeline.corrections.corrections_status)."""
    if not status or not any(status.values()):
        return []
    lines = [f"Corrections: {len(status['applied'])} applied, {len(status['pending'])} pending "
             f"(applied when the release is cleaned again: ingest --force), {len(status['not_needed'])} no longer needed"]
    lines += [f"  no longer needed: {c['id']} (the record is not quarantined in this release)"
              for c in status["not_needed"]]
    return lines

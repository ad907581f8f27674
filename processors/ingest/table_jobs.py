"""Per-table work that runs in worker processes: clean one zip member, load one CSV.

Tables are independent, so the ingest fans them out over CALACCESS_WORKERS
processes. These functions take only picklable values (paths, a schema, a
connection string) and never touch Django, so a worker starts fast and small.
Each returns a dict of counts, with `engine` (which path did the work:
"native", "python", or for a load "server") and `native_missing` (why the C
path was wanted but unavailable, else "").
"""

from __future__ import annotations

import dataclasses
import resource
import time
from pathlib import Path

from .clean import CleanResult, table_clean
from .load import table_load_result
from .schema import TableSchema
from .zip_member import zip_member_open

EXPORT_DIRECTORY = "CalAccess/DATA/"


def member_name(table: str) -> str:
    return f"{EXPORT_DIRECTORY}{table}.TSV"


def table_name(member: str) -> str | None:
    """The table a zip member holds, or None for anything that is not a table file."""
    if not member.upper().startswith(EXPORT_DIRECTORY.upper()) or not member.upper().endswith(".TSV"):
        return None
    return member[len(EXPORT_DIRECTORY) : -len(".TSV")].upper()


def peak_rss_mb(pid: str = "self") -> float:
    """A process's own peak resident memory in MB (VmHWM; ru_maxrss would include its parent's).

    0 when another process's figure cannot be read.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else 0.0


def clean_job(*, zip_path: Path, member: str, schema: TableSchema, clean_path: Path, errors_path: Path,
              corrections: dict | None = None) -> dict:
    started = time.time()
    with zip_member_open(zip_path, member) as source:
        result: CleanResult = table_clean(
            source=source, schema=schema, clean_path=clean_path, errors_path=errors_path, corrections=corrections
        )
    return {
        **dataclasses.asdict(result),
        "seconds": time.time() - started,
        "peak_rss_mb": peak_rss_mb(),
    }


def load_job(*, conninfo: str, schema: TableSchema, clean_path: Path, header: list[str], expected_records: int,
             tag: str, values_to_convert: int = 0) -> dict:
    """Load one cleaned table into its staging copy, tagged `tag` (processors.ingest.load)."""
    started = time.time()
    loaded = table_load_result(
        conninfo=conninfo, schema=schema, clean_path=clean_path, header=header, expected_records=expected_records,
        tag=tag, values_to_convert=values_to_convert,
    )
    return {
        "table": schema.name, "records_loaded": loaded.records_loaded, "engine": loaded.engine,
        "native_missing": loaded.native_missing, "conversions": loaded.conversions,
        "seconds": time.time() - started, "peak_rss_mb": peak_rss_mb(),
    }

"""Cleaning one table: the export's TSV bytes in, a UTF-8 CSV the loader can COPY out.

This module streams the table through and keeps the files and counts; which
line becomes what is decided in processors/clean_records.py. Nothing is
dropped silently (rules in docs/cleaning.md): a line is written as is, decoded,
rejoined with the lines after it, repaired, or quarantined with its line
number, the reason and its original bytes; blank lines are counted, not kept.

Counts keep one invariant: records_in == records_out + quarantined (records corrected
by hand are in records_out, and counted as corrected).

The cleaned CSV has the source file's header (column names, in the source's
order) and every field quoted, so an empty text stays an empty text; the loader
turns an empty typed value into NULL.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .clean_records import TableCleaner, csv_line
from .evidence import EvidenceRepairs
from .decode import decode_for_humans
from .native import NATIVE, PYTHON, block_cleaner, unavailable_reason
from .native.merges import merge_search
from .schema import TableSchema

CHUNK_SIZE = 1024 * 1024
ERRORS_HEADER = ["line", "line_count", "reason", "original_text", "original_base64"]


@dataclass
class CleanResult:
    table: str
    lines: int = 0
    blank_lines: int = 0
    records_in: int = 0
    rejoined: int = 0
    repaired: int = 0  # repaired_unique + repaired_by_evidence
    repaired_unique: int = 0  # one merge of fields made a valid record
    repaired_by_evidence: int = 0  # several did; the table's other records singled one out
    quarantined: int = 0
    # Records quarantined but for a correction made by hand, written corrected (in records_out).
    corrected: int = 0
    duplicates: int = 0
    records_out: int = 0
    value_fixes: dict = field(default_factory=dict)
    columns_expected: int = 0
    columns_found: int = 0
    columns_added: list = field(default_factory=list)
    columns_missing: list = field(default_factory=list)
    header: list = field(default_factory=list)
    source_size: int = 0
    clean_size: int = 0
    error_size: int = 0
    clean_sha256: str = ""
    # The corrections written, in order: {"sha256", "line", "record", "original_base64"}
    # (processors/ingest/corrections.py).
    corrections_applied: list = field(default_factory=list)
    # Which path cleaned the table: NATIVE (the C fast path) or PYTHON; and why
    # the C path was wanted but unavailable. Not compared: the paths' results are equal.
    engine: str = field(default=PYTHON, compare=False)
    native_missing: str = field(default="", compare=False)


class _HashingWriter(io.RawIOBase):
    """A binary file that also hashes and counts what goes through it."""

    def __init__(self, path: Path):
        self._file = open(path, "wb")
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self._file.write(data)

    def flush(self) -> None:
        if not self._file.closed:
            self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        super().close()


def _read_header(source: BinaryIO) -> tuple[list[str], int]:
    """The column names of the header line and its length in bytes."""
    line = source.readline()
    names = [decode_for_humans(n).strip() for n in line.rstrip(b"\r\n").split(b"\t")]
    while names and names[-1] == "":
        names.pop()  # headers are written with and without a trailing tab
    return [n.upper() for n in names], len(line)


def table_clean(
    *,
    source: BinaryIO,
    schema: TableSchema,
    clean_path: Path,
    errors_path: Path,
    on_progress: Callable[[int], None] | None = None,
    native: bool = True,
    repairs_path: Path | None = None,
    corrections: dict | None = None,
) -> CleanResult:
    """Clean one table from the `source` stream (a zip member) into `clean_path`.

    Quarantined records go to `errors_path` (a CSV with ERRORS_HEADER), repaired
    ones are listed in `repairs_path` (default `<TABLE>.repairs.csv` beside the
    errors file; REPAIRS_HEADER; written only when the table has repairs). The
    files are written under temporary names and renamed when complete.
    `native=False` keeps to the pure-Python fast path (same results, slower).
    `corrections` ({sha256 of a record's original bytes: {column: value}}) are
    written instead of the records they correct, which are not quarantined.
    """
    result = CleanResult(table=schema.name, columns_expected=len(schema.columns))
    header, header_size = _read_header(source)
    if not header:  # an empty table: the export ships some as 0-byte files
        header = schema.column_names
    else:
        result.columns_found = len(header)
        known = set(schema.column_names)
        result.columns_added = [n for n in header if n not in known]
        result.columns_missing = [n for n in schema.column_names if n not in header]
    result.header = header
    result.source_size = header_size

    clean_tmp = clean_path.with_name(clean_path.name + ".part")
    errors_tmp = errors_path.with_name(errors_path.name + ".part")
    clean_path.parent.mkdir(parents=True, exist_ok=True)
    errors_path.parent.mkdir(parents=True, exist_ok=True)
    clean_raw = _HashingWriter(clean_tmp)
    errors_raw = _HashingWriter(errors_tmp)
    # Large writes: the C path hands over a block's CSV at once.
    with io.BufferedWriter(clean_raw, buffer_size=CHUNK_SIZE) as out, io.TextIOWrapper(
        errors_raw, encoding="utf-8", newline=""
    ) as errors_file:
        out.write(csv_line(header))
        csv.writer(errors_file, lineterminator="\n").writerow(ERRORS_HEADER)
        evidence = EvidenceRepairs(
            TableCleaner.file_columns(schema, header),
            pending_path=clean_path.with_name(clean_path.name + ".pending.part"),
            repairs_path=repairs_path or errors_path.with_name(f"{schema.name}.repairs.csv"),
        )
        cleaner = TableCleaner(schema, header, out, errors_file, result, evidence, corrections)
        if native:
            cleaner.merge_search = merge_search(cleaner.columns)
        if native and cleaner.fast_path:
            cleaner.native = block_cleaner(cleaner.columns)
            if cleaner.native is None:
                result.native_missing = unavailable_reason() or ""
        result.engine = NATIVE if cleaner.native is not None else PYTHON
        carry: list[str] = []
        tail = b""
        line_number = 2  # the header is line 1
        while True:
            chunk = source.read(CHUNK_SIZE)
            result.source_size += len(chunk)
            if on_progress is not None:
                on_progress(len(chunk))
            data = tail + chunk
            final = not chunk
            cut = len(data) if final else data.rfind(b"\n") + 1
            body, tail = data[:cut], data[cut:]
            new_lines = body.count(b"\n") + (1 if final and body and not body.endswith(b"\n") else 0)
            result.lines += new_lines
            if carry:
                batch = carry + body.decode("latin-1").split("\n")
                if batch[-1] == "":
                    batch.pop()
                first = line_number - len(carry)
                carry = cleaner.lines(batch, first, final)
            else:
                carry = cleaner.batch(body, line_number, final)
            line_number += new_lines
            if final:
                break
        out.flush()
        clean_raw.flush()
        cleaner.finish(clean_tmp)
        evidence.close()
        result.value_fixes = dict(sorted(cleaner.fixes.items()))
    result.clean_size, result.clean_sha256 = clean_raw.size, clean_raw.sha256.hexdigest()
    result.error_size = errors_raw.size
    clean_tmp.replace(clean_path)
    errors_tmp.replace(errors_path)
    return result

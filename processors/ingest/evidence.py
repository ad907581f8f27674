"""The files behind repairs decided by evidence: records put aside, and the repairs list.

A record with several valid merges cannot be decided before the table's
columns are known, so it is put aside in a file (never in memory) and decided
at the end of the table, against the profile of the table's cleaned records
(`table_profile`). Every repair, by a unique merge or by evidence, is listed in
the table's repairs file beside its errors file, with the original bytes, so
each one can be checked and undone: see REPAIRS_HEADER and docs/cleaning.md.
"""

from __future__ import annotations

import base64
import csv
import pickle
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

from .column_profile import TableProfile
from .decode import decode_for_humans
from .repair import EvidenceChoice, MergeSpace, merged_columns
from .schema import Column

REPAIRED_UNIQUE = "unique"
REPAIRED_BY_EVIDENCE = "evidence"
REPAIRS_HEADER = [
    "line", "line_count", "kind", "merged_columns", "runner_up_columns", "score", "runner_up_score",
    "original_text", "original_base64",
]
# The profile is learned from the table's first cleaned records, up to this many.
PROFILE_RECORDS = 20_000
PROFILE_BATCH = 2_000


def original_bytes(lines: Sequence[str]) -> bytes:
    """The exact bytes of a record's physical lines (each held as Latin-1 text), line ends included."""
    return "\n".join(lines).encode("latin-1") + b"\n"


class PendingRecord:
    """A record put aside: its lines, first line number, decoded fields and the value fixes of its decoding."""

    __slots__ = ("lines", "line", "fields", "fixes", "rejoined", "space")

    def __init__(self, lines: list[str], line: int, fields: list[str], fixes: Counter, rejoined: bool,
                 space: MergeSpace):
        self.lines, self.line, self.fields, self.fixes, self.rejoined = lines, line, fields, fixes, rejoined
        self.space = space  # every valid merge, in the columns where they differ


class EvidenceRepairs:
    """The put-aside file and the repairs file of one table (both written under .part names)."""

    def __init__(self, columns: Sequence[Column], pending_path: Path, repairs_path: Path):
        self.columns = list(columns)
        self.pending_path = pending_path
        self.repairs_path = repairs_path
        self.repairs_tmp = repairs_path.with_name(repairs_path.name + ".part")
        self.pending = 0
        self.doubt: set[int] = set()
        self.repairs = 0
        self._pending_file = None
        self._repairs_file = None
        self._repairs_writer = None

    # -- put aside ---------------------------------------------------------
    def defer(self, lines: list[str], line: int, fields: list[str], fixes: Counter, rejoined: bool,
              space: MergeSpace) -> None:
        """Put a record aside with the space of its valid merges (whose columns are the ones to profile)."""
        if self._pending_file is None:
            self._pending_file = open(self.pending_path, "wb")
        # Pickled: the file lives only while its table is cleaned, by this process.
        pickle.dump((lines, line, fields, dict(fixes), rejoined, space), self._pending_file, pickle.HIGHEST_PROTOCOL)
        self.doubt.update(space.columns)
        self.pending += 1

    def pending_records(self) -> Iterator[PendingRecord]:
        """The records put aside, in the order they came; the file is removed once read."""
        if self._pending_file is None:
            return
        self._pending_file.close()
        with open(self.pending_path, "rb") as f:
            for _ in range(self.pending):
                lines, line, fields, fixes, rejoined, space = pickle.load(f)
                yield PendingRecord(lines, line, fields, Counter(fixes), rejoined, space)
        self.pending_path.unlink()

    def columns_in_doubt(self) -> set[int]:
        """Every column some put-aside record's merges disagree on (only these are profiled)."""
        return set(self.doubt)

    # -- the repairs list --------------------------------------------------
    def record_repair(self, lines: list[str], line: int, kind: str, record: list[str],
                      choice: EvidenceChoice | None = None) -> None:
        if self._repairs_writer is None:
            self._repairs_file = open(self.repairs_tmp, "w", encoding="utf-8", newline="")
            self._repairs_writer = csv.writer(self._repairs_file, lineterminator="\n")
            self._repairs_writer.writerow(REPAIRS_HEADER)
        original = original_bytes(lines)
        scores = ["", ""] if choice is None else [f"{choice.best_score:.2f}", f"{choice.runner_up_score:.2f}"]
        self._repairs_writer.writerow([
            line, len(lines), kind, merged_columns(self.columns, record),
            "" if choice is None else merged_columns(self.columns, choice.runner_up), *scores,
            decode_for_humans(original), base64.b64encode(original).decode(),
        ])
        self.repairs += 1

    def close(self) -> None:
        """Put the repairs file in place (or remove an earlier one: this run repaired nothing)."""
        if self._pending_file is not None and not self._pending_file.closed:
            self._pending_file.close()
        self.pending_path.unlink(missing_ok=True)
        if self._repairs_file is not None:
            self._repairs_file.close()
            self.repairs_tmp.replace(self.repairs_path)
        else:
            self.repairs_path.unlink(missing_ok=True)


def table_profile(clean_csv: Path, ncolumns: int, columns: set[int]) -> TableProfile:
    """The profile of `columns` over the first PROFILE_RECORDS records of a cleaned CSV (header skipped)."""
    profile = TableProfile(ncolumns, columns)
    with open(clean_csv, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        records = islice(reader, PROFILE_RECORDS)
        while batch := list(islice(records, PROFILE_BATCH)):
            profile.add_records(batch)
    return profile

"""The record-level rules of the clean stage: which path a line takes and what comes out.

Each line of a table takes the cheapest path that can decide it:
- native: one C call per block (processors/native) decides every line that
  makes a valid record on its own, decoding and mapping its values, and every
  blank line;
- fast (without the C path): printable ASCII, CRLF, every value valid as it
  stands, one regex per line; written as is;
- decoded (without the C path): a complete line that needs decoding,
  control-byte mapping or flag conversion, then matches the table's pattern;
- slow: everything else, field by field: rejoined, repaired or quarantined.
Rules: docs/cleaning.md.

Records are written as CSV lines (UTF-8 bytes, every field quoted); the last
one written is kept to count adjacent duplicates, whichever path wrote it.
"""

from __future__ import annotations

import base64
import csv
import io
import operator
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .corrections import correction_values, original_sha256
from .decode import FIX_LOST_HIGH_BIT, FIX_NUL_SUB, FIX_UTF16_APOSTROPHE, FIX_WINDOWS_1252, decode_for_humans, decode_line
from .native import BLANK, DUPLICATE, LEFT_TO_PYTHON
from .evidence import REPAIRED_BY_EVIDENCE, REPAIRED_UNIQUE, EvidenceRepairs, original_bytes, table_profile
from .repair import EVIDENCE_MARGIN, merge_by_evidence, tab_repair
from .schema import DATE, FLAG_INTEGERS, INTEGER, PG_SPACE, TEXT, Column, TableSchema, row_pattern

# A record split by stray line breaks is looked for over at most this many lines.
MAX_REJOIN_LINES = 50

FIX_FLAG = "flag_to_integer"
FIX_BLANK_NUMBER = "blank_number_to_null"
FIX_TRAILING_CR = "stray_cr_before_line_end"
FIX_TIME_NOT_LOADED = "time_of_day_not_loaded"
_HAS_FLAG_LETTER = re.compile("[%s]" % "".join(FLAG_INTEGERS))
# The value-fix counters of processors/native/fastclean.c, in its order.
_NATIVE_FIXES = (FIX_WINDOWS_1252, FIX_NUL_SUB, FIX_UTF16_APOSTROPHE, FIX_LOST_HIGH_BIT, FIX_FLAG, FIX_TRAILING_CR)


def csv_line(fields: list[str]) -> bytes:
    """One CSV line of the cleaned file: every field quoted, quotes doubled, LF end."""
    return ('"' + '","'.join(f.replace('"', '""') for f in fields) + '"\n').encode("utf-8")


class TableCleaner:
    """Cleans the lines of one table file in order, writing records and quarantines."""

    def __init__(self, schema: TableSchema, header: list[str], out: io.BufferedIOBase, errors_file, result,
                 evidence: EvidenceRepairs, corrections: dict | None = None):
        self.result = result
        # Records with several valid merges wait there for the table's profile; every repair is listed.
        self.evidence = evidence
        # {sha256 of a record's original bytes: {column: value}}: records corrected by hand (corrections.py).
        self.corrections = corrections or {}
        self.columns = self.file_columns(schema, header)
        self.ncols = len(self.columns)
        self.row_re = row_pattern(self.columns)
        # A single decoded line: no line breaks in text.
        self.decoded_row_re = row_pattern(self.columns, text=r"[^\t\r\n]")
        # A record the slow path put together: rejoined text keeps its line breaks.
        self.record_re = row_pattern(self.columns, text=r"[^\t]")
        self.integer_indexes = [i for i, c in enumerate(self.columns) if c.kind == INTEGER]
        self.typed_columns = [(i, c) for i, c in enumerate(self.columns) if c.kind != TEXT]
        self.native = None
        self.merge_search = None  # the C search for records with several surplus fields (native.merges)
        self.out = out
        self.errors = csv.writer(errors_file, lineterminator="\n")
        self.fixes: Counter = Counter()
        self.previous: bytes | None = None  # the CSV line of the last record written
        self.pk_index = header.index(schema.primary_key) if schema.primary_key in header else None
        self.pk_seen: set[str] = set()
        # Keys must be checked one by one; such tables are small.
        self.fast_path = self.pk_index is None

    @staticmethod
    def file_columns(schema: TableSchema, header: list[str]) -> list[Column]:
        """The columns of the file, in its order; columns the state added are text of any length (drift)."""
        known = {c.name: c for c in schema.columns}
        return [known.get(name) or Column(name, TEXT) for name in header]

    # -- fast path ---------------------------------------------------------
    def batch(self, body: bytes, first_line: int, final: bool) -> list[str]:
        """Clean the lines of `body`; return the trailing lines waiting for the next batch."""
        if self.native is not None and body.endswith(b"\n"):
            return self._native_batch(body, first_line, final)
        text = body.decode("latin-1")  # one char per byte: the slow path re-encodes exactly
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return self.lines(lines, first_line, final, text=text if text.endswith("\n") else None)

    def _native_batch(self, body: bytes, first_line: int, final: bool) -> list[str]:
        block = self.native.clean(body)
        if LEFT_TO_PYTHON not in block.status:  # the common case: C decided every line
            self._write_native(block, 0, len(block.status))
            return []
        return self.lines(block.lines, first_line, final, native=block)

    def lines(self, lines: Sequence[str], first_line: int, final: bool, text: str | None = None, native=None) -> list[str]:
        """Clean `lines`; `text` is the same lines as one string, when the caller has it;
        `native` is what the C fast path made of them (a CleanedBlock), when it ran."""
        if not lines:
            return []
        if native is not None:
            matches = native.status  # LEFT_TO_PYTHON (0) is falsy
        elif self.fast_path:
            matches = list(map(self.row_re.fullmatch, lines))
        else:
            matches = [None] * len(lines)
        if text is not None and all(matches):
            self._write_fast(lines, text)
            return []
        start = 0
        n = len(lines)
        while start < n:
            if matches[start]:
                if native is not None:
                    end = native.status.find(LEFT_TO_PYTHON, start)
                    end = n if end < 0 else end
                    self._write_native(native, start, end)
                else:
                    end = start + 1
                    while end < n and matches[end]:
                        end += 1
                    self._write_fast(lines[start:end])
                start = end
                continue
            # The C path already decodes every line that the decoded path could take.
            record = self._decoded(lines[start]) if self.fast_path and native is None else None
            if record is not None:
                self._write_decoded(record)
                start += 1
                continue
            consumed = self._slow(lines, start, first_line, final)
            if consumed == 0:
                return lines[start:]
            start += consumed
        return []

    def _write_native(self, block, start: int, end: int) -> None:
        """Write lines start..end-1 of a CleanedBlock, all decided by the C path."""
        status, offsets = block.status, block.offsets
        blanks = status.count(BLANK, start, end)
        self.result.blank_lines += blanks
        if blanks == end - start:
            return
        first, last = start, end - 1
        while status[first] == BLANK:
            first += 1
        while status[last] == BLANK:
            last -= 1
        csv_block = block.csv
        # The first record's status compares it with the block's lines, which the
        # Python paths may have rejoined: it is compared with what was written instead.
        duplicates = status.count(DUPLICATE, first + 1, end) + (csv_block[offsets[first] : offsets[first + 1]] == self.previous)
        self.previous = csv_block[offsets[last] : offsets[last + 1]]
        self.out.write(csv_block[offsets[start] : offsets[end]])
        for name, count in zip(_NATIVE_FIXES, block.fixes(start, end)):
            if count:
                self.fixes[name] += count
        self._count_clean(end - start - blanks, duplicates)

    def _count_clean(self, records: int, duplicates: int) -> None:
        self.result.records_in += records
        self.result.records_out += records
        self.result.duplicates += duplicates

    @staticmethod
    def _fast_csv(body: str) -> str:
        """CSV lines of strict-pattern lines (printable ASCII, each ending in CR LF)."""
        if '"' in body:
            body = body.replace('"', '""')
        return '"' + body.replace("\t", '","').replace("\r\n", '"\n"')[:-1]

    def _write_fast(self, run: list[str], text: str | None = None) -> None:
        """Write lines that passed the row pattern (each still ends in CR)."""
        first = self._fast_csv(run[0] + "\n").encode("ascii")
        duplicates = sum(map(operator.eq, run, run[1:])) + (first == self.previous)
        self.previous = self._fast_csv(run[-1] + "\n").encode("ascii")
        body = text if text is not None else "\n".join(run) + "\n"
        self.out.write(self._fast_csv(body).encode("ascii"))
        self._count_clean(len(run), duplicates)

    # -- decoded path: a complete line with non-ASCII text, control bytes or flags --
    def _decoded(self, line: str) -> str | None:
        """The cleaned record (tab-separated) of a complete, valid line; None if it is not one."""
        raw = line.encode("latin-1")
        if not raw.endswith(b"\r") or raw.endswith(b"\r\r"):
            return None  # split records and stray CRs take the slow path
        raw = raw[:-1]
        fixes: Counter = Counter()
        text = decode_line(raw, fixes)
        if not self.decoded_row_re.fullmatch(text):
            return None
        if self.integer_indexes and _HAS_FLAG_LETTER.search(text):
            fields = text.split("\t")
            # Kept as the state wrote them; counted, since the load converts them.
            flags = sum(fields[i] in FLAG_INTEGERS for i in self.integer_indexes)
            if flags:
                fixes[FIX_FLAG] += flags
        self.fixes.update(fixes)
        return text

    def _write_decoded(self, record: str) -> None:
        self.result.records_in += 1
        self._write_record(record.split("\t"))

    # -- slow path ---------------------------------------------------------
    @staticmethod
    def _fields(line: str, fixes: Counter) -> tuple[list[str], bool]:
        """Decoded fields of a physical line and whether it ended in CRLF."""
        raw = line.encode("latin-1")
        crlf = raw.endswith(b"\r")
        if crlf:
            raw = raw[:-1]
            while raw.endswith(b"\r"):
                raw = raw[:-1]
                fixes[FIX_TRAILING_CR] += 1
        return decode_line(raw, fixes).split("\t"), crlf

    def _slow(self, lines: list[str], i: int, first_line: int, final: bool) -> int:
        """Handle the record starting at lines[i]; return how many lines it used (0: wait)."""
        # Fixes count only for values that reach the clean file.
        fixes: Counter = Counter()
        fields, crlf = self._fields(lines[i], fixes)
        if fields == [""]:
            self.result.blank_lines += 1
            return 1
        first_count = len(fields)
        used = 1
        rejoined = False
        while len(fields) < self.ncols:
            j = i + used
            if j >= len(lines):
                if not final and used < MAX_REJOIN_LINES:
                    return 0  # the rest of the record may be in the next batch
                break
            more, next_crlf = self._fields(lines[j], fixes)
            if more == [""] or used >= MAX_REJOIN_LINES:
                break
            fields[-1] += ("\r\n" if crlf else "\n") + more[0]
            fields.extend(more[1:])
            crlf = next_crlf
            used += 1
            rejoined = True
        repair = None
        if len(fields) > self.ncols:
            repaired, reason, space = tab_repair(self.columns, fields, self.merge_search)
            if space is not None:
                # Several valid merges: decided by what the columns usually hold, once the table has been read.
                self.evidence.defer(lines[i : i + used], first_line + i, fields, fixes, rejoined, space)
                return used
            fields = repaired
            repair = REPAIRED_UNIQUE
        if fields is None:
            record = None
        else:
            record, reason = self._complete(fields, fixes, repair)
        if record is None:
            if rejoined:
                # The lines did not make a record together; the first is quarantined
                # alone and the next one gets its own chance.
                used = 1
            if first_count < self.ncols:
                reason = f"too few fields ({first_count} of {self.ncols}); {reason}"
            self._quarantine(lines[i : i + used], first_line + i, reason)
            return used
        if repair is not None:
            self.evidence.record_repair(lines[i : i + used], first_line + i, repair, record)
        self._write_complete(record, fixes, rejoined)
        return used

    def _write_complete(self, record: list[str], fixes: Counter, rejoined: bool) -> None:
        self.fixes.update(fixes)
        self.result.records_in += 1
        self.result.rejoined += rejoined
        self._write_record(record)

    def _complete(self, fields: list[str], fixes: Counter, repair: str | None = None) -> tuple[list[str] | None, str]:
        """The valid record `fields` stand for (`repair`: how its extra tabs were put back), or None and why not."""
        if len(fields) < self.ncols:
            return None, "no following lines complete the record"
        if repair is not None or self.record_re.fullmatch("\t".join(fields)):
            # A repair merges valid values only (repair.py); the common case is checked in one go.
            invalid = []
        else:
            invalid = [c.name for c, v in zip(self.columns, fields) if not c.is_valid(v)]
        if invalid:
            shown = ", ".join(f"{name}={fields[self._index(name)]!r}" for name in invalid[:3])
            return None, f"invalid value for {shown}"
        self._count_conversions(fields, fixes)
        record = list(fields)
        if self.pk_index is not None:
            key = record[self.pk_index]
            if key == "" or key in self.pk_seen:
                return None, f"primary key {self.columns[self.pk_index].name} is {'empty' if key == '' else 'duplicated'}"
            self.pk_seen.add(key)
        if repair is not None:
            self.result.repaired += 1
            if repair == REPAIRED_UNIQUE:
                self.result.repaired_unique += 1
            else:
                self.result.repaired_by_evidence += 1
        return record, ""

    def _index(self, name: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.name == name)

    def _count_conversions(self, values: list[str], fixes: Counter) -> None:
        """Count what the load will convert in a record's typed values (the cleaned CSV keeps them as the
        state wrote them)."""
        for i, column in self.typed_columns:
            value = values[i]
            if value == "":
                continue
            if value.strip(PG_SPACE) == "":
                fixes[FIX_BLANK_NUMBER] += 1  # NULL in the table
            elif column.kind == INTEGER and value in FLAG_INTEGERS:
                fixes[FIX_FLAG] += 1  # its digit in the table
            elif column.kind == DATE and " " in value.strip() and not value.strip().endswith(" 12:00:00 AM"):
                # The model's column is a DATE: the time of day stays in the cleaned CSV only.
                fixes[FIX_TIME_NOT_LOADED] += 1

    # -- records put aside: decided by evidence, at the end of the table ----
    def finish(self, clean_csv: Path) -> None:
        """Decide the records put aside, against the profile of `clean_csv` (what is written so far)."""
        if not self.evidence.pending:
            return
        profile = table_profile(clean_csv, self.ncols, self.evidence.columns_in_doubt())
        for pending in self.evidence.pending_records():
            choice = merge_by_evidence(pending.fields, profile, pending.space)
            record = None
            if choice.decided:
                record, reason = self._complete(choice.best, pending.fixes, REPAIRED_BY_EVIDENCE)
            else:
                reason = (
                    f"{len(pending.fields) - self.ncols} field(s) too many and more than one merge of text columns "
                    f"is valid; the table's other records do not single one out (margin {choice.margin:.1f} "
                    f"< {EVIDENCE_MARGIN:g}; ambiguous)"
                )
            if record is None:
                self._quarantine(pending.lines, pending.line, reason)
                continue
            self.evidence.record_repair(pending.lines, pending.line, REPAIRED_BY_EVIDENCE, record, choice)
            self._write_complete(record, pending.fixes, pending.rejoined)

    def _write_record(self, record: list[str]) -> None:
        line = csv_line(record)
        if line == self.previous:
            self.result.duplicates += 1
        self.previous = line
        self.out.write(line)
        self.result.records_out += 1

    def _quarantine(self, lines: list[str], line_number: int, reason: str) -> None:
        original = original_bytes(lines)
        if self.corrections:
            applied, why = self._correct(original, line_number)
            if applied:
                return
            reason = f"{reason}; {why}" if why else reason
        self.errors.writerow(
            [line_number, len(lines), reason, decode_for_humans(original), base64.b64encode(original).decode()]
        )
        self.result.records_in += 1
        self.result.quarantined += 1

    def _correct(self, original: bytes, line_number: int) -> tuple[bool, str]:
        """Write the correction of a record about to be quarantined, if it has one: (written, why not)."""
        digest = original_sha256(original)
        record = self.corrections.get(digest)
        if record is None:
            return False, ""
        values, why = correction_values(self.columns, record)
        if values is None:
            return False, why
        fixes: Counter = Counter()
        self._count_conversions(values, fixes)
        if self.pk_index is not None:
            key = values[self.pk_index]
            if key == "" or key in self.pk_seen:
                return False, (f"its correction's primary key {self.columns[self.pk_index].name} is "
                               f"{'empty' if key == '' else 'duplicated'}")
            self.pk_seen.add(key)
        self.fixes.update(fixes)
        self.result.records_in += 1
        self.result.corrected += 1
        self.result.corrections_applied.append({"sha256": digest, "line": line_number, "record": dict(record),
                                                "original_base64": base64.b64encode(original).decode()})
        self._write_record(values)
        return True, ""

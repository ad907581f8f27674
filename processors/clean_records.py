"""The record-level rules of the clean stage: which path a line takes and what comes out.

Each line of a table takes the cheapest path that can decide it:
- fast: printable ASCII, CRLF, every value valid as it stands (one C call per
  block, processors/native, or one regex per line); written as is;
- decoded: a complete line that needs decoding, control-byte mapping or flag
  conversion, then matches the table's pattern;
- slow: everything else, field by field: rejoined, repaired or quarantined.
Rules: docs/cleaning.md.
"""

from __future__ import annotations

import base64
import csv
import io
import operator
import re
from collections import Counter

from .decode import decode_for_humans, decode_line
from .repair import tab_repair
from .schema import DATE, FLAG_INTEGERS, INTEGER, TEXT, Column, TableSchema

# A record split by stray line breaks is looked for over at most this many lines.
MAX_REJOIN_LINES = 50

FIX_FLAG = "flag_to_integer"
FIX_BLANK_NUMBER = "blank_number_to_null"
FIX_TRAILING_CR = "stray_cr_before_line_end"
FIX_TIME_NOT_LOADED = "time_of_day_not_loaded"
_HAS_FLAG_LETTER = re.compile("[%s]" % "".join(FLAG_INTEGERS))


def _row_pattern(columns: list[Column], *, any_text: bool = False) -> re.Pattern:
    """A regex that matches only valid records (a subset of them).

    The strict form (for the raw line, CR included) lets text hold only
    printable ASCII and integers only digits. The `any_text` form (for a line
    already decoded and without its CR) lets text hold any character but tab
    and line breaks, and integers hold flags.
    """
    parts = []
    for c in columns:
        pattern = c.fast_pattern()
        if c.kind == TEXT:
            pattern = pattern.replace(r"[^\t]", r"[^\t\r\n]" if any_text else r"[ -~]")
        elif c.kind == INTEGER and any_text:
            pattern = r"(?:-?\d{1,9}|[%s])?" % "".join(FLAG_INTEGERS)
        parts.append(pattern)
    # (?!\r|$): an empty line is a blank line, even in a one-column table (FILERS_CD).
    return re.compile(r"(?!\r|$)" + "\t".join(parts) + ("" if any_text else "\r"))


class TableCleaner:
    """Cleans the lines of one table file in order, writing records and quarantines."""

    def __init__(self, schema: TableSchema, header: list[str], out: io.TextIOBase, errors_file, result):
        self.result = result
        known = {c.name: c for c in schema.columns}
        # Columns the state added are kept, as text of any length (recorded as drift).
        self.columns = [known.get(name) or Column(name, TEXT) for name in header]
        self.ncols = len(self.columns)
        self.row_re = _row_pattern(self.columns)
        self.decoded_row_re = _row_pattern(self.columns, any_text=True)
        self.integer_indexes = [i for i, c in enumerate(self.columns) if c.kind == INTEGER]
        self.native = None
        self.out = out
        self.writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        self.errors = csv.writer(errors_file, lineterminator="\n")
        self.fixes: Counter = Counter()
        self.previous: str | None = None
        self.pk_index = header.index(schema.primary_key) if schema.primary_key in header else None
        self.pk_seen: set[str] = set()
        # Keys must be checked one by one; such tables are small.
        self.fast_path = self.pk_index is None

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
        csv_block, offsets, status = self.native.clean(body)
        if 0 not in status:  # the common case: every line valid as it stands
            first = body[: body.index(b"\n") - 1].decode("ascii")
            duplicates = status.count(2) + (first == self.previous)
            self.previous = body[body.rfind(b"\n", 0, len(body) - 1) + 1 : -2].decode("ascii")
            self.out.write(csv_block.decode("ascii"))
            self._count_clean(len(status), duplicates)
            return []
        lines = body.decode("latin-1").split("\n")
        lines.pop()
        return self.lines(lines, first_line, final, native=(csv_block, offsets, status))

    def lines(self, lines: list[str], first_line: int, final: bool, text: str | None = None, native=None) -> list[str]:
        """Clean `lines`; `text` is the same lines as one string, when the caller has it;
        `native` is what the C fast path made of them, when it ran."""
        if not lines:
            return []
        if native is not None:
            matches = list(native[2])  # 0 means "not valid as it stands"
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
                end = start + 1
                while end < n and matches[end]:
                    end += 1
                if native is not None:
                    self._write_native(lines, start, end, native)
                else:
                    self._write_fast(lines[start:end])
                start = end
                continue
            record = self._decoded(lines[start]) if self.fast_path else None
            if record is not None:
                self._write_decoded(record)
                start += 1
                continue
            consumed = self._slow(lines, start, first_line, final)
            if consumed == 0:
                return lines[start:]
            start += consumed
        return []

    def _write_native(self, lines: list[str], start: int, end: int, native) -> None:
        csv_block, offsets, status = native
        duplicates = status[start:end].count(2) + (lines[start][:-1] == self.previous)
        self.previous = lines[end - 1][:-1]
        self.out.write(csv_block[offsets[start] : offsets[end]].decode("ascii"))
        self._count_clean(end - start, duplicates)

    def _count_clean(self, records: int, duplicates: int) -> None:
        self.result.records_in += records
        self.result.records_out += records
        self.result.duplicates += duplicates

    def _write_fast(self, run: list[str], text: str | None = None) -> None:
        """Write lines that passed the row pattern (each still ends in CR)."""
        duplicates = sum(map(operator.eq, run, run[1:]))
        if run[0][:-1] == self.previous:
            duplicates += 1
        self.previous = run[-1][:-1]
        body = text if text is not None else "\n".join(run) + "\n"
        if '"' in body:
            body = body.replace('"', '""')
        body = body.replace("\t", '","').replace("\r\n", '"\n"')
        self.out.write('"' + body[:-1])
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
            for i in self.integer_indexes:
                if fields[i] in FLAG_INTEGERS:
                    fields[i] = FLAG_INTEGERS[fields[i]]
                    fixes[FIX_FLAG] += 1
            text = "\t".join(fields)
        self.fixes.update(fixes)
        return text

    def _write_decoded(self, record: str) -> None:
        if record == self.previous:
            self.result.duplicates += 1
        self.previous = record
        self.out.write('"' + record.replace('"', '""').replace("\t", '","') + '"\n')
        self._count_clean(1, 0)

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
        record, reason = self._complete(fields, fixes)
        if record is None:
            if rejoined:
                # The lines did not make a record together; the first is quarantined
                # alone and the next one gets its own chance.
                used = 1
            if first_count < self.ncols:
                reason = f"too few fields ({first_count} of {self.ncols}); {reason}"
            self._quarantine(lines[i : i + used], first_line + i, reason)
            return used
        self.fixes.update(fixes)
        self.result.records_in += 1
        self.result.rejoined += rejoined
        self._write_record(record)
        return used

    def _complete(self, fields: list[str], fixes: Counter) -> tuple[list[str] | None, str]:
        """The valid record `fields` stand for, or None and why not."""
        if len(fields) < self.ncols:
            return None, "no following lines complete the record"
        if len(fields) > self.ncols:
            record, reason = tab_repair(self.columns, fields)
            if record is None:
                return None, reason
            repaired = True
            fields = record
        else:
            repaired = False
        if self.decoded_row_re.fullmatch("\t".join(fields)):
            invalid = []  # the common case, checked in one go
        else:
            invalid = [c.name for c, v in zip(self.columns, fields) if not c.is_valid(v)]
        if invalid:
            shown = ", ".join(f"{name}={fields[self._index(name)]!r}" for name in invalid[:3])
            return None, f"invalid value for {shown}"
        record = [self._normalize(c, v, fixes) for c, v in zip(self.columns, fields)]
        if self.pk_index is not None:
            key = record[self.pk_index]
            if key == "" or key in self.pk_seen:
                return None, f"primary key {self.columns[self.pk_index].name} is {'empty' if key == '' else 'duplicated'}"
            self.pk_seen.add(key)
        self.result.repaired += repaired
        return record, ""

    def _index(self, name: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.name == name)

    @staticmethod
    def _normalize(column: Column, value: str, fixes: Counter) -> str:
        if column.kind == TEXT or value == "":
            return value
        if value.strip() == "":
            fixes[FIX_BLANK_NUMBER] += 1
            return ""
        if column.kind == INTEGER and value in FLAG_INTEGERS:
            fixes[FIX_FLAG] += 1
            return FLAG_INTEGERS[value]
        if column.kind == DATE and " " in value.strip() and not value.strip().endswith(" 12:00:00 AM"):
            # The model's column is a DATE: the time of day stays in the cleaned CSV only.
            fixes[FIX_TIME_NOT_LOADED] += 1
        return value

    def _write_record(self, record: list[str]) -> None:
        flat = "\t".join(record)
        if flat == self.previous:
            self.result.duplicates += 1
        self.previous = flat
        self.writer.writerow(record)
        self.result.records_out += 1

    def _quarantine(self, lines: list[str], line_number: int, reason: str) -> None:
        original = "\n".join(lines).encode("latin-1") + b"\n"
        self.errors.writerow(
            [line_number, len(lines), reason, decode_for_humans(original), base64.b64encode(original).decode()]
        )
        self.result.records_in += 1
        self.result.quarantined += 1

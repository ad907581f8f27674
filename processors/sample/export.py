"""A synthetic CAL-ACCESS export (`dbwebexport.zip`) with the real one's dirt, and its answer key.

The zip has the layout of the state's file: `CalAccess/DATA/<TABLE>.TSV` for
the 80 tables, a header line, tab-separated values, CRLF line ends; four
tables are empty. Records join up like the real ones (filers, filings and
their amendments, schedules of each filing; see `sample_plan`), and each
class of dirt in `sample_dirt.FAULTS` hits about `dirt_rate` of the records
of every table, at places that depend only on the seed.

The answer key (JSON Lines) has one line per injected fault:

    {"table", "fault", "line", "lines", "record", "expect"}

`line` is the 1-based physical line where the record starts (the header is
line 1) and `lines` how many physical lines it spans. Physical lines end at
LF (as `wc -l` counts them); CRs right before the LF belong to the line end,
and a bare CR elsewhere is part of its value (expect "kept"). `record` is the
true record, as the filer wrote it and cleaning should give it back
(`sample_dirt.field_clean`): for a tab-shifted record, the values with their
tabs inside. `expect` is what a faultless cleaner makes of it ("repaired" for
every tab-shifted record, whatever a rule manages); the tests score the clean
stage against it. After each table's faults comes its summary line:

    {"table", "summary": {"records", "lines", "blank_lines", "columns", "header_trailing_tab", "faults"}}

After CVR_CAMPAIGN_DISCLOSURE_CD's summary, one truth line per cover version
that names a candidate (without CAND_ID, as every real cover), saying who:

    {"table", "truth": "cover_candidate", "filing_id", "amend_id", "filer_id", "candidate_filer_id"}

Every table is written straight into its zip member in chunks: memory does
not grow with the number of records.
"""

from __future__ import annotations

import json
import math
import random
import zipfile
from pathlib import Path

from .dirt import FAULTS, RECORD_FAULTS
from .plan import ExportPlan, cover_candidate_truths, plan_make
from .rows import table_rows
from processors.ingest.schema import TEXT, Column, TableSchema

MEMBER_DIR = "CalAccess/DATA/"
# Fixed member timestamps: the same seed gives the same bytes.
ZIP_DATE_TIME = (2017, 4, 1, 0, 0, 0)
CHUNK_RECORDS = 4096
# Columns added by drift are free text of this length.
DRIFT_COLUMN_LENGTH = 30
# Tables whose duplicates would break a primary key.
NO_DUPLICATES = {"FILER_TYPES_CD"}


class _FaultSchedule:
    """The records each fault class hits: geometric gaps, so positions stream without being stored."""

    def __init__(self, rng: random.Random, rate: float, classes: tuple[str, ...]):
        self._rng = rng
        self._log = math.log1p(-rate) if 0 < rate < 1 else None
        self._rate = rate
        self.next = {c: self._gap(-1) for c in classes}
        self.first = min(self.next.values(), default=math.inf)

    def _gap(self, after: float) -> float:
        if self._rate <= 0:
            return math.inf
        if self._log is None:
            return after + 1
        return after + 1 + int(math.log(1.0 - self._rng.random()) / self._log)

    def take(self, j: int) -> str | None:
        """The fault of record j (at most one; another one due is moved to the next record)."""
        due = [c for c, at in self.next.items() if at <= j]
        chosen = due[0] if due else None
        for c in due:
            self.next[c] = self._gap(j) if c == chosen else j + 1
        self.first = min(self.next.values(), default=math.inf)
        return chosen


def _file_columns(schema: TableSchema, drift: dict | None) -> list[Column]:
    change = (drift or {}).get(schema.name, {})
    removed = set(change.get("remove", ()))
    unknown = removed - set(schema.column_names)
    if unknown:
        raise ValueError(f"drift: {schema.name} has no column {', '.join(sorted(unknown))}")
    columns = [c for c in schema.columns if c.name not in removed]
    columns += [Column(name, TEXT, max_length=DRIFT_COLUMN_LENGTH) for name in change.get("add", ())]
    return columns


def _table_write(
    *, zf: zipfile.ZipFile, plan: ExportPlan, schema: TableSchema, columns: list[Column],
    dirt_rate: float, header_tab: bool, answers,
) -> dict:
    table = schema.name
    info = zipfile.ZipInfo(f"{MEMBER_DIR}{table}.TSV", date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # Python 3.11 reads the level from here when given a ZipInfo
    info.external_attr = 0o644 << 16
    n = plan.counts[table]
    summary = {"records": n, "lines": 0, "blank_lines": 0, "columns": [c.name for c in columns],
               "header_trailing_tab": False, "faults": dict.fromkeys(FAULTS, 0)}
    with zf.open(info, "w", force_zip64=True) as out:
        if n == 0:
            return summary
        rng = random.Random(f"{plan.seed}:{table}")
        rows = table_rows(plan=plan, schema=schema, columns=columns, rng=random.Random(f"{plan.seed}:{table}:values"))
        classes = tuple(c for c in FAULTS if not (c == "duplicate" and table in NO_DUPLICATES))
        schedule = _FaultSchedule(random.Random(f"{plan.seed}:{table}:faults"), dirt_rate, classes)
        header = "\t".join(summary["columns"]) + ("\t" if header_tab else "")
        summary["header_trailing_tab"] = header_tab
        buf = [header]
        line_no = 1  # physical lines written so far
        faults = summary["faults"]
        templates, keys = rows.templates, rows.keys
        duplicate_of = None
        picks: list[str] = []
        for j in range(n):
            if not picks:
                picks = rng.choices(templates, k=min(CHUNK_RECORDS, n - j))
                picks.reverse()
                out.write(("\r\n".join(buf) + "\r\n").encode("latin-1"))
                buf = []
            template = picks.pop()
            key = next(keys)
            if duplicate_of is not None:  # the copy of the previous record
                buf.append(duplicate_of[0])
                line_no += 1
                _answer(answers, table, "duplicate", line_no, 1, duplicate_of[1], "duplicate")
                faults["duplicate"] += 1
                duplicate_of = None
                continue
            line = template % key
            if j < schedule.first:
                buf.append(line)
                line_no += 1
                continue
            fault = schedule.take(j)
            fields = line.split("\t")
            if fault == "blank_line":
                buf.append("")
                line_no += 1
                summary["blank_lines"] += 1
                faults[fault] += 1
                _answer(answers, table, fault, line_no, 1, [], "blank")
            elif fault == "duplicate":
                if j + 1 < n:
                    duplicate_of = (line, fields)
                    # The copy takes record j+1's place; faults due there wait a record.
                    for c, at in schedule.next.items():
                        schedule.next[c] = max(at, j + 2)
                    schedule.first = min(schedule.next.values())
            elif fault is not None:
                made = RECORD_FAULTS[fault](columns, fields, rng)
                if made is not None:
                    buf.append(made.raw)
                    _answer(answers, table, fault, line_no + 1, made.lines, made.record, made.expect)
                    line_no += made.lines
                    faults[fault] += 1
                    continue
            buf.append(line)
            line_no += 1
        out.write(("\r\n".join(buf) + "\r\n").encode("latin-1"))
        summary["lines"] = line_no
    return summary


def _answer(answers, table: str, fault: str, line: int, lines: int, record: list[str], expect: str) -> None:
    answers.write(json.dumps({"table": table, "fault": fault, "line": line, "lines": lines,
                              "record": record, "expect": expect}, ensure_ascii=False) + "\n")


def sample_export_write(
    *,
    path: Path,
    schemas: dict[str, TableSchema],
    seed: int = 0,
    records: int = 10_000,
    dirt_rate: float = 0.01,
    drift: dict | None = None,
    answer_key_path: Path | None = None,
) -> dict:
    """Write a synthetic export of about `records` records to `path` and its answer key; return the summary.

    `schemas` are the tables to write, by name, in zip order (`raw_table_schemas()`).

    `drift` adds or removes columns of tables, e.g.
    `{"RCPT_CD": {"add": ["NEW_COL"], "remove": ["MEMO_CODE"]}}`.
    """
    if not 0 <= dirt_rate <= 1:
        raise ValueError("dirt_rate must be between 0 and 1")
    unknown = set(drift or {}) - set(schemas)
    if unknown:
        raise ValueError(f"drift: no table {', '.join(sorted(unknown))}")
    path = Path(path)
    answer_key_path = Path(answer_key_path) if answer_key_path else path.with_name(f"{path.stem}.answers.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = plan_make(records=records, seed=seed, schemas=schemas)
    # Some headers end in a tab, as some of the state's do.
    header_rng = random.Random(f"{seed}:headers")
    header_tabs = {name for name in schemas if header_rng.random() < 0.12} or {"SMRY_CD"}
    tables = {}
    with zipfile.ZipFile(path, "w") as zf, open(answer_key_path, "w", encoding="utf-8") as answers:
        for name, schema in schemas.items():
            summary = _table_write(
                zf=zf, plan=plan, schema=schema, columns=_file_columns(schema, drift),
                dirt_rate=dirt_rate, header_tab=name in header_tabs and plan.counts[name] > 0, answers=answers,
            )
            answers.write(json.dumps({"table": name, "summary": summary}) + "\n")
            if name == "CVR_CAMPAIGN_DISCLOSURE_CD" and plan.counts[name]:
                answers.writelines(json.dumps(t) + "\n" for t in cover_candidate_truths(plan))
            tables[name] = summary
    faults = {c: sum(t["faults"][c] for t in tables.values()) for c in FAULTS}
    return {
        "path": str(path), "answer_key": str(answer_key_path), "seed": seed,
        "records": sum(t["records"] for t in tables.values()), "tables": tables, "faults": faults,
    }

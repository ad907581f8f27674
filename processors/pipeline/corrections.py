"""The corrections register as a service: quarantined records, their corrections, and what each release did
with them (reads and writes Correction and RawDataFile; reads a release's errors files).

- reads: `quarantined_records` (a release's errors files, each record with its id and any correction),
  `quarantined_record` (one, in full), `corrections_status` (which corrections a release applied, which
  are pending a re-clean, which are no longer needed);
- writes: `correction_resolve` (the `quarantine resolve` command; the admin's form checks with
  `correction_check`), `corrections_record` (after a table is cleaned), `release_corrections_write`
  (the release's corrections.csv, after the clean stage).

Rules: docs/cleaning.md, "Corrections register"; the checks shared with the clean stage are in
processors/ingest/corrections.py.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from calaccess_archive.models import Correction, RawDataFile, RawDataVersion
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.errors import PipelineError
from processors.ingest.corrections import (
    CorrectionInvalid,
    corrected_record,
    original_fields,
    original_sha256,
    record_id,
    record_id_parse,
)
from processors.ingest.decode import decode_for_humans

CORRECTIONS_HEADER = ["table", "line", "original_base64", "original_text", "corrected_record", "reason",
                      "corrected_by", "corrected_at"]
_CLEANED = (RawDataFile.Status.CLEANED, RawDataFile.Status.LOADED)
# An errors file's original_text and original_base64 of a long record rejoined from many lines.
_FIELD_LIMIT = 64 * 1024 * 1024


class CorrectionRefused(PipelineError):
    """A correction that cannot be made (one line: why); nothing was changed."""


@dataclass
class QuarantinedRecord:
    table: str
    line: int
    line_count: int
    reason: str
    original: bytes = field(repr=False)
    sha256: str
    correction: Correction | None = None

    @property
    def id(self) -> str:
        return record_id(self.table, self.sha256)

    def summary(self, *, full: bool = False) -> dict:
        document = {"id": self.id, "table": self.table, "line": self.line, "line_count": self.line_count,
                    "reason": self.reason, "corrected": self.correction is not None}
        if full:
            schema = raw_table_schemas().get(self.table)
            fields = original_fields(self.original)
            names = schema.column_names if schema else []
            document.update(
                sha256=self.sha256, original_text=decode_for_humans(self.original),
                original_base64=base64.b64encode(self.original).decode(),
                fields=fields,
                # As far as they go: a record with surplus or missing fields does not line up with the columns.
                columns=dict(zip(names, fields)), columns_line_up=len(fields) == len(names),
                correction=correction_summary(self.correction) if self.correction else None,
            )
        return document


def record_ordered(table: str, record: dict) -> dict:
    """`record` in its table's column order (a JSON column in PostgreSQL keeps no order); other keys last."""
    schema = raw_table_schemas().get(table)
    names = schema.column_names if schema else []
    return {**{n: record[n] for n in names if n in record}, **{k: v for k, v in record.items() if k not in names}}


def correction_summary(correction: Correction) -> dict:
    return {
        "id": correction.record_id, "table": correction.table,
        "record": record_ordered(correction.table, correction.record),
        "reason": correction.reason, "by": correction.created_by, "at": correction.updated_at.isoformat(),
        "release": correction.release.slug if correction.release else None,
        "last_applied": correction.last_applied.slug if correction.last_applied else None,
        "not_needed_since": correction.not_needed_since.slug if correction.not_needed_since else None,
    }


# --- reads -----------------------------------------------------------------------------------------------

def release_cleaned_latest(ref: str | None = None) -> RawDataVersion:
    """The release `ref` names (selectors.release_lookup), else the newest with a cleaned table."""
    from calaccess_archive.selectors import ReleaseNotFound, release_lookup

    if ref is not None:
        return release_lookup(ref)
    version = (RawDataVersion.objects.filter(files__status__in=_CLEANED).distinct()
               .order_by("-release_datetime").first())
    if version is None:
        raise ReleaseNotFound("no cleaned release recorded yet")
    return version


def _errors_rows(file: RawDataFile):
    path = file.errors_path
    if file.status not in _CLEANED or not path.exists():
        return
    csv.field_size_limit(_FIELD_LIMIT)
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            original = base64.b64decode(row["original_base64"])
            yield QuarantinedRecord(table=file.table, line=int(row["line"]), line_count=int(row["line_count"]),
                                    reason=row["reason"], original=original, sha256=original_sha256(original))


def quarantined_records(version: RawDataVersion, *, table: str | None = None) -> list[QuarantinedRecord]:
    """Every record quarantined in `version` (of one `table`), by table and line, each with its correction."""
    files = version.files.order_by("table")
    if table is not None:
        files = files.filter(table=table.upper())
    records = [record for file in files for record in _errors_rows(file)]
    corrections = {(c.table, c.original_sha256): c
                   for c in Correction.objects.filter(table__in={r.table for r in records})
                   .select_related("release", "last_applied", "not_needed_since")}
    for record in records:
        record.correction = corrections.get((record.table, record.sha256))
    return records


def quarantined_record(version: RawDataVersion, ident: str) -> QuarantinedRecord:
    """The record quarantined in `version` whose id is (or starts with) `ident`; CorrectionRefused if none."""
    try:
        table, prefix = record_id_parse(ident)
    except CorrectionInvalid as exc:
        raise CorrectionRefused(str(exc)) from None
    found = [r for r in quarantined_records(version, table=table) if r.sha256.startswith(prefix)]
    if not found:
        raise CorrectionRefused(f"{ident} is not a quarantined record of release {version.slug} "
                                f"(`quarantine list {version.slug}` shows them)")
    if len({r.sha256 for r in found}) > 1:
        raise CorrectionRefused(f"{ident} names {len(found)} quarantined records: give more of the id")
    return found[0]


def corrections_status(version: RawDataVersion, *, table: str | None = None) -> dict:
    """What `version`'s clean did with the corrections that apply to it (made on it or an earlier release):
    {"applied": [ids], "pending": [ids: the record is quarantined, as the release was cleaned before the
    correction was made (or the correction no longer fits): `ingest --force` applies it],
    "not_needed": [summaries: the record is not quarantined in this release]}."""
    files = {f.table: f for f in version.files.filter(status__in=_CLEANED)}
    corrections = Correction.objects.filter(table__in=files).select_related("release", "last_applied",
                                                                            "not_needed_since")
    if table is not None:
        corrections = corrections.filter(table=table.upper())
    status = {"applied": [], "pending": [], "not_needed": []}
    quarantined: dict[str, set] = {}
    for correction in corrections:
        if correction.release and correction.release.release_datetime > version.release_datetime:
            continue  # made on a later release
        file = files[correction.table]
        if correction.original_sha256 in {a["sha256"] for a in file.corrections_applied or []}:
            status["applied"].append(correction.record_id)
            continue
        if correction.table not in quarantined:
            quarantined[correction.table] = {r.sha256 for r in _errors_rows(file)}
        if correction.original_sha256 in quarantined[correction.table]:
            status["pending"].append(correction.record_id)
        else:
            status["not_needed"].append(correction_summary(correction))
    return status


# --- writes ----------------------------------------------------------------------------------------------

def correction_check(*, table: str, original: bytes, changes: dict) -> dict:
    """The corrected record ({column: value}) for `original` in `table` with `changes`, as
    processors.ingest.corrections.corrected_record checks it; CorrectionRefused (one line) if it is not one."""
    schema = raw_table_schemas().get(table.upper())
    if schema is None:
        raise CorrectionRefused(f"unknown table {table!r}")
    try:
        return corrected_record(schema.columns, original, changes)
    except CorrectionInvalid as exc:
        raise CorrectionRefused(f"{record_id(schema.name, original_sha256(original))}: {exc}") from None


def fields_parse(pairs: list[str]) -> dict:
    """{column: value} of `COL=VALUE` arguments (the column's name in any case; the value may be empty)."""
    changes = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CorrectionRefused(f"--field {pair!r} is not COL=VALUE")
        changes[name.strip().upper()] = value
    return changes


def correction_resolve(*, version: RawDataVersion, ident: str, changes: dict, reason: str, by: str) -> Correction:
    """Store the correction of the record `ident` quarantined in `version`: its fields with `changes` put in
    (a new correction, or the record's correction replaced). Raises CorrectionRefused, changing nothing,
    for an id that is not a quarantined record, an unknown column or a value that does not fit."""
    if not changes:
        raise CorrectionRefused("nothing to correct: give --field COL=VALUE")
    if not reason.strip():
        raise CorrectionRefused("--reason is empty: say why the record reads so")
    found = quarantined_record(version, ident)
    record = correction_check(table=found.table, original=found.original, changes=changes)
    correction, _ = Correction.objects.update_or_create(
        table=found.table, original_sha256=found.sha256,
        defaults=dict(original_base64=base64.b64encode(found.original).decode(),
                      original_text=decode_for_humans(found.original), record=record, reason=reason.strip(),
                      created_by=by, release=version, line=found.line, not_needed_since=None),
    )
    return correction


def table_corrections(table: str) -> dict:
    """{sha256 of the original bytes: corrected record} of `table`: what its clean job writes instead."""
    return dict(Correction.objects.filter(table=table).values_list("original_sha256", "record"))


def corrections_record(version: RawDataVersion, table: str, applied: list) -> None:
    """After `table` of `version` is cleaned: each of its corrections was applied (last_applied), or, in a
    release later than the last one it was applied to, is no longer needed (not_needed_since)."""
    digests = {a["sha256"] for a in applied}
    when = version.release_datetime
    quarantined = None
    for c in Correction.objects.filter(table=table).select_related("release", "last_applied", "not_needed_since"):
        if c.release and when < c.release.release_datetime:
            continue
        before = (c.last_applied_id, c.not_needed_since_id)
        if c.original_sha256 in digests:
            if c.last_applied is None or when >= c.last_applied.release_datetime:
                c.last_applied = version
            if c.not_needed_since and c.not_needed_since.release_datetime <= when:
                c.not_needed_since = None
        else:
            if quarantined is None:
                file = RawDataFile.objects.get(version=version, table=table)
                quarantined = {r.sha256 for r in _errors_rows(file)}
            if c.original_sha256 in quarantined:
                continue  # still quarantined: the correction no longer fits the table
            if (c.last_applied is None or when > c.last_applied.release_datetime) and (
                    c.not_needed_since is None or when < c.not_needed_since.release_datetime):
                c.not_needed_since = version
        if (c.last_applied_id, c.not_needed_since_id) != before:
            c.save(update_fields=["last_applied", "not_needed_since"])


def release_corrections_write(version: RawDataVersion) -> Path:
    """`<release>/corrections.csv`: every correction the release's clean applied (CORRECTIONS_HEADER), the
    record as written; archived with the release (processors.archive.items.release_units)."""
    path = version.corrections_path
    corrections = {(c.table, c.original_sha256): c for c in Correction.objects.all()}
    partial = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(partial, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CORRECTIONS_HEADER)
        for file in version.files.filter(status__in=_CLEANED).order_by("table"):
            for applied in file.corrections_applied or []:
                c = corrections.get((file.table, applied["sha256"]))
                original = base64.b64decode(applied["original_base64"])
                writer.writerow([
                    file.table, applied["line"], applied["original_base64"], decode_for_humans(original),
                    json.dumps(record_ordered(file.table, applied["record"]), ensure_ascii=False), c.reason if c else "",
                    c.created_by if c else "", c.updated_at.isoformat() if c else "",
                ])
    partial.replace(path)
    return path


def original_decode(value: str) -> bytes:
    """The bytes of a base64 `original_base64` (the admin's form); CorrectionRefused if it is not base64."""
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CorrectionRefused("original_base64 is not base64 (copy it from the errors file)") from None

"""Bulk uploads from a spreadsheet in the format of the `ia upload --spreadsheet` tool.

Columns: `identifier`, `file`, optional `REMOTE_NAME`, then metadata columns; a repeated
key is written `subject[0]`, `subject[1]`... A row without an identifier continues the
item above. The whole sheet is checked before anything is sent.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .identifiers import InvalidArchiveName, identifier_validate, name_join

from .upload import ArchiveUnit, PublishReport, files_publish

_KEY = re.compile(r"([a-z][a-z0-9_-]*)(?:\[(\d+)\])?")
_RESERVED = {"identifier", "file", "remote_name"}


class SpreadsheetError(ValueError):
    """The sheet is not valid; `problems` lists every problem found, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the spreadsheet: " + "; ".join(problems[:5]))


@dataclass
class SpreadsheetPlan:
    units: list[ArchiveUnit] = field(default_factory=list)
    items: dict[str, dict] = field(default_factory=dict)


def spreadsheet_read(*, path: Path) -> SpreadsheetPlan:
    """Read and check the whole sheet (identifiers, files present, metadata keys) before any upload."""
    plan, problems, identifier = SpreadsheetPlan(), [], ""
    with path.open(newline="", encoding="utf-8-sig") as sheet:
        reader = csv.DictReader(sheet)
        columns = reader.fieldnames or []
        if "identifier" not in columns or "file" not in columns:
            raise SpreadsheetError([f"{path.name}: the header needs 'identifier' and 'file' columns"])
        keys = {}
        for column in columns:
            match = _KEY.fullmatch(column.strip().lower())
            if column.strip().lower() in _RESERVED:
                continue
            if not match:
                problems.append(f"column {column!r} is not a metadata key (letters, digits, '_', '-', optional [n])")
            else:
                keys[column] = (match.group(1), None if match.group(2) is None else int(match.group(2)))
        for line, row in enumerate(reader, start=2):
            if (row.get("identifier") or "").strip():
                identifier = row["identifier"].strip()
                try:
                    identifier_validate(identifier)
                except InvalidArchiveName as exc:
                    problems.append(f"line {line}: {exc}")
                    continue
                plan.items.setdefault(identifier, {})
            elif not identifier:
                problems.append(f"line {line}: no identifier, and no item above to continue")
                continue
            _merge_metadata(plan.items.setdefault(identifier, {}), row, keys)
            local = Path((row.get("file") or "").strip()).expanduser()
            if not str(local) or str(local) == ".":
                continue  # a metadata-only row
            if not local.is_absolute():
                local = path.parent / local
            if not local.is_file():
                problems.append(f"line {line}: file {local} not found")
                continue
            remote = (row.get("REMOTE_NAME") or row.get("remote_name") or "").strip() or local.name
            try:
                plan.units.append(ArchiveUnit(name_join(identifier, remote), local))
            except InvalidArchiveName as exc:
                problems.append(f"line {line}: {exc}")
    if problems:
        raise SpreadsheetError(problems)
    return plan


def _merge_metadata(metadata: dict, row: dict, keys: dict) -> None:
    for column, (key, index) in keys.items():
        value = (row.get(column) or "").strip()
        if not value:
            continue
        if index is None:
            metadata[key] = value
        else:
            values = metadata.setdefault(key, [])
            values = metadata[key] = values if isinstance(values, list) else [values]
            values.extend([""] * (index + 1 - len(values)))
            values[index] = value
    for key, value in list(metadata.items()):
        if isinstance(value, list):
            metadata[key] = [v for v in value if v]


def spreadsheet_upload(*, path: Path, storage, dry_run: bool = False, retries: int | None = None,
                       wait: float | None = None, on_file=None, on_read=None) -> tuple[SpreadsheetPlan, PublishReport]:
    """Check the sheet, then (unless a dry run) upload and verify every file in it.

    A re-run sends only what is not yet verified (the ArchivedFile records remember).
    `retries` overrides IA_RETRIES for this run (attempts of each request).
    """
    plan = spreadsheet_read(path=path)
    if dry_run:
        return plan, PublishReport()
    return plan, files_publish(storage=storage_with_retries(storage, retries), units=plan.units, items=plan.items,
                               wait=wait, on_file=on_file, on_read=on_read)


def storage_with_retries(storage, retries: int | None):
    """`storage`, or a copy of it that makes `retries` attempts of each request (a storage with options)."""
    if retries is None or not hasattr(storage, "options"):
        return storage
    return type(storage)(**{**storage.options, "retries": retries})

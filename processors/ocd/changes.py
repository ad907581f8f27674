"""What changed since the previous release: per OCD table, ids added and removed; new filings, committees, candidates.

The previous release is read from its own relational CSVs on disk (not from
the database), so a release's changes.json depends only on the two releases'
files and is the same however often either is re-processed.

Memory stays flat in the size of the release: the previous CSVs are COPYed
into PostgreSQL as they are (no parsing in Python), the new filings, committees
and candidates stay in temporary tables, and changes.json is streamed from them
(same bytes as `json.dumps(changes, indent=2, ensure_ascii=False)`). What is
stored on ProcessedDataVersion.changes is the bounded summary: the per-table
counts and the number of entries of each list.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path


# changes.json lists: key -> (table, SQL of the entry's name). Written in this order (that of OCD_MODELS).
NEW_LISTS = {
    "new_candidates": ("opencivicdata_person", "name"),
    "new_committees": ("opencivicdata_committee", "name"),
    "new_filings": ("opencivicdata_filing", "calaccess_filing_id::text || ' ' || classification"),
}
CHUNK = 1 << 20
FETCH = 5000


def _previous_ids_load(*, cursor, path: Path | None) -> None:
    """ocd_previous_ids(id): the id column of a previous relational CSV, COPYed in whole (empty if no file).

    The column is found by its header: not every layout has the id first (the coalition's Jurisdiction.csv
    starts with the timestamps).
    """
    cursor.execute("DROP TABLE IF EXISTS ocd_previous_rows, ocd_previous_ids")
    path = path if path is not None and path.exists() else None
    header = ["id"]
    if path is not None:
        with path.open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), []) or ["id"]
    names = ", ".join(f"c{i} text" for i in range(len(header)))
    cursor.execute(f"CREATE TEMP TABLE ocd_previous_rows ({names}) ON COMMIT DROP")
    if path is not None:
        with path.open("rb") as f, cursor.cursor.copy("COPY ocd_previous_rows FROM STDIN WITH (FORMAT csv, HEADER)") \
                as copy:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                copy.write(chunk)
    id_column = header.index("id") if "id" in header else 0
    cursor.execute(f"CREATE TEMP TABLE ocd_previous_ids ON COMMIT DROP AS SELECT c{id_column} AS id"
                   " FROM ocd_previous_rows")
    cursor.execute("DROP TABLE ocd_previous_rows")
    cursor.execute("ANALYZE ocd_previous_ids")


def _previous_csv(previous_dir: Path | None, csv_names: tuple[str, ...]) -> Path | None:
    """The previous release's CSV of a table: under its current name, else under a name it had before
    (a release exported before the coalition's names has opencivicdata_candidacy.csv, not Candidacy.csv)."""
    if previous_dir is None:
        return None
    paths = [previous_dir / "relational" / name for name in csv_names]
    return next((p for p in paths if p.exists()), paths[0])


def _list_write(*, cursor, out, key: str, last: bool) -> int:
    """Stream one new_* list (temp table ocd_<key>) as json.dumps(indent=2) would write it; return its length."""
    out.write(f'  "{key}": [')
    n = 0
    with cursor.cursor.connection.cursor(name=f"ocd_{key}") as named:  # server-side: bounded memory
        named.itersize = FETCH
        named.execute(f'SELECT id, name FROM ocd_{key} ORDER BY id COLLATE "C"')
        for id_, name in named:
            out.write(",\n" if n else "\n")
            out.write(f'    {{\n      "id": {json.dumps(id_, ensure_ascii=False)},\n'
                      f'      "name": {json.dumps(name, ensure_ascii=False)}\n    }}')
            n += 1
    out.write("\n  ]" if n else "]")
    out.write("\n" if last else ",\n")
    return n


def changes_build(*, cursor, tables: list[tuple[str, tuple[str, ...]]], previous_dir: Path | None,
                  previous_slug: str | None, slug: str, path: Path) -> dict:
    """Write changes.json of the OCD `tables` ((db_table, the names its relational CSV has had, current first),
    in export order) now in the database against the previous release's relational CSVs. Run it inside a
    transaction (temporary tables).

    Returns the summary stored on ProcessedDataVersion.changes: release, previous_release, tables (records,
    added, removed) and, per list of changes.json, its number of entries.
    """
    summary: dict = {"release": slug, "previous_release": previous_slug, "tables": {}}
    cursor.execute("DROP TABLE IF EXISTS " + ", ".join(f"ocd_{key}" for key in NEW_LISTS))
    for table, csv_names in tables:
        _previous_ids_load(cursor=cursor, path=_previous_csv(previous_dir, csv_names))
        cursor.execute(
            f"""SELECT (SELECT count(*) FROM {table} AS t WHERE NOT EXISTS
                         (SELECT 1 FROM ocd_previous_ids AS p WHERE p.id = t.id::text)),
                       (SELECT count(*) FROM ocd_previous_ids AS p WHERE NOT EXISTS
                         (SELECT 1 FROM {table} AS t WHERE t.id::text = p.id)),
                       (SELECT count(*) FROM {table})"""
        )
        added, removed, total = cursor.fetchone()
        summary["tables"][table] = {"records": total, "added": added, "removed": removed}
        for key, (list_table, label) in NEW_LISTS.items():
            if list_table == table:
                cursor.execute(
                    f"""CREATE TEMP TABLE ocd_{key} ON COMMIT DROP AS SELECT t.id, {label} AS name
                        FROM {table} AS t WHERE NOT EXISTS (SELECT 1 FROM ocd_previous_ids AS p WHERE p.id = t.id)"""
                )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        head = json.dumps({k: summary[k] for k in ("release", "previous_release", "tables")}, indent=2,
                          ensure_ascii=False)
        out.write(head[:-2] + ",\n")  # without the closing "\n}"
        keys = list(NEW_LISTS)
        summary["new_counts"] = {key: _list_write(cursor=cursor, out=out, key=key, last=key == keys[-1])
                                 for key in keys}
        out.write("}\n")
    tmp.replace(path)
    return summary

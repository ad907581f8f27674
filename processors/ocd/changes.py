"""What changed since the previous release: per OCD table, ids added and removed; new filings, committees, candidates.

The previous release is read from its own relational CSVs on disk (not from
the database), so a release's changes.json depends only on the two releases'
files and is the same however often either is re-processed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.db import connection, transaction

NEW_LISTS = {
    "new_filings": ("opencivicdata_filing", "calaccess_filing_id::text || ' ' || classification"),
    "new_committees": ("opencivicdata_committee", "name"),
    "new_candidates": ("opencivicdata_person", "name"),
}


def _previous_ids_load(*, cursor, path: Path) -> None:
    cursor.execute("TRUNCATE ocd_previous_ids")
    if not path.exists():
        return
    with path.open(newline="", encoding="utf-8") as f, cursor.cursor.copy("COPY ocd_previous_ids (id) FROM STDIN") as copy:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            copy.write_row((row[0],))


def changes_build(*, previous_dir: Path | None, previous_slug: str | None, slug: str) -> dict:
    """The changes of the OCD tables now in the database against the previous release's relational CSVs."""
    from ocd.models import OCD_MODELS

    from .export import relational_name

    result: dict = {"release": slug, "previous_release": previous_slug, "tables": {}}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ocd_previous_ids")
        cursor.execute("CREATE TEMP TABLE ocd_previous_ids (id text PRIMARY KEY) ON COMMIT DROP")
        for model in OCD_MODELS:
            table = model._meta.db_table
            if previous_dir is not None:
                _previous_ids_load(cursor=cursor, path=previous_dir / "relational" / relational_name(model))
            cursor.execute(
                f"""SELECT (SELECT count(*) FROM {table} AS t WHERE NOT EXISTS
                             (SELECT 1 FROM ocd_previous_ids AS p WHERE p.id = t.id::text)),
                           (SELECT count(*) FROM ocd_previous_ids AS p WHERE NOT EXISTS
                             (SELECT 1 FROM {table} AS t WHERE t.id::text = p.id)),
                           (SELECT count(*) FROM {table})"""
            )
            added, removed, total = cursor.fetchone()
            result["tables"][table] = {"records": total, "added": added, "removed": removed}
            for key, (list_table, label) in NEW_LISTS.items():
                if list_table == table:
                    cursor.execute(
                        f"""SELECT t.id, {label} FROM {table} AS t WHERE NOT EXISTS
                              (SELECT 1 FROM ocd_previous_ids AS p WHERE p.id = t.id) ORDER BY t.id COLLATE "C\""""
                    )
                    result[key] = [{"id": i, "name": n} for i, n in cursor.fetchall()]
    return result


def changes_write(*, changes: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(changes, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

"""python manage.py makesampleexport [--output PATH] [--records N] [--seed S] [--dirt-rate R] [--drift TABLE:+COL,-COL ...] [--json]"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.sample.export import sample_export_write


def drift_parse(specs: list[str]) -> dict:
    """`RCPT_CD:+NEW_COL,-MEMO_CODE` -> {"RCPT_CD": {"add": ["NEW_COL"], "remove": ["MEMO_CODE"]}}."""
    drift: dict[str, dict[str, list[str]]] = {}
    for spec in specs:
        table, sep, changes = spec.partition(":")
        if not sep or not table or not changes:
            raise CommandError(f"--drift {spec!r} is not TABLE:+COL,-COL")
        change = drift.setdefault(table, {"add": [], "remove": []})
        for item in changes.split(","):
            if len(item) < 2 or item[0] not in "+-":
                raise CommandError(f"--drift {spec!r}: {item!r} must be +COLUMN or -COLUMN")
            change["add" if item[0] == "+" else "remove"].append(item[1:])
    return drift


class Command(ArchiveCommand):
    help = "Write a synthetic CAL-ACCESS export (dbwebexport.zip with realistic dirt) and its answer key."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--output", type=Path, help="zip to write (default <CALACCESS_DATA_DIR>/sample/dbwebexport.zip)")
        parser.add_argument("--records", type=int, default=10_000, help="records over all tables (default 10000)")
        parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
        parser.add_argument("--dirt-rate", type=float, default=0.01, help="share of records hit by each fault class")
        parser.add_argument("--drift", nargs="*", default=[], metavar="TABLE:+COL,-COL", help="add/remove columns")

    def handle(self, *args, output=None, records, seed, dirt_rate, drift, json=False, **options):
        if records < 1:
            raise CommandError("--records must be at least 1")
        path = output or Path(settings.CALACCESS_DATA_DIR) / "sample" / "dbwebexport.zip"
        started = time.monotonic()
        try:
            summary = sample_export_write(
                path=path, schemas=raw_table_schemas(), seed=seed, records=records, dirt_rate=dirt_rate, drift=drift_parse(drift) or None
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        if json:
            self.json_write({**summary, "seconds": round(seconds, 3)})
            return
        faults = sum(summary["faults"].values())
        self.stdout.write(
            f"{summary['path']}: {summary['records']} records in {len(summary['tables'])} tables, "
            f"{faults} faults (answer key {summary['answer_key']}), {seconds:.1f}s"
        )

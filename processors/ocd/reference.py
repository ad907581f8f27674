"""The reference data shipped with the processing (processors/ocd/data/README.md): OCD divisions, election calendar."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
DIVISIONS_FILE = DATA / "ocd-divisions-ca.csv"
CALENDAR_FILE = DATA / "california-statewide-elections.csv"


@cache
def divisions_read() -> tuple[tuple[str, str], ...]:
    """(id, name) of every California division of the official OCD list."""
    with DIVISIONS_FILE.open(newline="", encoding="utf-8") as f:
        return tuple((row["id"], row["name"]) for row in csv.DictReader(f))


@cache
def calendar_read() -> tuple[tuple[dt.date, str, str], ...]:
    """(date, classification, name) of every statewide election of the calendar."""
    with CALENDAR_FILE.open(newline="", encoding="utf-8") as f:
        return tuple((dt.date.fromisoformat(r["date"]), r["classification"], r["name"]) for r in csv.DictReader(f))


def division_pieces(division_id: str) -> list[tuple[str, str]]:
    """ "ocd-division/country:us/state:ca/sldu:7" -> [("state", "ca"), ("sldu", "7")] (after the country)."""
    parts = division_id.split("/")[2:]
    return [tuple(p.split(":", 1)) for p in parts]


def divisions_build(*, cursor) -> None:
    """One Division per row of the official list, named as it names them."""
    rows = []
    for division_id, name in divisions_read():
        pieces = division_pieces(division_id)
        cols = []
        for i in range(7):
            cols += list(pieces[i]) if i < len(pieces) else ["", ""]
        rows.append((division_id, name, *cols))
    division_cols = ", ".join(f"subtype{i}, subid{i}" for i in range(1, 8))
    cursor.executemany(
        f"INSERT INTO opencivicdata_division (id, name, redirect_id, country, {division_cols})"
        f" VALUES (%s, %s, NULL, 'us', {', '.join(['%s'] * 14)})",
        rows,
    )


def calendar_stage(*, cursor) -> None:
    """ocd_calendar (date, classification, name, year): the statewide election calendar as a temporary table."""
    cursor.execute(
        "CREATE TEMP TABLE ocd_calendar (date date PRIMARY KEY, classification text NOT NULL, name text NOT NULL,"
        " year int NOT NULL) ON COMMIT DROP"
    )
    cursor.executemany(
        "INSERT INTO ocd_calendar VALUES (%s, %s, %s, %s)",
        [(d, c, n, d.year) for d, c, n in calendar_read()],
    )

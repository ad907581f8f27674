"""How the real export fills the columns that processing reads, for the synthetic export to follow.

`data/real-export-profile.json` holds, for the tables processing reads, every
column's figures from a real CAL-ACCESS export sample (up to 1,000 records a
table, the state's own bytes; from `../shared/docs/real-export-profile.md`):
percent empty, distinct values, and the most common values with their counts.
The generator takes empty shares and code values from it where its own rules
would otherwise invent them, and tests/processors/test_sample_profile.py holds
the generated export to it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

PROFILE_PATH = Path(__file__).with_name("data") / "real-export-profile.json"


@cache
def real_profile() -> dict:
    """{table: {"records", "columns": {column: {"empty_pct", "distinct", "common": {value: count}}}}}."""
    return json.loads(PROFILE_PATH.read_text(encoding="utf-8"))["tables"]


def real_column(table: str, column: str) -> dict | None:
    return real_profile().get(table, {}).get("columns", {}).get(column)


def real_fill_share(table: str, column: str) -> float | None:
    """The share of the real sample's records with a value in the column; None if it is not profiled."""
    found = real_column(table, column)
    return None if found is None else 1 - found["empty_pct"] / 100

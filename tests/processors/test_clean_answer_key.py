"""The clean stage against the sample export's answer key, at several seeds.

Every injected fault must come out exactly as the key says: the right record
repaired, rejoined or fixed, or the record quarantined at its line; nothing
else quarantined, and no record lost (records in = out + quarantined).
"""

import csv
import json
import zipfile
from collections import Counter, defaultdict

import pytest

from processors.ingest.clean import table_clean
from processors.sample.export import sample_export_write
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.ingest.table_jobs import member_name

KEPT = {"repaired", "rejoined", "fixed", "kept", "duplicate"}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("seed, native", [(11, True), (12, True), (13, False)])
def test_every_fault_handled_as_the_answer_key_says(tmp_path, seed, native):
    summary = sample_export_write(schemas=raw_table_schemas(), path=tmp_path / "export.zip", seed=seed, records=20_000, dirt_rate=0.01)
    faults, tables = defaultdict(list), {}
    for entry in map(json.loads, open(summary["answer_key"], encoding="utf-8")):
        if "fault" in entry:
            faults[entry["table"]].append(entry)
        else:
            tables[entry["table"]] = entry["summary"]
    checked = Counter()
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        for table, schema in raw_table_schemas().items():
            with archive.open(member_name(table)) as source:
                result = table_clean(
                    source=source, schema=schema, native=native,
                    clean_path=tmp_path / f"{table}.csv", errors_path=tmp_path / f"{table}.errors.csv",
                )
            expected = tables[table]
            key = faults[table]
            out = read_csv(tmp_path / f"{table}.csv")
            errors = read_csv(tmp_path / f"{table}.errors.csv")[1:]
            assert out[0] == expected["columns"]
            rows = Counter(map(tuple, out[1:]))

            quarantined = {a["line"]: a for a in key if a["expect"] == "quarantined"}
            assert {int(e[0]): int(e[1]) for e in errors} == {ln: a["lines"] for ln, a in quarantined.items()}, table
            for a in key:
                if a["expect"] in KEPT:
                    assert rows[tuple(a["record"])] > 0, (table, a)
                checked[a["expect"]] += 1
            count = Counter(a["expect"] for a in key)
            assert result.repaired == count["repaired"], table
            assert result.rejoined == count["rejoined"], table
            assert result.duplicates == count["duplicate"], table
            assert result.blank_lines == expected["blank_lines"] == count["blank"], table
            assert result.records_in == expected["records"] == result.records_out + result.quarantined, table
            assert result.quarantined == len(quarantined), table
            assert result.lines == expected["lines"] - (1 if expected["lines"] else 0), table
            columns = [schema.column(n) if n in schema.column_names else None for n in out[0]]
            for row in out[1:]:
                assert all(c is None or c.is_valid(v) for c, v in zip(columns, row)), (table, row)
    # The seeds exercise every outcome.
    assert {"repaired", "quarantined", "rejoined", "fixed", "blank", "duplicate", "kept"} <= set(checked)


def test_native_and_python_fast_paths_write_identical_files(tmp_path):
    """The C fast path is an accelerator only: byte-identical output and counts."""
    from processors.ingest.native import block_cleaner

    assert block_cleaner([]) is not None, "the test machine has a C compiler"
    sample_export_write(schemas=raw_table_schemas(), path=tmp_path / "export.zip", seed=21, records=20_000, dirt_rate=0.02)
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        for table, schema in raw_table_schemas().items():
            results = {}
            for native in (True, False):
                with archive.open(member_name(table)) as source:
                    results[native] = table_clean(
                        source=source, schema=schema, native=native,
                        clean_path=tmp_path / f"{native}.csv", errors_path=tmp_path / f"{native}.errors.csv",
                    )
            assert results[True] == results[False], table
            assert (tmp_path / "True.csv").read_bytes() == (tmp_path / "False.csv").read_bytes(), table
            assert (tmp_path / "True.errors.csv").read_bytes() == (tmp_path / "False.errors.csv").read_bytes(), table

"""The clean stage against the sample export's answer key, at several seeds.

The key holds the truth: for every injected fault the record as the filer
wrote it. Every fault but a tab inside a value must come out exactly so
(rejoined, fixed, kept, counted); no other record is quarantined, and none is
lost (records in = out + quarantined). Tab-shifted records are scored: of
them, repaired right, quarantined, repaired wrong (a wrong repair puts a value
in the wrong column, worse than a quarantine). Targets (docs/cleaning.md): at
least 95% repaired right, and at most 1 wrong repair in 1,000 repairs, at
every seed.
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


def clean_against_key(tmp_path, seed, native, records, dirt_rate):
    """Clean every table of a generated export; check every non-tab fault; score the tab faults."""
    summary = sample_export_write(schemas=raw_table_schemas(), path=tmp_path / "export.zip", seed=seed,
                                  records=records, dirt_rate=dirt_rate)
    faults, tables = defaultdict(list), {}
    for entry in map(json.loads, open(summary["answer_key"], encoding="utf-8")):
        if "fault" in entry:
            faults[entry["table"]].append(entry)
        elif "summary" in entry:  # (truth lines say who a cover names: not about cleaning)
            tables[entry["table"]] = entry["summary"]
    checked, tabs = Counter(), Counter()
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
            errors = {int(e[0]): int(e[1]) for e in read_csv(tmp_path / f"{table}.errors.csv")[1:]}
            assert out[0] == expected["columns"]
            rows = Counter(map(tuple, out[1:]))

            outcome = Counter()
            for a in key:
                checked[a["expect"]] += 1
                if a["fault"] == "tab":
                    assert a["expect"] == "repaired"
                    if a["line"] in errors:
                        outcome["quarantined"] += 1
                        assert errors.pop(a["line"]) == a["lines"], (table, a)
                    elif rows[tuple(a["record"])] > 0:
                        outcome["right"] += 1
                    else:
                        outcome["wrong"] += 1
                elif a["expect"] in KEPT:
                    assert rows[tuple(a["record"])] > 0, (table, a)
            assert errors == {}, f"{table}: quarantined records that are no tab-shifted fault: {errors}"
            tabs.update(outcome)
            count = Counter(a["expect"] for a in key if a["fault"] != "tab")
            assert result.repaired == outcome["right"] + outcome["wrong"] == result.repaired_unique + result.repaired_by_evidence, table
            assert result.rejoined == count["rejoined"], table
            assert result.duplicates == count["duplicate"], table
            assert result.blank_lines == expected["blank_lines"] == count["blank"], table
            assert result.records_in == expected["records"] == result.records_out + result.quarantined, table
            assert result.quarantined == outcome["quarantined"], table
            assert result.lines == expected["lines"] - (1 if expected["lines"] else 0), table
            columns = [schema.column(n) if n in schema.column_names else None for n in out[0]]
            for row in out[1:]:
                assert all(c is None or c.is_valid(v) for c, v in zip(columns, row)), (table, row)
            repairs = tmp_path / f"{table}.repairs.csv"
            listed = read_csv(repairs)[1:] if repairs.exists() else []
            assert Counter(r[2] for r in listed) == Counter(
                {"unique": result.repaired_unique, "evidence": result.repaired_by_evidence}) - Counter(), table
    return checked, tabs


@pytest.mark.parametrize("seed, native", [(11, True), (12, True), (13, False)])
def test_every_fault_handled_as_the_answer_key_says(tmp_path, seed, native):
    checked, tabs = clean_against_key(tmp_path, seed, native, records=20_000, dirt_rate=0.01)
    # The seeds exercise every outcome.
    assert {"repaired", "rejoined", "fixed", "blank", "duplicate", "kept"} <= set(checked)
    # Small tables give little evidence; the repair rate is scored on larger exports below.
    assert tabs["wrong"] <= (tabs["right"] + tabs["wrong"]) / 1_000, tabs


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_tab_shifted_records_repaired_right_at_every_seed(tmp_path, seed):
    """Enough tab-shifted records to see one wrong repair in a thousand."""
    _, tabs = clean_against_key(tmp_path, seed, True, records=100_000, dirt_rate=0.04)
    total = sum(tabs.values())
    repairs = tabs["right"] + tabs["wrong"]
    assert total >= 1_000, tabs
    assert tabs["right"] >= 0.95 * total, tabs
    assert tabs["wrong"] <= repairs / 1_000, tabs


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

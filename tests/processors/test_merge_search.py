"""The C search for valid merges (native/merges.c) finds exactly what the Python search finds."""

import random

import pytest

from calaccess_archive.raw_schemas import raw_table_schemas
from processors.ingest import repair
from processors.ingest.native.merges import merge_search
from processors.ingest.schema import TEXT


TYPED = {"integer": ["", "12", "-3", "Y"], "decimal": ["", "1.50", "-20"], "float": ["", "2.5"],
         "date": ["", "3/4/2001 12:00:00 AM", "2/29/2004"]}


def _fields(rng: random.Random, columns, extra: int) -> list[str]:
    """A valid record of `columns` with `extra` tabs put inside its text values, as the export's faults
    are: texts are empty, full (their column's limit: a merge into them overflows) or shorter; one
    record in five also gets an invalid typed value, so that no merge is valid."""
    record = []
    full = rng.choice((0.7, 0.98))  # records of mostly full columns have one valid merge
    for column in columns:
        if column.kind != TEXT:
            record.append(rng.choice(TYPED[column.kind]))
        elif rng.random() < (1 - full) / 2:
            record.append("")
        else:
            longest = min(column.max_length or 40, rng.choice((2, 5, 40, 200)))
            length = longest if rng.random() < full else rng.randint(1, longest)  # full columns fit no merge
            record.append("".join(rng.choice("AB C") for _ in range(length)))
    for _ in range(extra):  # a character of a text value becomes a tab: the record stays valid
        i = rng.choice([i for i, c in enumerate(columns) if c.kind == TEXT and len(record[i]) > 2])
        cut = rng.randint(1, len(record[i]) - 2)
        record[i] = record[i][:cut] + "\t" + record[i][cut + 1 :]
    fields = "\t".join(record).split("\t")
    if rng.random() < 0.2:
        typed = [i for i, c in enumerate(columns) if c.kind != TEXT]
        fields[rng.choice(typed)] = "not a number or date"
    return fields


def _outcome(result):
    record, reason, space = result
    shape = None if space is None else (space.base, space.first, space.last, sorted(space.states.items()),
                                        space.merges)
    return record, reason, shape


@pytest.mark.parametrize("table", ["RCPT_CD", "FILERNAME_CD", "EXPN_CD"])
def test_c_and_python_searches_agree(table):
    columns = list(raw_table_schemas()[table].columns)
    search = merge_search(columns)
    assert search is not None, "the C library is built for the tests"
    rng = random.Random(table)
    kinds = {"repaired": 0, "several": 0, "none": 0}
    for _ in range(1500):
        fields = _fields(rng, columns, rng.choice((1, 1, 2, 3, 4, repair.MAX_EXTRA_FIELDS)))
        python = _outcome(repair.tab_repair(columns, fields))
        native = _outcome(repair.tab_repair(columns, fields, search))
        assert native == python, fields
        kinds["repaired" if python[0] else "several" if python[2] else "none"] += 1
    # Every outcome was compared many times, not just the commonest.
    assert min(kinds.values()) >= 20, kinds


def test_the_c_search_refuses_a_record_it_was_not_made_for():
    columns = list(raw_table_schemas()["FILERNAME_CD"].columns)
    search = merge_search(columns)
    with pytest.raises(ValueError, match="surplus fields"):
        search.search([""] * (len(columns) + 20), repair.MAX_CANDIDATES)

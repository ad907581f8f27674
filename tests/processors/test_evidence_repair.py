"""Tab-shifted records with several valid merges, decided by what the table's columns usually hold.

The worked examples of docs/cleaning.md, on small tables whose other records
give the evidence: a name split between first and last name next to a
position and an amount, a description split next to empty columns, a record
with three surplus tabs; and the cases where the evidence must not decide.
"""

import base64
import csv
import io
import random

from processors.ingest.clean import table_clean
from processors.ingest.schema import DECIMAL, TEXT, Column, TableSchema

FIRST = ["John", "Mary", "Robert", "Linda", "Carlos", "Ana", "Wei", "Priya", "James", "Rosa", "Kevin", "Emily"]
LAST = ["Smith", "Garcia", "Nguyen", "Johnson", "Lee", "Patel", "Brown", "Lopez", "Kim", "Rivera", "Chen", "Hall"]
POSITIONS = ["Director", "Legislative Director", "Chief of Staff", "Consultant", "Treasurer", "Senior Advisor"]
DESCRIPTIONS = ["OFFICE SUPPLIES", "POSTAGE", "RADIO AIRTIME", "CAMPAIGN CONSULTING", "FILING FEE", "PRINTING"]
CITIES = ["SACRAMENTO", "LOS ANGELES", "SAN DIEGO", "SANTA ROSA", "FRESNO", "SAN JOSE", "OAKLAND"]

BENEFICIARIES = TableSchema("LEXP_CD", "LEXP_CD", (
    Column("BENE_NAME", TEXT, max_length=90), Column("BENE_POSIT", TEXT, max_length=90),
    Column("BENE_AMT", DECIMAL, max_digits=14, decimal_places=2),
))
EXPENSES = TableSchema("EXPN_CD", "EXPN_CD", (
    Column("PAYEE_NAML", TEXT, max_length=200), Column("PAYEE_CITY", TEXT, max_length=30),
    Column("EXPN_DSCR", TEXT, max_length=400), Column("MEMO_REFNO", TEXT, max_length=20),
    Column("BAKREF_TID", TEXT, max_length=20), Column("AMOUNT", DECIMAL, max_digits=14, decimal_places=2),
))


def tsv(schema: TableSchema, records: list[list[str]]) -> bytes:
    lines = ["\t".join(schema.column_names)] + ["\t".join(r) for r in records]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def clean(tmp_path, schema, records):
    result = table_clean(source=io.BytesIO(tsv(schema, records)), schema=schema,
                         clean_path=tmp_path / f"{schema.name}.csv", errors_path=tmp_path / f"{schema.name}.errors.csv")
    rows = list(csv.reader(open(tmp_path / f"{schema.name}.csv", newline="", encoding="utf-8")))[1:]
    errors = list(csv.reader(open(tmp_path / f"{schema.name}.errors.csv", newline="", encoding="utf-8")))[1:]
    repairs_path = tmp_path / f"{schema.name}.repairs.csv"
    repairs = list(csv.DictReader(open(repairs_path, newline="", encoding="utf-8"))) if repairs_path.exists() else []
    return result, rows, errors, repairs


def beneficiaries(n: int, rng: random.Random) -> list[list[str]]:
    return [[f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(POSITIONS), f"{rng.randint(1, 900)}.00"]
            for _ in range(n)]


def expenses(n: int, rng: random.Random) -> list[list[str]]:
    # MEMO_REFNO and BAKREF_TID are empty in most records, as in the real EXPN_CD.
    return [[rng.choice(LAST).upper(), rng.choice(CITIES), rng.choice(DESCRIPTIONS),
             f"M{rng.randint(1, 999)}" if rng.random() < 0.1 else "", "", f"{rng.randint(1, 900)}.00"]
            for _ in range(n)]


def test_a_name_split_next_to_a_position_and_an_amount_is_repaired_by_evidence(tmp_path):
    rng = random.Random(1)
    records = beneficiaries(150, rng)
    shifted = ["Ana\tLopez", "Chief of Staff", "120.00"]  # the tab is where the space between the names was
    records.insert(40, shifted)  # met before most of the evidence: decided at the end of the table
    records += beneficiaries(150, rng)
    result, rows, errors, repairs = clean(tmp_path, BENEFICIARIES, records)
    assert errors == []
    assert shifted in rows and ["Ana", "Lopez\tChief of Staff", "120.00"] not in rows
    assert (result.repaired, result.repaired_unique, result.repaired_by_evidence) == (1, 0, 1)
    assert result.records_in == 301 == result.records_out + result.quarantined
    [repair] = repairs
    assert repair["line"] == "42" and repair["kind"] == "evidence"
    assert repair["merged_columns"] == "BENE_NAME" and repair["runner_up_columns"] == "BENE_POSIT"
    assert float(repair["score"]) - float(repair["runner_up_score"]) >= 9
    assert base64.b64decode(repair["original_base64"]) == b"Ana\tLopez\tChief of Staff\t120.00\r\n"


def test_a_description_split_next_to_empty_columns_is_repaired_by_evidence(tmp_path):
    rng = random.Random(2)
    records = expenses(300, rng)
    shifted = ["SMITH", "SACRAMENTO", "OFFICE\tSUPPLIES", "", "", "25.00"]
    records.append(shifted)
    result, rows, errors, repairs = clean(tmp_path, EXPENSES, records)
    assert errors == [] and shifted in rows
    assert result.repaired_by_evidence == 1 and repairs[0]["merged_columns"] == "EXPN_DSCR"


def test_three_surplus_tabs_are_decided_over_every_valid_merge(tmp_path):
    rng = random.Random(3)
    records = expenses(300, rng)
    shifted = ["GARCIA", "SANTA\tROSA", "CAMPAIGN\tCONSULTING", "", "", "99.00"]
    other = ["LEE", "SAN\tDIEGO", "RADIO\tAIRTIME", "", "", "5.00"]
    records += [shifted, other]
    result, rows, errors, repairs = clean(tmp_path, EXPENSES, records)
    assert errors == [] and shifted in rows and other in rows
    assert result.repaired_by_evidence == 2
    assert {r["merged_columns"] for r in repairs} == {"PAYEE_CITY+EXPN_DSCR"}


def test_without_enough_evidence_the_record_is_quarantined_not_guessed(tmp_path):
    """Two records tell nothing about the columns: a guess could put a word in the wrong column."""
    records = [["Mary Smith", "Director", "10.00"], ["Ana\tLopez", "Chief of Staff", "120.00"], ["Wei Chen", "Treasurer", "5.00"]]
    result, rows, errors, repairs = clean(tmp_path, BENEFICIARIES, records)
    assert (result.repaired, result.quarantined, result.records_out) == (0, 1, 2)
    [error] = errors
    assert error[0] == "3" and "ambiguous" in error[2] and "margin" in error[2]
    assert base64.b64decode(error[4]) == b"Ana\tLopez\tChief of Staff\t120.00\r\n"
    assert repairs == [] and not (tmp_path / "LEXP_CD.repairs.csv").exists()
    assert not list(tmp_path.glob("*.part"))  # the records put aside leave no file behind


def test_a_record_with_one_valid_merge_is_repaired_and_listed(tmp_path):
    # The amount cannot take text, so only BENE_NAME can take the extra field.
    schema = TableSchema("T", "T", (Column("NAME", TEXT, max_length=90), Column("AMT", DECIMAL, max_digits=14, decimal_places=2)))
    result, rows, errors, repairs = clean(tmp_path, schema, [["Mary\tSmith", "10.00"], ["Wei Chen", "5.00"]])
    assert rows == [["Mary\tSmith", "10.00"], ["Wei Chen", "5.00"]]
    assert (result.repaired_unique, result.repaired_by_evidence) == (1, 0)
    assert [(r["line"], r["kind"], r["merged_columns"], r["score"]) for r in repairs] == [("2", "unique", "NAME", "")]
    # Cleaned again without the tab: the earlier repairs file goes, so the files always match the counts.
    clean(tmp_path, schema, [["Mary Smith", "10.00"]])
    assert not (tmp_path / "T.repairs.csv").exists()

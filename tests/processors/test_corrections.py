"""Corrections in the clean stage and their rules (processors/ingest/corrections.py), on hand-made tables."""

import base64

import pytest

from processors.ingest.corrections import (
    CorrectionInvalid,
    corrected_record,
    original_fields,
    original_sha256,
    record_id,
    record_id_parse,
)
from tests.processors.test_clean import FILERNAME, clean, decoded, line, row


def quarantined_bytes(errors, index=0) -> bytes:
    return base64.b64decode(errors[index]["original_base64"])


def test_a_corrected_record_is_written_instead_of_quarantined(tmp_path):
    bad = line(row(FILER_ID=b"12x", NAML=b"Friends of Bob"))
    body = line(row()) + bad + line(row(FILER_ID=b"99"))
    _, _, errors = clean(tmp_path, body)
    original = quarantined_bytes(errors)
    assert original == bad
    record = corrected_record(FILERNAME.columns, original, {"FILER_ID": "12"})
    assert record["FILER_ID"] == "12" and record["NAML"] == "Friends of Bob"

    from processors.ingest.clean import table_clean
    import io

    result = table_clean(source=io.BytesIO(b"\t".join(c.encode() for c in FILERNAME.column_names) + b"\r\n" + body),
                         schema=FILERNAME, clean_path=tmp_path / "C.csv", errors_path=tmp_path / "C.errors.csv",
                         corrections={original_sha256(original): record})
    assert (result.records_in, result.records_out, result.quarantined, result.corrected) == (3, 3, 0, 1)
    assert result.corrections_applied == [{"sha256": original_sha256(original), "line": 3, "record": record,
                                           "original_base64": base64.b64encode(original).decode()}]
    rows = (tmp_path / "C.csv").read_text().splitlines()
    assert rows[2] == '"' + '","'.join(record.values()) + '"'
    assert (tmp_path / "C.errors.csv").read_text().count("\n") == 1  # the header only


def test_a_correction_of_another_table_or_record_changes_nothing(tmp_path):
    body = line(row(FILER_ID=b"12x"))
    first, rows, errors = clean(tmp_path, body)
    assert first.quarantined == 1 and first.corrected == 0 and first.corrections_applied == []


def test_a_record_with_surplus_fields_needs_every_column(tmp_path):
    fields = row(NAML=b"Friends\tof\tAnn", FILER_ID=b"x")
    original = line(fields)
    assert len(original_fields(original)) == len(FILERNAME.columns) + 2
    with pytest.raises(CorrectionInvalid, match="splits into 19 fields, the table has 17 columns: give every column"):
        corrected_record(FILERNAME.columns, original, {"FILER_ID": "1"})
    everything = dict(zip(FILERNAME.column_names, decoded(row(NAML=b"Friends of Ann"))))
    assert corrected_record(FILERNAME.columns, original, everything) == everything


@pytest.mark.parametrize("changes, message", [
    ({"NOPE": "1"}, "unknown column(s) 'NOPE'"),
    ({"FILER_ID": "twelve"}, "FILER_ID='twelve' is not a valid integer"),
    ({"EFFECT_DT": "2/30/2001"}, "EFFECT_DT='2/30/2001' is not a valid date"),
    ({"ST": "CALIF"}, "ST='CALIF' is not a valid text of at most 4 characters"),
])
def test_invalid_corrections_are_refused_in_one_line(changes, message):
    with pytest.raises(CorrectionInvalid) as error:
        corrected_record(FILERNAME.columns, line(row(FILER_ID=b"12x")), {"FILER_ID": "12", **changes})
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_value_given_as_a_number_or_null_is_text():
    record = corrected_record(FILERNAME.columns, line(row(FILER_ID=b"12x")), {"FILER_ID": 12, "NAMF": None})
    assert (record["FILER_ID"], record["NAMF"]) == ("12", "")


def test_a_correction_must_fix_every_invalid_value():
    with pytest.raises(CorrectionInvalid, match="FILER_ID='12x' is not a valid integer"):
        corrected_record(FILERNAME.columns, line(row(FILER_ID=b"12x")), {"NAML": "Friends of Bob"})


def test_original_fields_keep_line_breaks_and_drop_the_line_end():
    assert original_fields(b"a\tb\r\nc\td\r\r\n") == ["a", "b\r\nc", "d"]
    assert original_fields(b"caf\xe9\t1\n") == ["caf\u00e9", "1"]


def test_record_ids_are_stable_and_parse_back():
    digest = original_sha256(b"x\r\n")
    assert record_id("RCPT_CD", digest) == f"RCPT_CD-{digest[:12]}"
    assert record_id_parse(f"RCPT_CD-{digest[:12]}") == ("RCPT_CD", digest[:12])
    with pytest.raises(CorrectionInvalid, match="not a quarantined record id"):
        record_id_parse("RCPT_CD")

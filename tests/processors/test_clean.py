"""The clean stage on small hand-made tables, one dirt class at a time."""

import base64
import csv
import io

import pytest

from processors.ingest.clean import table_clean
from calaccess_archive.raw_schemas import raw_table_schemas

FILERNAME = raw_table_schemas()["FILERNAME_CD"]
HEADER = b"\t".join(c.encode() for c in FILERNAME.column_names) + b"\r\n"


def row(**values) -> list[bytes]:
    """A FILERNAME_CD record as byte fields, with plausible defaults."""
    defaults = {
        "XREF_FILER_ID": b"C123", "FILER_ID": b"1234567", "FILER_TYPE": b"RCP COMMITTEE",
        "STATUS": b"ACTIVE", "EFFECT_DT": b"3/29/2001 12:00:00 AM", "NAML": b"Friends of Ann",
        "NAMF": b"", "NAMT": b"", "NAMS": b"", "ADR1": b"1 Main St", "ADR2": b"", "CITY": b"Sacramento",
        "ST": b"CA", "ZIP4": b"95814", "PHON": b"", "FAX": b"", "EMAIL": b"",
    }
    defaults.update(values)
    return [defaults[c] for c in FILERNAME.column_names]


def line(fields: list[bytes], end: bytes = b"\r\n") -> bytes:
    return b"\t".join(fields) + end


def clean(tmp_path, body: bytes, header: bytes = HEADER, schema=FILERNAME):
    result = table_clean(
        source=io.BytesIO(header + body),
        schema=schema,
        clean_path=tmp_path / "T.csv",
        errors_path=tmp_path / "T.errors.csv",
    )
    with open(tmp_path / "T.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(tmp_path / "T.errors.csv", newline="", encoding="utf-8") as f:
        errors = list(csv.DictReader(f))
    assert result.records_in == result.records_out + result.quarantined
    return result, rows, errors


def decoded(fields: list[bytes]) -> list[str]:
    return [f.decode() for f in fields]


def test_clean_records_pass_through_unchanged(tmp_path):
    records = [row(FILER_ID=str(i).encode(), NAML=b'The "Best" Committee, Inc.') for i in range(5)]
    result, rows, errors = clean(tmp_path, b"".join(line(r) for r in records))
    assert rows[0] == FILERNAME.column_names
    assert rows[1:] == [decoded(r) for r in records]
    assert (result.records_in, result.records_out, result.quarantined, result.lines) == (5, 5, 0, 5)
    assert errors == []
    assert result.clean_sha256 and result.clean_size == (tmp_path / "T.csv").stat().st_size


def test_tab_inside_text_value_is_repaired(tmp_path):
    # NAML holds a tab; its neighbours NAMF (55) is text, but the value would not
    # fit the fixed-width columns further right, and FILER_ID (integer) is left of it.
    good = row(NAML=b"Friends of\tAnn", ADR1=b"1 Main St")
    fields = b"\t".join(good).split(b"\t")
    tabbed = row(FILER_ID=b"42", NAML=b"Committee\tto Elect", NAMF=b"", NAMT=b"", NAMS=b"")
    result, rows, errors = clean(tmp_path, line(fields) + line(tabbed))
    assert result.repaired + result.quarantined == 2
    for out in rows[1:]:
        assert out in (decoded(good), decoded(tabbed))  # never a wrong record


def test_unique_repair_is_chosen(tmp_path):
    # FILER_TYPE is followed by STATUS (10 characters) and the date EFFECT_DT:
    # putting the tab anywhere else breaks a length or a date, so one merge is valid.
    record = row(FILER_TYPE=b"RCP\tCOMMITTEE")
    result, rows, errors = clean(tmp_path, line(record))
    assert result.repaired == 1 and errors == []
    assert rows[1] == decoded(record)


def test_ambiguous_tab_is_quarantined_with_original_bytes(tmp_path):
    record = row(NAMF=b"Ann\tMarie")  # NAMF/NAMT/NAMS are all free text
    raw = line(record)
    result, rows, errors = clean(tmp_path, raw)
    assert result.quarantined == 1 and rows[1:] == []
    assert errors[0]["line"] == "2" and "ambiguous" in errors[0]["reason"]
    assert base64.b64decode(errors[0]["original_base64"]) == raw


def test_record_split_by_line_breaks_is_rejoined(tmp_path):
    lf = row(ADR1=b"Suite 100\nFloor 2")
    crlf = row(NAML=b"Friends\r\nof Ann")
    two = row(ADR1=b"a\nb\nc")
    result, rows, errors = clean(tmp_path, line(lf) + line(crlf) + line(two) + line(row()))
    assert rows[1:] == [decoded(lf), decoded(crlf), decoded(two), decoded(row())]
    assert result.rejoined == 3 and result.records_in == 4 and result.lines == 8


def test_short_line_that_cannot_be_completed_is_quarantined_alone(tmp_path):
    short = b"\t".join(row()[:5]) + b"\r\n"
    result, rows, errors = clean(tmp_path, short + line(row()))
    assert result.quarantined == 1 and result.records_out == 1
    assert errors[0]["line"] == "2" and "too few fields (5 of 17)" in errors[0]["reason"]


def test_control_bytes_are_mapped_back(tmp_path):
    record = row(NAML=b"Governor\x12s\x00 Office\x1a", ADR1=b"Fund \x16 Yes", CITY=b"Governorb\x00\x19s")
    result, rows, errors = clean(tmp_path, line(record))
    assert rows[1][5] == "Governor\u2019s Office"
    assert rows[1][9] == "Fund \u2013 Yes"
    assert rows[1][11] == "Governorb\u2019s"
    assert result.value_fixes == {
        "removed_nul_or_sub": 2, "restored_windows_1252_punctuation": 2, "utf16_apostrophe": 1,
    }


def test_non_ascii_is_decoded_faithfully(tmp_path):
    record = row(NAML="José Peña".encode("cp1252"), NAMF="Zoë".encode("utf-8"), CITY=b"What\xc2\xbf")
    result, rows, errors = clean(tmp_path, line(record))
    assert rows[1][5:7] == ["José Peña", "Zoë"] and rows[1][11] == "What¿"
    assert "\ufffd" not in "".join(rows[1])
    assert result.value_fixes == {"decoded_windows_1252": 1}


def test_blank_lines_are_counted_not_kept_and_duplicates_kept(tmp_path):
    body = line(row()) + b"\r\n" + line(row()) + b"\r\r\n" + line(row(FILER_ID=b"9")) + b"\n"
    result, rows, errors = clean(tmp_path, body)
    assert result.blank_lines == 3 and result.records_out == 3 and result.duplicates == 1
    assert result.lines == 6


def test_bare_cr_before_line_end_is_dropped(tmp_path):
    result, rows, errors = clean(tmp_path, line(row(), end=b"\r\r\n"))
    assert rows[1] == decoded(row()) and result.value_fixes == {"stray_cr_before_line_end": 1}


def test_invalid_typed_value_is_quarantined(tmp_path):
    body = line(row(EFFECT_DT=b"2/30/2001 12:00:00 AM")) + line(row(FILER_ID=b"12x"))
    result, rows, errors = clean(tmp_path, body)
    assert result.quarantined == 2
    assert "EFFECT_DT" in errors[0]["reason"] and "FILER_ID" in errors[1]["reason"]


def test_flags_and_blank_numbers_are_kept_as_the_state_wrote_them(tmp_path):
    """The cleaned CSV archives the record; the load converts them for the typed table (counted here)."""
    result, rows, errors = clean(tmp_path, line(row(FILER_ID=b"Y")) + line(row(FILER_ID=b"   ")))
    assert [r[1] for r in rows[1:]] == ["Y", "   "]
    assert result.value_fixes == {"blank_number_to_null": 1, "flag_to_integer": 1}


def test_schema_drift_is_recorded_and_columns_kept(tmp_path):
    names = [c for c in FILERNAME.column_names if c != "FAX"] + ["NEW_COL"]
    header = "\t".join(names).encode() + b"\t\r\n"  # with a trailing tab
    record = [v for c, v in zip(FILERNAME.column_names, row()) if c != "FAX"] + [b"new value"]
    result, rows, errors = clean(tmp_path, line(record), header=header)
    assert result.columns_added == ["NEW_COL"] and result.columns_missing == ["FAX"]
    assert rows[0] == names and rows[1][-1] == "new value"


def test_empty_table(tmp_path):
    result, rows, errors = clean(tmp_path, b"", header=b"")
    assert rows == [FILERNAME.column_names] and result.records_in == 0


def test_duplicate_primary_key_is_quarantined(tmp_path):
    schema = raw_table_schemas()["FILER_TYPES_CD"]
    header = "\t".join(schema.column_names).encode() + b"\r\n"
    values = {"FILER_TYPE": b"1"}
    fields = [values.get(c.name, b"1" if c.kind != "text" else b"x") for c in schema.columns]
    result, rows, errors = clean(tmp_path, line(fields) + line(fields), header=header, schema=schema)
    assert result.records_out == 1 and result.quarantined == 1
    assert "primary key" in errors[0]["reason"]


@pytest.mark.parametrize("chunk_size", [7, 64, 1000])
def test_records_split_across_read_chunks(tmp_path, monkeypatch, chunk_size):
    monkeypatch.setattr("processors.ingest.clean.CHUNK_SIZE", chunk_size)
    records = [row(FILER_ID=str(i).encode(), ADR1=b"a\nb" if i % 3 == 0 else b"x") for i in range(20)]
    result, rows, errors = clean(tmp_path, b"".join(line(r) for r in records))
    assert rows[1:] == [decoded(r) for r in records] and errors == []


def test_one_tab_shortcut_agrees_with_the_general_search():
    """The one-surplus-field shortcut must find exactly what the full search finds."""
    import random

    from processors.ingest import repair

    rng = random.Random(5)
    columns = raw_table_schemas()["RCPT_CD"].columns
    for _ in range(300):
        fields = [rng.choice(["", "A", "AB C", "12", "1.50", "3/4/2001 12:00:00 AM", "Y"]) for _ in range(len(columns) + 1)]
        expected = []

        def search(f, c, record):
            if c == len(columns):
                if f == len(fields):
                    expected.append(list(record))
                return
            for width in (1, 2) if columns[c].kind == "text" else (1,):
                value = "\t".join(fields[f : f + width])
                if f + width <= len(fields) and columns[c].is_valid(value):
                    search(f + width, c + 1, record + [value])

        search(0, 0, [])
        assert repair.tab_repair_candidates(columns, fields) == expected[: repair.MAX_CANDIDATES]


def test_a_time_of_day_in_a_date_column_is_counted(tmp_path):
    result, rows, errors = clean(tmp_path, line(row(EFFECT_DT=b"3/29/2001 3:15:00 PM")))
    assert rows[1][4] == "3/29/2001 3:15:00 PM"  # kept in the cleaned file
    assert result.value_fixes == {"time_of_day_not_loaded": 1}


# Lines that probe every rule the C path applies itself, and its edges where
# the Python paths must take over (each line is cleaned on both paths).
EDGE_LINES = [
    line(row()),
    line(row(NAML=b"Caf\xe9 \x93Fund\x94", NAMF="Zo\u00eb".encode())),  # one field Windows-1252, one UTF-8
    line(row(NAML=b'Caf\xe9 "Fund"')),  # quotes in a decoded field
    line(row(NAML=b"\xed\xa0\x80 surrogate", NAMF=b"\xc0\xaf", NAMT=b"\xf4\x90\x80\x80", NAMS=b"cut \xe2\x80")),
    line(row(NAML="\U0001f600 \u20ac \u00a2".encode())),  # 4-, 3- and 2-byte UTF-8
    line(row(NAML=b"\x81\x8d\x8f\x90\x9d undefined in Windows-1252")),
    line(row(NAML=b"Ann\x00\x19s", NAMF=b"\x00\x00\x19", NAMT=b"\x00\x1a\x19", NAMS=b"x\x00")),
    line(row(NAML=bytes(range(0x11, 0x1A)), ADR1=b"tail \x11")),
    line(row(NAML=b"other controls \x01\x1f\x7f kept")),
    line(row(FILER_ID=b"Y")), line(row(FILER_ID=b"n")), line(row(FILER_ID=b"x", NAML=b"caf\xe9")),
    line(row(EFFECT_DT=b"Y")),  # a flag is no date: quarantined
    line(row(FILER_ID=b"\xef\xbc\x91\xef\xbc\x92")),  # fullwidth digits are no integer for PostgreSQL
    line(row(FILER_ID=b"7\xc2\xa0", EFFECT_DT="3/29/2001\u2003".encode())),  # nor is a no-break space around one
    line(row(EFFECT_DT=b"2/29/2004")),  # leap day: left to Python
    line(row(FILER_ID=b"+12")), line(row(FILER_ID=b" 7 ")), line(row(FILER_ID=b"  ")),
    line(row(), end=b"\r\r\n"), line(row(NAML=b"caf\xe9"), end=b"\r\r\r\n"),
    b"\r\n", b"\n", b"\r\r\n", b"\x00\r\n",
    line(row(NAML=b"bare\rCR inside")),
    line(row(NAML=b"no CR at the end"), end=b"\n"),
    line(row(ST="\u00e9\u00e9\u00e9\u00e9".encode())),  # 4 characters in 8 bytes fit ST's 4
    line(row(ST="\u00e9\u00e9\u00e9\u00e9\u00e9".encode())),  # 5 do not
    line(row(ST=b"CA\x00\x00\x1a")),  # fits once NUL and SUB are removed
    line(row(ST=b"\x00\x19\x00\x19\x00\x19\x00\x19")),  # 4 apostrophes
    # Duplicates: the same record from different bytes, across a blank line, after a rejoin.
    line(row(NAML=b"A\x00B")), line(row(NAML=b"AB")), b"\r\n", line(row(NAML=b"AB")),
    line(row()[:5] + [b"Friends"]), line([b"of Ann"] + row()[6:]),  # rejoined
    line([b"C1"]), line(row()), line(row()),  # rejoined with a valid line; the next is no duplicate of what was written
    line(row(NAML=b"one\textra tab")), line(row(NAML=b"two\textra\ttabs")),
    line(row(NAML=b"caf\xe9\tand a tab")),
]


@pytest.mark.parametrize("chunk_size", [64, 1024 * 1024])
def test_c_and_python_paths_agree_on_every_rule(tmp_path, monkeypatch, chunk_size):
    from processors.ingest import clean as clean_module

    monkeypatch.setattr(clean_module, "CHUNK_SIZE", chunk_size)
    body = b"".join(EDGE_LINES) * 3
    results, files = {}, {}
    for native in (True, False):
        results[native] = table_clean(
            source=io.BytesIO(HEADER + body), schema=FILERNAME, native=native,
            clean_path=tmp_path / f"{native}.csv", errors_path=tmp_path / f"{native}.errors.csv",
        )
        files[native] = [(tmp_path / f"{native}{suffix}").read_bytes() for suffix in (".csv", ".errors.csv")]
    assert results[True] == results[False]
    assert files[True] == files[False]
    result = results[True]
    assert set(result.value_fixes) == {
        "decoded_windows_1252", "removed_nul_or_sub", "utf16_apostrophe", "restored_windows_1252_punctuation",
        "flag_to_integer", "stray_cr_before_line_end", "blank_number_to_null",
    }
    with open(tmp_path / "True.csv", newline="", encoding="utf-8") as f:
        values = {v for r in csv.reader(f) for v in r}
    assert {"Café “Fund”", "\U0001f600 € ¢", "Ann’s", "’", "other controls \x01\x1f\x7f kept", "éééé", "CA"} <= values
    assert "\ufffd" not in "".join(values)
    assert not {"１２", "7\xa0", "3/29/2001\u2003"} & values
    assert "FILER_ID='１２'" in (tmp_path / "True.errors.csv").read_text(encoding="utf-8")
    assert "Friends\r\nof Ann" in values and "C1\r\nC123" in values
    assert result.blank_lines == 5 * 3 and result.rejoined == 2 * 3
    # A"NUL"B and AB; AB across a blank line; the first line of each repetition repeats the last one's.
    assert result.duplicates == 2 * 3 + 2

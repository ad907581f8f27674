"""The synthetic export: layout, determinism, joins, dirt and its answer key, drift, command."""

import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command

from processors.sample.dirt import FAULTS, field_clean
from processors.sample.export import sample_export_write
from calaccess_archive.raw_schemas import raw_table_schemas

EMPTY = {"CVR_F470_CD", "FILER_TYPE_PERIODS_CD", "LOBBYIST_EMPLOYER_HISTORY_CD", "LOBBYIST_FIRM_HISTORY_CD"}
# Physical lines end at LF; CRs right before the LF belong to the line end.
LINE_END = re.compile(rb"\r*\n")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "dbwebexport.zip"
    summary = sample_export_write(schemas=raw_table_schemas(), path=path, seed=7, records=20_000, dirt_rate=0.01)
    answers = [json.loads(line) for line in open(summary["answer_key"], encoding="utf-8")]
    with zipfile.ZipFile(path) as zf:
        members = {i.filename.split("/")[-1][:-4]: zf.read(i) for i in zf.infolist()}
    return summary, answers, members


def physical_lines(data: bytes) -> list[tuple[bytes, bytes]]:
    """(line, its end) pairs."""
    out, start = [], 0
    for m in LINE_END.finditer(data):
        out.append((data[start : m.start()], m.group()))
        start = m.end()
    assert start == len(data), "every line ends"
    return out


def rows(data: bytes) -> list[list[str]]:
    """Records of a clean table (header dropped)."""
    return [line.decode("ascii").split("\t") for line in data.split(b"\r\n")[1:-1] if line]


def test_layout(export):
    summary, _, members = export
    schemas = raw_table_schemas()
    assert len(members) == 80 and set(members) == set(schemas)
    assert {t for t, data in members.items() if not data} == EMPTY
    for table, data in members.items():
        if not data:
            continue
        assert data.endswith(b"\r\n")
        header = data.split(b"\r\n", 1)[0].decode()
        assert header.rstrip("\t").split("\t") == schemas[table].column_names
        assert header.endswith("\t") == summary["tables"][table]["header_trailing_tab"]
        assert len(physical_lines(data)) == summary["tables"][table]["lines"]
    assert any(t["header_trailing_tab"] for t in summary["tables"].values())
    assert summary["records"] == 20_000
    counts = {t: s["records"] for t, s in summary["tables"].items()}
    assert counts["RCPT_CD"] > counts["SMRY_CD"] > counts["EXPN_CD"] > counts["SPLT_CD"] > counts["FILER_FILINGS_CD"]
    assert all(n >= 5 for t, n in counts.items() if t not in EMPTY)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b, c = tmp_path / "a.zip", tmp_path / "b.zip", tmp_path / "c.zip"
    for path, seed in ((a, 1), (b, 1), (c, 2)):
        sample_export_write(schemas=raw_table_schemas(), path=path, seed=seed, records=3000)
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.answers.jsonl").read_bytes() == (tmp_path / "b.answers.jsonl").read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_records_join_filers_and_filings(tmp_path):
    summary = sample_export_write(schemas=raw_table_schemas(), path=tmp_path / "x.zip", seed=3, records=5000, dirt_rate=0)
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        table = lambda name: rows(zf.read(f"CalAccess/DATA/{name}.TSV"))  # noqa: E731
        names = {name: raw_table_schemas()[name].column_names for name in summary["tables"]}
        col = lambda name, record, column: record[names[name].index(column)]  # noqa: E731
        filers = {col("FILERNAME_CD", r, "FILER_ID") for r in table("FILERNAME_CD")}
        assert filers == {r[0] for r in table("FILERS_CD")}
        filings = {(col("FILER_FILINGS_CD", r, "FILING_ID"), col("FILER_FILINGS_CD", r, "FILING_SEQUENCE")) for r in table("FILER_FILINGS_CD")}
        assert {col("FILER_FILINGS_CD", r, "FILER_ID") for r in table("FILER_FILINGS_CD")} <= filers
        assert any(amend != "0" for _, amend in filings)
        covers = {}
        for r in table("CVR_CAMPAIGN_DISCLOSURE_CD"):
            key = (col("CVR_CAMPAIGN_DISCLOSURE_CD", r, "FILING_ID"), col("CVR_CAMPAIGN_DISCLOSURE_CD", r, "AMEND_ID"))
            assert key in filings
            covers[key] = r
        assert any(col("CVR_CAMPAIGN_DISCLOSURE_CD", r, "BAL_NAME") for r in covers.values())
        for name in ("RCPT_CD", "EXPN_CD", "LOAN_CD", "S497_CD", "SMRY_CD", "DEBT_CD", "SPLT_CD"):
            keys = [(col(name, r, "FILING_ID"), col(name, r, "AMEND_ID"), col(name, r, "LINE_ITEM")) for r in table(name)]
            assert {k[:2] for k in keys} <= set(covers), name
            assert len(set(keys)) == len(keys), f"{name}: (FILING_ID, AMEND_ID, LINE_ITEM) repeat"
        assert {col("RCPT_CD", r, "FORM_TYPE") for r in table("RCPT_CD")} <= {"A", "C", "I"}
        assert "E" in {col("EXPN_CD", r, "FORM_TYPE") for r in table("EXPN_CD")}
        lookup = {(r[0], r[1]): r[2] for r in table("LOOKUP_CODES_CD")}
        assert lookup[("16000", "16001")] == "DEMOCRATIC" and lookup[("16000", "16002")] == "REPUBLICAN"
        # Form 501s as the real export fills them (docs: real-export.md).
        xref = {col("FILER_XREF_CD", r, "XREF_ID"): col("FILER_XREF_CD", r, "FILER_ID") for r in table("FILER_XREF_CD")}
        f501 = [dict(zip(names["F501_502_CD"], r)) for r in table("F501_502_CD")]
        assert {r["FORM_TYPE"] for r in f501} == {"F501", "F502"}
        for r in f501:
            assert r["FILER_ID"] in filers or (r["FILER_ID"].startswith("-") and xref[r["FILER_ID"]] in filers)
            assert r["ELECT_DATE"] == r["FROM_DATE"] == r["THRU_DATE"] == "" and r["DIST_NO"] == ""
            assert r["PARTY_CD"] in ("", "0") or ("16000", r["PARTY_CD"]) in lookup
            assert ("30000", r["OFFICE_CD"]) in lookup or (r["OFFICE_CD"] == "0" and r["OFFIC_DSCR"].strip())
            assert r["DISTRICT_CD"] == "" or ("17000", r["DISTRICT_CD"]) in lookup
            assert r["ELEC_TYPE"] == "0" or ("3000", r["ELEC_TYPE"]) in lookup
            assert r["JURIS_CD"] == "0" or ("40500", r["JURIS_CD"]) in lookup
        assert any(r["FILER_ID"].startswith("-") for r in f501) and any(not r["YR_OF_ELEC"] for r in f501)
        assert any(r["OFFICE_CD"] == "0" and r["OFFIC_DSCR"].endswith("  ") for r in f501)
        # District codes are not district numbers; covers name offices by letters.
        assert lookup[("17000", "17002")] == "13"
        offices = {col("CVR_CAMPAIGN_DISCLOSURE_CD", r, "OFFICE_CD") for r in covers.values()}
        assert "ASM" in offices and all(not o or o.isalpha() for o in offices)
        assert not any(col("CVR_CAMPAIGN_DISCLOSURE_CD", r, "CAND_ID") for r in covers.values())


def test_every_value_of_a_clean_export_is_valid(tmp_path):
    summary = sample_export_write(schemas=raw_table_schemas(), path=tmp_path / "x.zip", seed=5, records=4000, dirt_rate=0)
    schemas = raw_table_schemas()
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        for name, schema in schemas.items():
            for record in rows(zf.read(f"CalAccess/DATA/{name}.TSV")):
                assert len(record) == len(schema.columns), name
                for column, value in zip(schema.columns, record):
                    assert column.is_valid(value), (name, column.name, value)
            assert summary["tables"][name]["faults"] == dict.fromkeys(FAULTS, 0)


def test_every_fault_class_in_the_answer_key_and_in_the_file(export):
    summary, answers, members = export
    faults = [a for a in answers if "fault" in a]
    by_class = {c: [a for a in faults if a["fault"] == c] for c in FAULTS}
    for fault, found in by_class.items():
        assert 0.004 * 20_000 <= len(found) <= 0.02 * 20_000, fault
    # The key holds the truth: every tab-shifted record is a record to repair, whatever a rule manages.
    assert {a["expect"] for a in by_class["tab"]} == {"repaired"}
    assert {"\t".join(a["record"]).count("\t") - len(a["record"]) + 1 for a in by_class["tab"]} == {1, 2, 3}
    assert not [a for a in by_class["duplicate"] if a["table"] == "FILER_TYPES_CD"]
    schemas = raw_table_schemas()
    lines = {t: physical_lines(data) for t, data in members.items() if data}
    for a in faults:
        columns = schemas[a["table"]].columns
        if a["fault"] != "blank_line":
            assert len(a["record"]) == len(columns)
            assert all(c.is_valid(v) for c, v in zip(columns, a["record"])), a
        spanned = lines[a["table"]][a["line"] - 1 : a["line"] - 1 + a["lines"]]
        raw = b"".join(text + end for text, end in spanned[:-1]) + spanned[-1][0]
        if a["fault"] == "blank_line":
            assert raw == b"" and a["expect"] == "blank"
        elif a["fault"] == "tab":
            assert len(raw.split(b"\t")) > len(columns) and "\t".join(a["record"]).count("\t") == raw.count(b"\t")
            # The tabs sit between words of text values next to another text column, as real ones do.
            assert raw.decode("ascii") == "\t".join(a["record"]), a
            for i, value in enumerate(a["record"]):
                if "\t" in value:
                    assert columns[i].kind == "text" and not value.startswith("\t") and not value.endswith("\t"), a
                    assert any(0 <= j < len(columns) and columns[j].kind == "text" for j in (i - 1, i + 1)), a
        else:
            assert [field_clean(f) for f in raw.split(b"\t")] == a["record"], a
        if a["fault"] == "duplicate":
            assert lines[a["table"]][a["line"] - 2][0] == raw
        if a["fault"] == "trailing_cr":
            assert spanned[-1][1] == b"\r\r\n"
        if a["fault"] == "line_break":
            breaks = [m for v in a["record"] for m in re.findall(r"\r\n|\r|\n", v)]
            assert breaks and a["lines"] == (1 if breaks == ["\r"] else 2)
            assert a["expect"] == ("kept" if breaks == ["\r"] else "rejoined")
        if a["fault"] == "non_ascii":
            raw_field = next(f for f in raw.split(b"\t") if re.search(rb"[\x80-\xff]", f))
            assert not (is_utf8(raw_field) and re.search(rb"[\x80-\x9f]", raw_field.decode("utf-8").encode("latin-1", "ignore")))
    encodings = {is_utf8(f) for a in by_class["non_ascii"] for f in raw_fields(lines, a) if re.search(rb"[\x80-\xff]", f)}
    assert encodings == {True, False}, "both Windows-1252 and UTF-8 values"
    assert summary["faults"]["blank_line"] == sum(t["blank_lines"] for t in summary["tables"].values())


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def raw_fields(lines, answer) -> list[bytes]:
    return lines[answer["table"]][answer["line"] - 1][0].split(b"\t")


def test_answer_key_summary_lines(export):
    summary, answers, _ = export
    tables = {a["table"]: a["summary"] for a in answers if "summary" in a}
    assert tables == summary["tables"]


def test_drift_adds_and_removes_columns(tmp_path):
    drift = {"RCPT_CD": {"add": ["NEW_COL"], "remove": ["MEMO_CODE"]}}
    summary = sample_export_write(schemas=raw_table_schemas(), path=tmp_path / "x.zip", records=3000, drift=drift)
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        data = zf.read("CalAccess/DATA/RCPT_CD.TSV")
    header = data.split(b"\r\n", 1)[0].decode().rstrip("\t").split("\t")
    expected = [c for c in raw_table_schemas()["RCPT_CD"].column_names if c != "MEMO_CODE"] + ["NEW_COL"]
    assert header == expected == summary["tables"]["RCPT_CD"]["columns"]
    first = data.split(b"\r\n")[1].decode("latin-1").split("\t")
    assert len(first) == len(expected) and first[-1]
    with pytest.raises(ValueError):
        sample_export_write(schemas=raw_table_schemas(), path=tmp_path / "y.zip", records=1000, drift={"RCPT_CD": {"remove": ["NOPE"]}})


def test_command_writes_the_export_under_the_data_dir(settings):
    out = io.StringIO()
    call_command("makesampleexport", "--records", "2000", "--seed", "4", "--drift", "EXPN_CD:+EXTRA,-MEMO_CODE", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["path"] == str(settings.CALACCESS_DATA_DIR / "sample" / "dbwebexport.zip")
    assert summary["records"] == 2000 and "EXTRA" in summary["tables"]["EXPN_CD"]["columns"]
    assert zipfile.is_zipfile(summary["path"])
    out = io.StringIO()
    call_command("makesampleexport", "--records", "3000", "--output", str(settings.CALACCESS_DATA_DIR / "o.zip"), stdout=out)
    assert out.getvalue().count("\n") == 1 and "3000 records" in out.getvalue()

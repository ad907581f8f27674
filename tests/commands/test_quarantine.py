"""`manage.py quarantine list/show/resolve` and the corrections register through ingest, end to end
(stand-in CDN, real PostgreSQL, sample exports with one hand-made dirty record)."""

import base64
import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from calaccess_archive.models import Correction, RawDataVersion
from tests.ingest_helpers import ingest_json, sample_zip

pytestmark = pytest.mark.django_db(transaction=True)

DAY1 = dt.datetime(2026, 11, 19, 11, 40, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 11, 20, 11, 52, tzinfo=dt.UTC)
DAY3 = dt.datetime(2026, 11, 21, 11, 45, tzinfo=dt.UTC)
MEMBER = "CalAccess/DATA/FILERNAME_CD.TSV"
NAME = "Friends of the Register"


def dirty_record(export) -> bytes:
    """A FILERNAME_CD record of `export` with a FILER_ID that is no integer (quarantined)."""
    with zipfile.ZipFile(export) as archive:
        first = archive.read(MEMBER).split(b"\n")[1]
    fields = first.split(b"\t")
    fields[1] = b"12x"
    return b"\t".join(fields) + b"\n"


def with_record(source, dest, record: bytes):
    """A copy of the export `source` with `record` appended to FILERNAME_CD."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == MEMBER:
                data = data + record
            out.writestr(info, data)
    return dest


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    directory = tmp_path_factory.mktemp("quarantine-exports")
    day1 = sample_zip(directory, seed=1, records=800, dirt_rate=0)
    day2 = sample_zip(directory, seed=2, records=800, dirt_rate=0)
    record = dirty_record(day1)
    fields = record.split(b"\t")
    fields[5] = b"Friends\tof Tabs"  # NAML split by a tab, next to the bad FILER_ID: no merge is valid
    return {"day1": with_record(day1, directory / "day1.zip", record),
            "tabbed": with_record(day1, directory / "tabbed.zip", b"\t".join(fields)), "tabbed_fields": fields,
            "day2": with_record(day2, directory / "day2.zip", record),
            "day3": day2, "record": record}


def quarantine(*args) -> dict:
    out = io.StringIO()
    call_command("quarantine", "--json", *args, stdout=out) if args[0] == "list" else call_command(
        "quarantine", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def quarantine_lines(*args) -> list[str]:
    out = io.StringIO()
    call_command("quarantine", *args, stdout=out)
    return out.getvalue().splitlines()


def the_record(document) -> dict:
    [record] = [r for r in document["records"] if r["table"] == "FILERNAME_CD" and "FILER_ID" in r["reason"]]
    return record


def register_rows() -> list:
    with connection.cursor() as cursor:
        cursor.execute('SELECT "FILER_ID", "NAML" FROM "FILERNAME_CD" WHERE "NAML" = %s', [NAME])
        return cursor.fetchall()


def test_a_record_resolved_once_stays_resolved(cdn, exports, settings):
    cdn.publish(exports["day1"], last_modified=DAY1)
    day1 = ingest_json("--source", cdn.url)
    assert day1["tables"]["FILERNAME_CD"]["quarantined"] == 1 and day1["tables"]["FILERNAME_CD"]["corrected"] == 0

    listed = quarantine("list")
    record = the_record(listed)
    assert listed["release"] == "2026-11-19_11-40-00" and not record["corrected"]
    assert record["id"].startswith("FILERNAME_CD-") and quarantine("list", "--table", "FILERNAME_CD")["records"] == [record]
    assert record["id"] in quarantine_lines("list")[0] or any(record["id"] in x for x in quarantine_lines("list"))

    shown = quarantine("show", record["id"])
    assert base64.b64decode(shown["original_base64"]) == exports["record"]
    assert shown["columns"]["FILER_ID"] == "12x" and shown["columns_line_up"] and shown["correction"] is None

    resolved = quarantine("resolve", record["id"], "--field", "FILER_ID=987654321", "--field", f"naml={NAME}",
                          "--reason", "the filer's id on its Form 410", "--by", "tester")
    assert resolved["resolved"]["record"]["FILER_ID"] == "987654321"
    assert resolved["resolved"]["record"]["NAML"] == NAME and resolved["resolved"]["by"] == "tester"
    assert list(resolved["resolved"]["record"])[:2] == ["XREF_FILER_ID", "FILER_ID"]
    assert the_record(quarantine("list"))["corrected"]
    assert quarantine("show", record["id"])["correction"]["record"]["NAML"] == NAME
    shown_lines = quarantine_lines("show", record["id"])
    assert "  FILER_ID: '12x'" in shown_lines and "  FILER_ID: '987654321'" in shown_lines
    assert any(x.startswith("correction by tester at ") for x in shown_lines)
    assert quarantine("list")["corrections"]["pending"] == [record["id"]]
    assert register_rows() == []

    # ingest --force cleans the release again: the correction made since applies to it.
    forced = ingest_json("--source", cdn.url, "--force")
    table = forced["tables"]["FILERNAME_CD"]
    assert (table["quarantined"], table["corrected"]) == (0, 1)
    assert table["records_in"] == table["records_out"] + table["quarantined"] == table["records_loaded"]
    assert forced["corrections"]["applied"] == [record["id"]]
    assert register_rows() == [(987654321, NAME)]

    # The next release brings the same dirty record back: it is loaded corrected.
    cdn.publish(exports["day2"], last_modified=DAY2)
    day2 = ingest_json("--source", cdn.url)
    table = day2["tables"]["FILERNAME_CD"]
    assert (table["quarantined"], table["corrected"]) == (0, 1)
    assert table["records_in"] == table["records_out"] + table["quarantined"]
    assert register_rows() == [(987654321, NAME)]
    summary = call_summary_lines(cdn)
    assert any(line.startswith("Corrections: 1 applied, 0 pending") for line in summary), summary
    [filername] = [line for line in summary if line.startswith("FILERNAME_CD ")]
    assert filername.split()[4:6] == ["0", "1"]  # quarantined, corrected
    version = RawDataVersion.objects.get(release_datetime=DAY2)
    assert Correction.objects.get().last_applied == version
    with open(version.corrections_path, newline="", encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert row["table"] == "FILERNAME_CD" and base64.b64decode(row["original_base64"]) == exports["record"]
    corrected = json.loads(row["corrected_record"])
    assert corrected["NAML"] == NAME and list(corrected)[:2] == ["XREF_FILER_ID", "FILER_ID"]  # the table's order
    assert (row["reason"], row["corrected_by"]) == ("the filer's id on its Form 410", "tester")

    # corrections.csv goes into the release's raw item (local archive storage).
    out = io.StringIO()
    call_command("publish", version.slug, "--json", stdout=out)
    names = [f["name"] for f in json.loads(out.getvalue())["files"]]
    [name] = [n for n in names if n.endswith("/corrections.csv")]
    assert name.split("/")[0].endswith("raw-data-2026-11-20_11-52-00")
    assert (settings.CALACCESS_DATA_DIR / "archive" / name).read_bytes() == version.corrections_path.read_bytes()

    # The state fixes the record: the correction is reported as no longer needed.
    cdn.publish(exports["day3"], last_modified=DAY3)
    day3 = ingest_json("--source", cdn.url)
    assert day3["tables"]["FILERNAME_CD"]["corrected"] == 0
    assert [c["id"] for c in day3["corrections"]["not_needed"]] == [record["id"]]
    assert Correction.objects.get().not_needed_since == RawDataVersion.objects.get(release_datetime=DAY3)
    assert [c["id"] for c in quarantine("list")["corrections"]["not_needed"]] == [record["id"]]
    assert any(line.startswith(f"no longer needed: {record['id']}") for line in quarantine_lines("list"))
    # In the release it was applied to, it is still applied.
    assert quarantine("list", version.slug)["corrections"]["applied"] == [record["id"]]


def call_summary_lines(cdn) -> list[str]:
    """What `ingest --force` prints for people (the corrected column and the corrections line)."""
    out = io.StringIO()
    call_command("ingest", "--source", cdn.url, "--force", stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("arguments, message", [
    (["--field", "NOPE=1"], "unknown column(s) 'NOPE'"),
    (["--field", "FILER_ID=abc"], "FILER_ID='abc' is not a valid integer"),
    (["--field", "FILER_ID"], "is not COL=VALUE"),
    (["--field", "NAML=x"], "FILER_ID='12x' is not a valid integer"),
    ([], "nothing to correct"),
])
def test_bad_input_to_resolve_is_one_line_and_changes_nothing(cdn, exports, arguments, message):
    cdn.publish(exports["day1"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    ident = the_record(quarantine("list"))["id"]
    with pytest.raises(CommandError) as error:
        quarantine("resolve", ident, *arguments, "--reason", "r")
    assert message in str(error.value) and "\n" not in str(error.value) and error.value.returncode == 1
    assert Correction.objects.count() == 0


@pytest.mark.parametrize("ident, message", [
    ("FILERNAME_CD-000000000000", "is not a quarantined record of release 2026-11-19_11-40-00"),
    ("RCPT_CD-abcdef", "is not a quarantined record"),
    ("nonsense", "is not a quarantined record id"),
])
def test_resolving_what_is_not_a_quarantined_record_is_refused(cdn, exports, ident, message):
    cdn.publish(exports["day1"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    with pytest.raises(CommandError) as error:
        quarantine("resolve", ident, "--field", "FILER_ID=1", "--reason", "r")
    assert message in str(error.value) and "\n" not in str(error.value) and error.value.returncode == 1
    with pytest.raises(CommandError, match="is not a quarantined record"):
        quarantine("show", ident)
    assert Correction.objects.count() == 0


def test_no_cleaned_release_yet():
    with pytest.raises(CommandError, match="no cleaned release recorded yet"):
        quarantine("list")


def test_the_ingest_summary_says_what_became_of_the_corrections():
    from calaccess_archive.management.release_output import corrections_lines

    assert corrections_lines({"applied": [], "pending": [], "not_needed": []}) == []
    lines = corrections_lines({"applied": ["A-1"], "pending": [], "not_needed": [{"id": "FILERNAME_CD-abcdef012345"}]})
    assert lines[0].startswith("Corrections: 1 applied, 0 pending") and lines[0].endswith("1 no longer needed")
    assert lines[1] == "  no longer needed: FILERNAME_CD-abcdef012345 (the record is not quarantined in this release)"


def test_a_record_whose_fields_do_not_line_up_needs_every_column(cdn, exports):
    cdn.publish(exports["tabbed"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    [record] = quarantine("list", "--table", "FILERNAME_CD")["records"]
    ident = record["id"]
    shown = quarantine("show", ident)
    assert not shown["columns_line_up"] and len(shown["fields"]) == 18
    assert "fields (18, the table has another number of columns: `resolve` needs every column):" in \
        quarantine_lines("show", ident)
    with pytest.raises(CommandError) as error:
        quarantine("resolve", ident, "--field", "FILER_ID=12", "--reason", "r")
    assert "splits into 18 fields, the table has 17 columns: give every column with --field" in str(error.value)
    assert Correction.objects.count() == 0
    values = [f.decode() for f in exports["tabbed_fields"]]
    values = values[:1] + ["12"] + values[2:5] + ["Friends of Tabs"] + values[6:]
    values[-1] = values[-1].rstrip("\r\n")
    names = list(shown["columns"])
    assert len(values) == len(names) == 17
    resolved = quarantine("resolve", ident, *[f"--field={n}={v}" for n, v in zip(names, values)], "--reason", "r")
    assert resolved["resolved"]["record"]["NAML"] == "Friends of Tabs"
    forced = ingest_json("--source", cdn.url, "--force")["tables"]["FILERNAME_CD"]
    assert (forced["quarantined"], forced["corrected"]) == (0, 1)
    with connection.cursor() as cursor:
        cursor.execute('SELECT "FILER_ID" FROM "FILERNAME_CD" WHERE "NAML" = %s', ["Friends of Tabs"])
        assert cursor.fetchall() == [(12,)]

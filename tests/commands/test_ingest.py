"""`manage.py ingest` end to end: stand-in CDN, real PostgreSQL, sample exports."""

import datetime as dt
import zipfile

import pytest
from django.core.management import CommandError

from calaccess_archive.models import RawDataFile, RawDataVersion, ReleaseCheck
from tests.ingest_helpers import ingest_json, rewrite_zip, sample_zip, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

DAY1 = dt.datetime(2026, 11, 19, 11, 40, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 11, 20, 11, 52, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    directory = tmp_path_factory.mktemp("exports")
    return {"day1": sample_zip(directory, seed=1), "day2": sample_zip(directory, seed=2)}


def assert_every_record_accounted_for(document):
    assert len(document["tables"]) == 80
    for table, t in document["tables"].items():
        assert t["records_in"] == t["records_out"] + t["quarantined"], table
        assert t["records_loaded"] == t["records_out"], table
        assert t["status"] == "loaded", table


def test_new_release_is_ingested_then_up_to_date(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    document = ingest_json("--source", cdn.url)
    assert document["outcome"] == "ingested"
    assert document["release"]["release_datetime"] == DAY1.isoformat()
    assert document["release"]["download_size"] == exports["day1"].stat().st_size
    assert_every_record_accounted_for(document)
    counts = table_counts()
    assert counts == {t: v["records_loaded"] for t, v in document["tables"].items()}
    assert sum(counts.values()) > 3000

    again = ingest_json("--source", cdn.url)
    assert again["outcome"] == "up_to_date"
    assert RawDataVersion.objects.count() == 1
    checks = list(ReleaseCheck.objects.order_by("checked_at").values_list("outcome", flat=True))
    assert checks == ["new", "up_to_date"]
    assert len(cdn.requests_of("GET")) >= 1 and len(cdn.requests_of("HEAD")) == 2

    cdn.publish(exports["day2"], last_modified=DAY2)
    newer = ingest_json("--source", cdn.url)
    assert newer["outcome"] == "ingested" and RawDataVersion.objects.count() == 2
    assert table_counts() == {t: v["records_loaded"] for t, v in newer["tables"].items()}


def test_cut_download_is_resumed(cdn, exports, monkeypatch):
    # A cut loses the chunk being read; small chunks make the resumption visible on a small file.
    monkeypatch.setattr("processors.ingest.download.CHUNK_SIZE", 8192)
    cdn.publish(exports["day1"], last_modified=DAY1)
    cdn.cut_after(20_000, times=2)
    document = ingest_json("--source", cdn.url)
    assert_every_record_accounted_for(document)
    ranges = [r.range for r in cdn.requests_of("GET")]
    assert ranges == [None, "bytes=16384-", "bytes=32768-"]


def test_server_errors_then_success(cdn, exports, settings):
    settings.CALACCESS_RETRY_BACKOFF = 0.01
    cdn.publish(exports["day1"], last_modified=DAY1)
    cdn.fail(503, times=2, methods=("GET",))
    assert_every_record_accounted_for(ingest_json("--source", cdn.url))


def test_unreachable_export_fails_with_one_line_and_is_recorded(cdn):
    cdn.fail(404, times=None)
    with pytest.raises(CommandError) as error:
        ingest_json("--source", cdn.url)
    assert "\n" not in str(error.value) and "404" in str(error.value)
    assert ReleaseCheck.objects.get().outcome == "failed"


def test_old_file_under_new_head_is_refused_and_earlier_release_untouched(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    before = table_counts()
    cdn.publish(exports["day2"], last_modified=DAY2)
    cdn.serve_previous(times=None)
    with pytest.raises(CommandError, match="(?i)release|size|last-modified"):
        ingest_json("--source", cdn.url)
    assert table_counts() == before
    failed = RawDataVersion.objects.get(release_datetime=DAY2)
    assert failed.status == "failed" and failed.stages.get(stage="download").status == "failed"
    assert not failed.zip_path.exists()


def test_last_modified_changing_between_head_and_get_is_refused(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    cdn.shift_last_modified(dt.timedelta(hours=1))
    with pytest.raises(CommandError, match="(?i)last-modified"):
        ingest_json("--source", cdn.url)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"this is not a zip file at all", "not a zip"),
        (b"", "not a zip|empty"),
        (bytes(range(256)) * 100, "not a zip"),
    ],
)
def test_bad_input_gives_a_clear_error_and_leaves_earlier_release(cdn, exports, content, reason):
    cdn.publish(exports["day1"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    before = table_counts()
    cdn.publish(content, last_modified=DAY2)
    with pytest.raises(CommandError, match=f"(?i){reason}") as error:
        ingest_json("--source", cdn.url)
    assert "\n" not in str(error.value)
    assert table_counts() == before
    assert RawDataVersion.objects.get(release_datetime=DAY1).status == "loaded"


def test_empty_zip_and_missing_tables(tmp_path, cdn, exports):
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    cdn.publish(empty, last_modified=DAY1)
    with pytest.raises(CommandError, match="(?i)empty"):
        ingest_json("--source", cdn.url)
    partial = rewrite_zip(exports["day1"], tmp_path / "partial.zip", drop={"CalAccess/DATA/RCPT_CD.TSV"})
    cdn.publish(partial, last_modified=DAY2)
    with pytest.raises(CommandError, match="1 table\\(s\\) missing: RCPT_CD"):
        ingest_json("--source", cdn.url)
    assert table_counts()["RCPT_CD"] == 0


def test_local_path_source_for_backfills(exports):
    document = ingest_json("--source", str(exports["day1"]))
    assert_every_record_accounted_for(document)
    assert ingest_json("--source", f"file://{exports['day1']}")["outcome"] == "up_to_date"


def test_force_cleans_and_loads_again_with_identical_results(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    first = ingest_json("--source", cdn.url)
    forced = ingest_json("--source", cdn.url, "--force")
    assert forced["outcome"] == "ingested"
    assert forced["tables"] == first["tables"]
    assert len(cdn.requests_of("GET")) == 1  # the verified download is kept


def test_schema_drift_is_detected_recorded_and_loaded_by_name(tmp_path):
    drifted = sample_zip(tmp_path, seed=5, drift={"RCPT_CD": {"add": ["NEW_COL"], "remove": ["MEMO_CODE"]}})
    document = ingest_json("--source", str(drifted))
    rcpt = document["tables"]["RCPT_CD"]
    assert rcpt["columns_added"] == ["NEW_COL"] and rcpt["columns_missing"] == ["MEMO_CODE"]
    assert document["release"]["schema_drift"]["RCPT_CD"] == {"added": ["NEW_COL"], "missing": ["MEMO_CODE"]}
    assert rcpt["records_loaded"] == rcpt["records_out"] > 0
    assert RawDataFile.objects.get(table="RCPT_CD").has_drift


def test_progress_is_logged_when_not_on_a_terminal(exports, caplog):
    caplog.set_level("INFO", logger="calaccess_archive.progress")
    ingest_json("--source", str(exports["day1"]))
    lines = [r.getMessage() for r in caplog.records if r.name == "calaccess_archive.progress"]
    for stage in ("download", "clean", "load"):
        assert any(line.startswith(f"stage={stage} done=") for line in lines), (stage, lines)
    size = exports["day1"].stat().st_size
    assert f"stage=download done={size} total={size}" in lines  # counts add up to the file, not past it


def test_an_ingest_while_another_runs_stops_at_once(exports):
    import psycopg

    from processors.pipeline.ingest import _INGEST_LOCK
    from tests.processors.test_load import conninfo

    with psycopg.connect(conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_INGEST_LOCK])
        with pytest.raises(CommandError, match="another ingest is running"):
            ingest_json("--source", str(exports["day1"]))
    assert ingest_json("--source", str(exports["day1"]))["outcome"] == "ingested"


def test_flags_stay_in_the_cleaned_csv_and_the_load_converts_and_counts_them(cdn, exports):
    """Issue 11: a cleaned CSV archives the state's values; the typed table gets 1/0 (counted at load)."""
    import csv

    from django.db import connection

    cdn.publish(exports["day1"], last_modified=DAY1)
    document = ingest_json("--source", cdn.url)
    flagged = {t: v for t, v in document["tables"].items() if v["value_fixes"].get("flag_to_integer")}
    assert "CVR_CAMPAIGN_DISCLOSURE_CD" in flagged
    for table, t in flagged.items():
        # What the clean stage counted is what the load converted, whichever engine loaded it.
        assert t["load_conversions"].get("flag_to_integer") == t["value_fixes"]["flag_to_integer"], table
    file = RawDataFile.objects.get(table="CVR_CAMPAIGN_DISCLOSURE_CD")
    with open(file.clean_path, newline="", encoding="utf-8") as f:
        control = [r["CONTROL_YN"] for r in csv.DictReader(f)]
    assert {"Y", "N"} <= set(control) and set(control) <= {"", "0", "1", "Y", "N"}
    with connection.cursor() as cursor:
        cursor.execute('SELECT "CONTROL_YN" FROM "CVR_CAMPAIGN_DISCLOSURE_CD" ORDER BY id')
        loaded = [r[0] for r in cursor.fetchall()]
    as_loaded = {"": None, "Y": 1, "N": 0, "1": 1, "0": 0}
    assert loaded == [as_loaded[v] for v in control]
    # Every repaired record of the release is listed beside its table's errors file.
    repaired = {t: v for t, v in document["tables"].items() if v["repaired"]}
    assert repaired
    for table, t in repaired.items():
        repairs = file.version.errors_dir / f"{table}.repairs.csv"
        with open(repairs, newline="", encoding="utf-8") as f:
            kinds = [r["kind"] for r in csv.DictReader(f)]
        assert len(kinds) == t["repaired"] == t["repaired_unique"] + t["repaired_by_evidence"], table

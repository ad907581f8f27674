"""What a backfill SOURCE stands for, and its release datetime, before anything is recorded."""

import datetime as dt
import zipfile

import pytest

from processors.errors import ExportUnavailable
from processors.pipeline.backfill import (
    BackfillError,
    BackfillSource,
    backfill_sources,
    item_datetime,
    release_datetime_parse,
)

UTC = dt.UTC


def zip_with(path, *stamps) -> str:
    with zipfile.ZipFile(path, "w") as archive:
        for number, stamp in enumerate(stamps):
            archive.writestr(zipfile.ZipInfo(f"CalAccess/DATA/T{number}_CD.TSV", date_time=stamp), "A\tB\r\n")
    return str(path)


@pytest.fixture(autouse=True)
def download_url(settings):
    settings.IA_DOWNLOAD_URL = "http://127.0.0.1:9/download/"


def test_item_identifiers_name_their_release_in_utc():
    assert item_datetime("ccdc-raw-data-2021-06-01_09-07-03") == dt.datetime(2021, 6, 1, 9, 7, 3, tzinfo=UTC)
    assert item_datetime("other-prefix.raw-data-2016-12-31_23-59-59") == dt.datetime(2016, 12, 31, 23, 59, 59,
                                                                                      tzinfo=UTC)
    assert item_datetime("raw-data-2016-12-31_23-59-59") == dt.datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    for not_raw in ("ccdc-processed-data-2021-06-01_09-07-03", "ccdc-raw-data-2021-06-01",
                    "raw-data-2021-13-01_00-00-00", "ccdc-raw-data-2021-06-01_09-07-03.zip",
                    "-raw-data-2021-06-01_09-07-03"):
        assert item_datetime(not_raw) is None, not_raw


def test_identifiers_and_archive_org_urls_become_the_items_export(settings):
    when = dt.datetime(2021, 6, 1, 9, 7, 3, tzinfo=UTC)
    base = "http://127.0.0.1:9/download/ccdc-raw-data-2021-06-01_09-07-03"
    sources = backfill_sources(sources=[
        "ccdc-raw-data-2021-06-01_09-07-03",
        "https://archive.org/download/ccdc-raw-data-2021-06-01_09-07-03/dbwebexport.zip",
        "https://archive.org/details/ccdc-raw-data-2021-06-01_09-07-03",
        f"{base}/dbwebexport.zip",
    ])
    assert sources == [
        BackfillSource("ccdc-raw-data-2021-06-01_09-07-03", f"{base}/dbwebexport.zip", when, "identifier"),
        BackfillSource("https://archive.org/download/ccdc-raw-data-2021-06-01_09-07-03/dbwebexport.zip",
                       f"{base}/dbwebexport.zip", when, "identifier"),
        BackfillSource("https://archive.org/details/ccdc-raw-data-2021-06-01_09-07-03", f"{base}/dbwebexport.zip",
                       when, "identifier"),
        BackfillSource(f"{base}/dbwebexport.zip", f"{base}/dbwebexport.zip", when, "identifier"),
    ]


def test_an_archive_org_item_without_a_datetime_in_its_name_needs_one_given():
    url = "https://archive.org/download/calaccess-export-copy/dbwebexport.zip"
    with pytest.raises(BackfillError, match="calaccess-export-copy has no release datetime.*--release-datetime"):
        backfill_sources(sources=[url])
    given = dt.datetime(2017, 4, 1, 11, 30, tzinfo=UTC)
    assert backfill_sources(sources=[url], release_datetime=given) == [
        BackfillSource(url, "http://127.0.0.1:9/download/calaccess-export-copy/dbwebexport.zip", given, "given")]


def test_a_zip_is_dated_by_its_newest_member_in_california_time(tmp_path):
    summer = zip_with(tmp_path / "summer.zip", (2019, 5, 1, 3, 0, 0), (2019, 5, 1, 4, 20, 0), (2019, 4, 30, 23, 0, 0))
    winter = zip_with(tmp_path / "winter.zip", (2020, 1, 15, 3, 30, 0))
    assert backfill_sources(sources=[summer, f"file://{winter}"]) == [
        BackfillSource(summer, summer, dt.datetime(2019, 5, 1, 11, 20, tzinfo=UTC), "zip-members"),  # PDT
        BackfillSource(f"file://{winter}", winter, dt.datetime(2020, 1, 15, 11, 30, tzinfo=UTC),
                       "zip-members"),  # PST
    ]


def test_a_directory_stands_for_its_zips_and_everything_is_sorted_oldest_first(tmp_path):
    (tmp_path / "dir").mkdir()
    late = zip_with(tmp_path / "dir" / "a.zip", (2020, 1, 1, 0, 0, 0))
    early = zip_with(tmp_path / "dir" / "b.ZIP", (2018, 1, 1, 0, 0, 0))
    (tmp_path / "dir" / "notes.txt").write_text("not an export")
    sources = backfill_sources(sources=[str(tmp_path / "dir"), "ccdc-raw-data-2019-01-01_00-00-00"])
    assert [s.given for s in sources] == [early, "ccdc-raw-data-2019-01-01_00-00-00", late]
    assert [s.release_datetime.year for s in sources] == [2018, 2019, 2020]


def test_sources_that_cannot_be_used_say_why_naming_them(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    zip_with(tmp_path / "none.zip")
    cases = {
        str(tmp_path / "missing.zip"): "missing.zip: no such file or directory, nor an archive.org item",
        "ccdc-raw-data-yesterday": "ccdc-raw-data-yesterday: no such file or directory",
        str(tmp_path / "empty"): "empty: a directory without zip files",
        str(tmp_path / "bad.zip"): "bad.zip: not a readable zip file",
        str(tmp_path / "none.zip"): "none.zip: the zip has no members",
    }
    for source, message in cases.items():
        with pytest.raises(BackfillError, match=message):
            backfill_sources(sources=[source])
    with pytest.raises(ExportUnavailable, match="unsupported URL scheme 'ftp'"):
        backfill_sources(sources=["ftp://example.invalid/dbwebexport.zip"])


def test_a_given_datetime_is_for_one_release(tmp_path):
    given = dt.datetime(2017, 4, 1, 11, 30, tzinfo=UTC)
    one = zip_with(tmp_path / "one.zip", (2010, 1, 1, 0, 0, 0))
    assert backfill_sources(sources=[one], release_datetime=given) == [BackfillSource(one, one, given, "given")]
    with pytest.raises(BackfillError, match="give one SOURCE, not 2"):
        backfill_sources(sources=[one, one], release_datetime=given)
    (tmp_path / "dir").mkdir()
    zip_with(tmp_path / "dir" / "a.zip", (2010, 1, 1, 0, 0, 0))
    zip_with(tmp_path / "dir" / "b.zip", (2011, 1, 1, 0, 0, 0))
    with pytest.raises(BackfillError, match="holds 2 zip files"):
        backfill_sources(sources=[str(tmp_path / "dir")], release_datetime=given)


@pytest.mark.parametrize("text, expected", [
    ("2019-05-01T11:30:00Z", dt.datetime(2019, 5, 1, 11, 30, tzinfo=UTC)),
    ("2019-05-01 04:30:00-07:00", dt.datetime(2019, 5, 1, 11, 30, tzinfo=UTC)),
    ("2019-05-01T11:30:00", dt.datetime(2019, 5, 1, 11, 30, tzinfo=UTC)),
    ("2019-05-01_11-30-00", dt.datetime(2019, 5, 1, 11, 30, tzinfo=UTC)),
])
def test_release_datetimes_as_operators_write_them(text, expected):
    assert release_datetime_parse(text) == expected


def test_an_unreadable_release_datetime_is_refused():
    with pytest.raises(BackfillError, match="'yesterday' is neither ISO 8601"):
        release_datetime_parse("yesterday")

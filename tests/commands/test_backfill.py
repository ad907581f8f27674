"""`manage.py backfill` end to end: sample exports as local zips and as an earlier archiver's archive.org item
(the stand-in), the whole workflow per release on real PostgreSQL, local archive storage."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from calaccess_archive.management.base import EXIT_LEASE_HELD
from calaccess_archive.models import PipelineLease, RawDataVersion, ReleaseCheck
from processors.pipeline.lease import lease_acquire
from tests.ingest_helpers import sample_zip, table_counts, table_fingerprints
from tests.standins.archive_org import ArchiveOrgStandIn

pytestmark = pytest.mark.django_db(transaction=True)

# Member timestamps (California time, as the state writes them) and the release datetimes they give.
OLDER_MEMBERS, OLDER = (2019, 5, 1, 4, 20, 0), dt.datetime(2019, 5, 1, 11, 20, tzinfo=dt.UTC)  # PDT, UTC-7
OLD_MEMBERS, OLD = (2020, 1, 15, 3, 30, 0), dt.datetime(2020, 1, 15, 11, 30, tzinfo=dt.UTC)  # PST, UTC-8
NEWER_MEMBERS, NEWER = (2022, 8, 2, 4, 10, 0), dt.datetime(2022, 8, 2, 11, 10, tzinfo=dt.UTC)
ITEM = "ccdc-raw-data-2021-06-01_09-07-03"
ITEM_RELEASE = dt.datetime(2021, 6, 1, 9, 7, 3, tzinfo=dt.UTC)
RECORDS = 3000


def dated_zip(source, dest, newest: tuple) -> str:
    """A copy of an export whose members are dated an hour before `newest`, but for one dated `newest`."""
    earlier = (dt.datetime(*newest) - dt.timedelta(hours=1)).timetuple()[:6]
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as out:
        for number, info in enumerate(src.infolist()):
            info.date_time = newest if number == 3 else earlier
            out.writestr(info, src.read(info))
    return str(dest)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    samples = tmp_path_factory.mktemp("samples")
    directory = tmp_path_factory.mktemp("exports")
    (directory / "two").mkdir()
    return {
        "older": dated_zip(sample_zip(samples, seed=11, records=RECORDS), directory / "two" / "a.zip", OLDER_MEMBERS),
        "old": dated_zip(sample_zip(samples, seed=12, records=RECORDS), directory / "two" / "b.zip", OLD_MEMBERS),
        "item": str(sample_zip(samples, seed=13, records=RECORDS)),
        "newer": dated_zip(sample_zip(samples, seed=14, records=RECORDS), directory / "c.zip", NEWER_MEMBERS),
        "two": str(directory / "two"),
    }


@pytest.fixture
def ia(settings):
    """archive.org, as far as backfill reads it: an earlier archiver's item holding dbwebexport.zip."""
    standin = ArchiveOrgStandIn().start()
    settings.IA_DOWNLOAD_URL = f"{standin.url}/download/"
    yield standin
    standin.stop()


def backfill(*args: str) -> dict:
    out = io.StringIO()
    call_command("backfill", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_two_zips_and_an_item_become_three_releases_in_release_order_and_a_rerun_does_nothing(exports, ia):
    # The earlier archiver uploaded it the day after the release: the upload time is not the release's.
    ia.item_add(ITEM, {"dbwebexport.zip": Path(exports["item"])},
                mtime=int(dt.datetime(2021, 6, 2, tzinfo=dt.UTC).timestamp()))
    # The item first and a directory of two zips after it: the releases still run oldest first.
    document = backfill(ITEM, exports["two"])
    assert [r["release_datetime"] for r in document["releases"]] == [w.isoformat() for w in (OLDER, OLD, ITEM_RELEASE)]
    assert [r["datetime_from"] for r in document["releases"]] == ["zip-members", "zip-members", "identifier"]
    assert [r["outcome"] for r in document["releases"]] == ["published"] * 3
    assert document["releases"][2]["source"] == f"{ia.url}/download/{ITEM}/dbwebexport.zip"
    assert ia.downloads(ITEM, "dbwebexport.zip") == 1

    versions = list(RawDataVersion.objects.order_by("release_datetime"))
    assert [v.release_datetime for v in versions] == [OLDER, OLD, ITEM_RELEASE]
    assert [v.slug for v in versions] == [r["release"] for r in document["releases"]]
    assert all(v.published_at is not None for v in versions)
    # Run and published in release order.
    assert [v.pk for v in sorted(versions, key=lambda v: v.created_at)] == [v.pk for v in versions]
    assert [v.pk for v in sorted(versions, key=lambda v: v.published_at)] == [v.pk for v in versions]
    assert versions[2].source == document["releases"][2]["source"]
    assert versions[2].download_size == Path(exports["item"]).stat().st_size
    # The raw tables hold the newest release, the two others were replaced.
    assert [v.status for v in versions] == ["replaced", "replaced", "loaded"]
    assert document["raw_tables"] == versions[2].slug and document["restored"] is None
    assert table_counts() == {f.table: f.records_loaded for f in versions[2].files.all()}

    checks, published = ReleaseCheck.objects.count(), [v.published_at for v in versions]
    again = backfill(exports["two"], ITEM)
    assert [r["outcome"] for r in again["releases"]] == ["skipped"] * 3
    assert [r["release"] for r in again["releases"]] == [v.slug for v in versions]
    assert RawDataVersion.objects.count() == 3 and ReleaseCheck.objects.count() == checks
    assert [v.published_at for v in RawDataVersion.objects.order_by("release_datetime")] == published
    assert ia.downloads(ITEM, "dbwebexport.zip") == 1 and ia.downloads(ITEM, "dbwebexport.zip", "HEAD") == 1
    assert not PipelineLease.objects.filter(expires_at__gt=dt.datetime.now(dt.UTC)).exists()


def test_backfilling_an_older_release_puts_the_newest_back_into_the_raw_tables(exports):
    out = io.StringIO()
    call_command("backfill", exports["newer"], stdout=out)
    newest = RawDataVersion.objects.get()
    assert newest.release_datetime == NEWER
    first, last = out.getvalue().splitlines()
    assert first.startswith(f"{newest.slug} published in ") and first.endswith(
        f"s: {exports['newer']} (datetime from zip-members)")
    assert last == f"1 release(s) published, 0 skipped; the raw tables hold {newest.slug}."
    tables = table_fingerprints()

    # An older export, its datetime given: it is loaded and processed, then the newest is loaded again.
    given = dt.datetime(2018, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    document = backfill(exports["older"], "--release-datetime", "2018-03-04T05:06:07Z")
    assert [(r["release_datetime"], r["datetime_from"], r["outcome"]) for r in document["releases"]] == [
        (given.isoformat(), "given", "published")]
    older = RawDataVersion.objects.get(release_datetime=given)
    assert older.published_at is not None and older.status == "replaced"
    assert document["restored"] == document["raw_tables"] == newest.slug
    newest.refresh_from_db()
    assert newest.status == "loaded" and table_fingerprints() == tables
    # Only the load ran again: the download and the cleaned tables were kept.
    attempts = dict(newest.stages.values_list("stage", "attempts"))
    assert (attempts["download"], attempts["clean"], attempts["load"]) == (1, 2, 2)
    assert {f.status for f in newest.files.all()} == {"loaded"}
    assert not RawDataVersion.objects.filter(release_datetime=OLDER).exists()  # the members' datetime was not used


def test_reprocess_gives_byte_identical_files_and_leaves_the_newest_loaded(exports):
    from ocd.models import ProcessedDataVersion
    from processors.digest import digest_file

    backfill(exports["older"], exports["newer"])
    older, newest = RawDataVersion.objects.order_by("release_datetime")
    processed = ProcessedDataVersion.objects.get(raw_version=older)
    names = ("flat.zip", "relational.zip", "changes.json")
    before = {name: digest_file(processed.directory / name, md5=False).sha256 for name in names}
    mtimes = {name: (processed.directory / name).stat().st_mtime_ns for name in names}
    tables = table_fingerprints()

    out = io.StringIO()
    call_command("reprocess", older.slug, "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["changed"] == [] and document["loaded_first"] is True and document["restored"] == newest.slug
    after = {name: digest_file(processed.directory / name, md5=False).sha256 for name in names}
    assert after == before == {name: document["files"][name]["after"] for name in names}
    # The files were written again (not left as they were), with the same bytes.
    assert all((processed.directory / name).stat().st_mtime_ns > mtimes[name] for name in names)
    assert dict(older.stages.filter(stage__in=("process", "package")).values_list("stage", "attempts")) == {
        "process": 2, "package": 2}
    processed.refresh_from_db()
    assert processed.status == "finished"
    older.refresh_from_db()
    newest.refresh_from_db()
    assert (older.status, newest.status) == ("replaced", "loaded") and table_fingerprints() == tables


def test_republish_sends_nothing_when_all_is_verified_and_a_changed_file_again(exports, archive_org, settings):
    settings.IA_DOWNLOAD_URL = f"{archive_org.url}/download/"
    archive_org.item_add(ITEM, {"dbwebexport.zip": Path(exports["item"])})
    backfill(ITEM)
    version = RawDataVersion.objects.get()
    assert version.slug == ITEM.removeprefix("ccdc-raw-data-") and version.published_at is not None
    # Our raw item is the earlier archiver's: its dbwebexport.zip was there already, so it was not sent.
    assert archive_org.put_count(f"{ITEM}/dbwebexport.zip") == 0
    puts = len(archive_org.put_headers)
    assert puts > 100

    def republish() -> dict:
        out = io.StringIO()
        call_command("republish", version.slug, "--json", stdout=out)
        return json.loads(out.getvalue())

    document = republish()
    assert document["complete"] and document["sent"] == [] and document["bytes_sent"] == 0
    assert document["counts"]["verified"] == len(document["files"]) and len(archive_org.put_headers) == puts

    changed = version.errors_dir / sorted(p.name for p in version.errors_dir.iterdir())[0]
    changed.write_text(changed.read_text() + "\n")
    document = republish()
    assert document["complete"] and document["sent"] == [f"{ITEM}/errors/{changed.name}"]
    assert len(archive_org.put_headers) == puts + 1
    assert archive_org.items[ITEM].files[f"errors/{changed.name}"].size == changed.stat().st_size
    out = io.StringIO()
    call_command("republish", version.slug, stdout=out)
    assert out.getvalue().splitlines()[-1] == f"0 file(s) sent; release {version.slug} published " \
                                              f"{version.published_at:%Y-%m-%d %H:%M:%S} UTC."


def test_a_source_that_does_not_exist_is_named_in_one_line(exports, tmp_path):
    missing = tmp_path / "nowhere" / "export.zip"
    with pytest.raises(CommandError) as error:
        backfill(exports["older"], str(missing))
    message = str(error.value)
    assert "\n" not in message and str(missing) in message and "no such file" in message
    assert not RawDataVersion.objects.exists() and not ReleaseCheck.objects.exists()
    assert not PipelineLease.objects.filter(expires_at__gt=dt.datetime.now(dt.UTC)).exists()


def test_another_run_holding_the_lease_exits_4_and_names_it(exports):
    lease_acquire(holder="nightly:elsewhere:1:abc")
    version = RawDataVersion.objects.create(release_datetime=OLD, source="x", status="loaded")
    for command, args in (("backfill", [exports["older"]]), ("reprocess", [version.slug]),
                          ("republish", [str(version.pk)])):
        with pytest.raises(CommandError) as error:
            call_command(command, *args, stdout=io.StringIO())
        assert error.value.returncode == EXIT_LEASE_HELD, command
        assert "nightly:elsewhere:1:abc holds the lease" in str(error.value), command
    assert RawDataVersion.objects.count() == 1

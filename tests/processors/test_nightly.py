"""The nightly workflow in one process (`nightly` without --queue): every step, the lease, the telling."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile

import pytest

from calaccess_archive.models import ArchivedFile, RawDataVersion, ReleaseCheck
from processors.errors import PipelineError
from processors.pipeline.lease import lease_acquire, lease_release
from processors.pipeline.nightly import NotPublished, nightly_begin, nightly_run
from tests.ingest_helpers import ROOT, rewrite_zip, sample_zip, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

DAY1 = dt.datetime(2026, 11, 19, 11, 40, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 11, 20, 11, 52, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return sample_zip(tmp_path_factory.mktemp("exports"), seed=8, records=3000)


def dated(path, when: dt.datetime):
    """`path`, with the Last-Modified `when` (a local file's release datetime is its mtime)."""
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def copied(export, path, when: dt.datetime):
    path.write_bytes(export.read_bytes())
    return dated(path, when)


def test_every_step_then_up_to_date(export, tmp_path):
    source = copied(export, tmp_path / "dbwebexport.zip", DAY1)
    report = nightly_run(source=str(source))
    version = report.version
    assert report.outcome == "published" and version.published_at is not None
    assert {s.stage: s.status for s in version.stages.all()} == dict.fromkeys(
        ["download", "clean", "load", "process", "package", "upload", "verify", "publish"], "finished")
    records = ArchivedFile.objects.filter(version=version)
    assert records.count() > 160 and set(records.values_list("status", flat=True)) == {"verified"}
    again = nightly_run(source=str(source))
    assert again.outcome == "up_to_date" and again.version == version
    assert ReleaseCheck.objects.count() == 2 and RawDataVersion.objects.count() == 1


def test_the_zip_of_the_cleaned_tables_is_built_during_the_ocd_stage_and_archived_as_is(export, tmp_path):
    """clean.zip is deflated in a thread while PostgreSQL does the OCD stage, not in the upload step after it."""
    version = nightly_run(source=str(copied(export, tmp_path / "dbwebexport.zip", DAY1))).version
    process = version.stages.get(stage="process")
    built = dt.datetime.fromtimestamp((version.directory / "clean.zip").stat().st_mtime, tz=dt.UTC)
    assert process.started_at <= built <= process.finished_at
    with zipfile.ZipFile(version.directory / "clean.zip") as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(p.name for p in version.clean_dir.glob("*.csv"))
    assert ArchivedFile.objects.get(version=version, role="clean_zip").status == "verified"


def test_a_failing_release_is_told_once_and_back_to_normal_once(export, tmp_path, channels):
    smtp, webhook = channels
    broken = dated(rewrite_zip(export, tmp_path / "broken.zip", drop={"CalAccess/DATA/RCPT_CD.TSV"}), DAY1)
    for _ in range(2):  # the same failure twice: one message
        with pytest.raises(PipelineError, match="RCPT_CD"):
            nightly_run(source=str(broken))
    assert len(smtp.subjects()) == 1 and "failed at" in smtp.subjects()[0] and "RCPT_CD" in smtp.subjects()[0]
    assert len(webhook.texts()) == 1

    fixed = copied(export, tmp_path / "fixed.zip", DAY2)
    assert nightly_run(source=str(fixed)).outcome == "published"
    assert len(smtp.subjects()) == 2 and "back to normal" in smtp.subjects()[1]
    assert nightly_run(source=str(fixed)).outcome == "up_to_date"
    assert len(smtp.subjects()) == 2 and len(webhook.texts()) == 2


def test_a_manual_run_during_another_says_who_holds_the_lease_and_exits_4(export, tmp_path, settings):
    lease_acquire(holder="nightly:elsewhere:42:abc")
    try:
        run = subprocess.run([sys.executable, str(ROOT / "manage.py"), "nightly", "--source", str(export)],
                             env=subprocess_env(settings.CALACCESS_DATA_DIR), capture_output=True, text=True,
                             timeout=120)
    finally:
        lease_release(holder="nightly:elsewhere:42:abc")
    assert run.returncode == 4, run.stderr
    assert run.stderr.count("\n") == 1 and "nightly:elsewhere:42:abc holds the lease" in run.stderr
    assert RawDataVersion.objects.count() == 0  # it looked at nothing


def test_a_nightly_whose_files_are_not_all_archived_exits_3(export, tmp_path, settings, archive_org):
    env = {**subprocess_env(settings.CALACCESS_DATA_DIR), "CALACCESS_ARCHIVE_STORAGE": "archive.org",
           "IA_ACCESS_KEY": archive_org.access, "IA_SECRET_KEY": "wrong", "IA_SECURE": "false",
           "IA_PROXY": archive_org.url, "HTTP_PROXY": archive_org.url, "http_proxy": archive_org.url}
    run = subprocess.run([sys.executable, str(ROOT / "manage.py"), "nightly", "--source", str(export)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 3, run.stderr
    last = run.stderr.strip().splitlines()[-1]  # after the progress log lines, one line says why
    assert last.startswith("CommandError: archive.org refused the account") and "not sent" in last


def test_the_nightly_command_prints_one_json_document(export, tmp_path, settings):
    run = subprocess.run([sys.executable, str(ROOT / "manage.py"), "nightly", "--source", str(export), "--json"],
                         env=subprocess_env(settings.CALACCESS_DATA_DIR), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["outcome"] == "published" and len(document["tables"]) == 80
    assert set(document["stage_seconds"]) >= {"download", "clean", "load", "process", "package", "upload", "verify"}


def test_an_account_refusal_stops_the_upload_step_at_the_first_put(export, tmp_path, archive_org):
    """A spam flag: one PUT, not one per file; the rest wait unsent for the next run."""
    source = copied(export, tmp_path / "dbwebexport.zip", DAY1)
    archive_org.faults.spam = True
    with pytest.raises(NotPublished, match="refused the account"):
        nightly_run(source=str(source))
    assert len(archive_org.put_headers) == 1
    version = RawDataVersion.objects.get()
    assert version.stages.get(stage="upload").status == "failed" and version.published_at is None
    # Not a failure that waits for a person: beat's next tick takes the release up again...
    started = nightly_begin(source=str(source), retry_failed=False)
    assert started["outcome"] == "started" and started["release"] == version.slug
    lease_release(holder=started["holder"])
    # ... and once the refusal clears, the run sends the rest and publishes.
    archive_org.faults.spam = False
    assert nightly_run(source=str(source)).outcome == "published"
    assert set(version.archived_files.values_list("status", flat=True)) == {"verified"}
    assert sum(archive_org.stored.values()) == version.archived_files.count()  # each file stored once


def test_a_release_whose_data_failed_waits_for_a_person(export, tmp_path):
    broken = copied(export, tmp_path / "broken.zip", DAY1)
    broken.write_bytes(b"not a zip")
    dated(broken, DAY1)
    with pytest.raises(PipelineError):
        nightly_run(source=str(broken))
    assert nightly_begin(source=str(broken), retry_failed=False)["outcome"] == "failed"  # beat leaves it
    with pytest.raises(PipelineError):  # a person's `nightly` tries again
        nightly_run(source=str(broken))
    assert RawDataVersion.objects.get().stages.get(stage="download").attempts == 2

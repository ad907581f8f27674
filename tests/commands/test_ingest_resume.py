"""Killing `manage.py ingest` at each stage loses nothing: the next run finishes the same release."""

import datetime as dt
import os
import signal
import time

import pytest

from calaccess_archive.models import RawDataFile, RawDataVersion, StageRun
from tests.ingest_helpers import ingest_json, manage, sample_zip, subprocess_env, table_fingerprints

pytestmark = pytest.mark.django_db(transaction=True)

RELEASE = dt.datetime(2026, 11, 19, 11, 40, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    # Big enough that each stage lasts long enough to be interrupted.
    return sample_zip(tmp_path_factory.mktemp("resume"), seed=3, records=150_000)


def wait_until(condition, *, timeout: float = 120.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"ingest ended before the kill: {process.communicate()}")
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def kill(process) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def running(stage: str, files_done: str | None = None):
    def condition():
        if not StageRun.objects.filter(stage=stage, status="running").exists():
            return False
        return files_done is None or RawDataFile.objects.filter(status=files_done).exists()

    return condition


def test_kill_during_download_resumes_with_a_range_request(cdn, export, settings):
    cdn.publish(export, last_modified=RELEASE)
    cdn.throttle(2_000_000)
    process = manage("ingest", "--source", cdn.url, env=subprocess_env(settings.CALACCESS_DATA_DIR))
    part = None

    def part_has_bytes():
        nonlocal part
        parts = list(settings.CALACCESS_DATA_DIR.glob("releases/*/dbwebexport.zip.part"))
        part = parts[0] if parts else None
        return part is not None and part.stat().st_size > 1_000_000

    wait_until(part_has_bytes, process=process)
    kill(process)
    cdn.clear_faults()
    document = ingest_json("--source", cdn.url)
    assert document["outcome"] == "ingested"
    assert document["release"]["download_size"] == export.stat().st_size
    resumed = [r.range for r in cdn.requests_of("GET")][-1]
    assert resumed is not None and int(resumed.split("=")[1].rstrip("-")) >= 1_000_000
    assert RawDataVersion.objects.get().stages.get(stage="download").attempts == 2


@pytest.mark.parametrize("stage, done_status", [("clean", "cleaned"), ("load", "loaded")])
def test_kill_during_a_stage_then_resume_gives_identical_results(export, settings, stage, done_status):
    process = manage("ingest", "--source", str(export), env=subprocess_env(settings.CALACCESS_DATA_DIR))
    wait_until(running(stage, done_status), process=process)
    kill(process)
    assert StageRun.objects.get(stage=stage).status == "running"
    finished_before = {
        f.table: (f.clean_finished_at, f.load_finished_at)
        for f in RawDataFile.objects.filter(status=done_status)
    }
    assert finished_before and len(finished_before) < 80

    resumed = ingest_json("--source", str(export))
    assert resumed["outcome"] == "ingested" and resumed["release"]["status"] == "loaded"
    for table, times in finished_before.items():  # finished tables were not redone
        file = RawDataFile.objects.get(table=table)
        assert (file.clean_finished_at, file.load_finished_at)[: 1 if stage == "clean" else 2] == times[
            : 1 if stage == "clean" else 2
        ]
    resumed_prints = table_fingerprints()

    forced = ingest_json("--source", str(export), "--force")
    assert forced["tables"] == resumed["tables"]
    assert table_fingerprints() == resumed_prints


def test_two_ingests_of_one_release_at_once_do_not_corrupt_each_other(export, settings):
    env = subprocess_env(settings.CALACCESS_DATA_DIR)
    first = manage("ingest", "--json", "--source", str(export), env=env)
    second = manage("ingest", "--json", "--source", str(export), env=env)
    results = [(p.wait(timeout=300), *p.communicate()) for p in (first, second)]
    codes = sorted(code for code, _, _ in results)
    assert codes[0] == 0
    for code, out, err in results:
        if code != 0:
            assert "another ingest is running" in err and err.strip().count("\n") == 0
    version = RawDataVersion.objects.get()
    assert version.status == "loaded"
    for file in version.files.all():
        assert file.records_loaded == file.records_out and file.records_in == file.records_out + file.quarantined

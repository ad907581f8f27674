"""`manage.py pipelinestatus`: where the pipeline stands, read by selectors.pipeline_status in a fixed number of
queries; and every operator command of the pipeline on a database never migrated."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from calaccess_archive.models import ArchivedFile, RawDataVersion, ReleaseCheck, StageRun
from calaccess_archive.selectors import pipeline_status
from processors.pipeline.lease import lease_acquire
from tests.ingest_helpers import ROOT, subprocess_env

FIRST = dt.datetime(2024, 3, 1, 11, 40, tzinfo=dt.UTC)
KEYS = {"last_check", "last_new_release", "last_published", "lease", "in_flight", "failed", "files_not_verified",
        "state"}
# pipeline_status's queries, however many releases there are (see the test below).
QUERIES = 13


def releases_make(count: int) -> list[RawDataVersion]:
    """`count` releases, a day apart: every third published, every third failed, every third in flight at its
    upload; each with stage runs and archived files, some not verified."""
    versions = []
    for number in range(count):
        when = FIRST + dt.timedelta(days=number)
        kind = ("published", "failed", "in_flight")[number % 3]
        version = RawDataVersion.objects.create(
            release_datetime=when, source="https://cdn.example/dbwebexport.zip",
            status="failed" if kind == "failed" else "loaded" if number == count - 1 else "replaced",
            published_at=when + dt.timedelta(hours=2) if kind == "published" else None,
            error="download: HTTP 404" if kind == "failed" else "",
        )
        stages = ["download", "clean", "load", "process", "package", "upload"]
        for offset, stage in enumerate(stages if kind != "failed" else ["download"]):
            status = ("failed" if kind == "failed" else "running" if kind == "in_flight" and stage == "upload"
                      else "finished")
            StageRun.objects.create(version=version, stage=stage, status=status,
                                    started_at=when + dt.timedelta(minutes=offset),
                                    error="HTTP 404" if status == "failed" else "")
        for name, status in (("dbwebexport.zip", "verified"), ("clean.zip", "uploaded" if kind == "in_flight"
                                                                  else "verified")):
            ArchivedFile.objects.create(storage="local", name=f"ccdc-raw-data-{version.slug}/{name}",
                                        identifier=f"ccdc-raw-data-{version.slug}", owner=version, status=status,
                                        last_error="")
        ReleaseCheck.objects.create(source=version.source, status_code=200, last_modified=when,
                                    content_length=1000 + number, etag=f'"{number}"', outcome="new", version=version)
        versions.append(version)
    return versions


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 10])
def test_status_reads_in_a_fixed_number_of_queries(count, django_assert_num_queries):
    versions = releases_make(count)
    in_flight = [v for n, v in enumerate(versions) if n % 3 == 2]
    lease_acquire(holder="nightly:host:1:abc", version=in_flight[-1])
    now = FIRST + dt.timedelta(days=count, hours=12)
    with django_assert_num_queries(QUERIES):
        status = pipeline_status(now=now)
    assert set(status) == KEYS
    assert status["last_check"]["last_modified"] == versions[-1].release_datetime.isoformat()
    assert status["last_check"]["outcome"] == "new" and status["last_check"]["release"] == versions[-1].slug
    assert status["last_new_release"]["release"] == versions[-1].slug
    assert status["last_published"]["release"] == [v for n, v in enumerate(versions) if n % 3 == 0][-1].slug
    assert status["in_flight"]["count"] == len(in_flight)
    assert [r["release"] for r in status["in_flight"]["releases"]] == [v.slug for v in reversed(in_flight)]
    newest = status["in_flight"]["releases"][0]
    assert (newest["step"], newest["step_status"], newest["lease_holder"]) == ("upload", "running",
                                                                                "nightly:host:1:abc")
    assert all(r["lease_holder"] is None for r in status["in_flight"]["releases"][1:])
    failed = [v for n, v in enumerate(versions) if n % 3 == 1]
    assert status["failed"]["count"] == len(failed)
    assert status["failed"]["releases"][0]["failed_steps"] == {"download": "HTTP 404"}
    assert status["failed"]["releases"][0]["error"] == "download: HTTP 404"
    assert status["files_not_verified"]["count"] == len(in_flight)
    assert status["files_not_verified"]["by_status"] == {"uploaded": len(in_flight)}
    assert {f["release"] for f in status["files_not_verified"]["files"]} == {v.slug for v in in_flight}
    assert status["lease"]["holder"] == "nightly:host:1:abc" and status["lease"]["release"] == in_flight[-1].slug
    assert status["state"]["days"] == 1.5
    assert status["state"]["last_published"] == versions[-1].release_datetime.isoformat()


@pytest.mark.django_db
def test_pipelinestatus_json_and_lines():
    out = io.StringIO()
    call_command("pipelinestatus", "--json", stdout=out)
    empty = json.loads(out.getvalue())
    assert set(empty) == KEYS
    assert empty["last_check"] is None and empty["lease"] is None and empty["in_flight"]["count"] == 0
    assert empty["state"]["last_published"] is None

    releases_make(3)
    out = io.StringIO()
    call_command("pipelinestatus", "--json", stdout=out)
    assert set(json.loads(out.getvalue())) == KEYS
    out = io.StringIO()
    call_command("pipelinestatus", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("last check: ") and "new (HTTP 200" in lines[0]
    assert "lease: free" in lines and "in flight: 1" in lines and "failed: 1" in lines
    assert any(line.startswith("files not verified: 1 (1 uploaded)") for line in lines)
    assert lines[-1].startswith("state last published 2024-03-03 11:40:00")


def test_every_pipeline_command_on_a_database_never_migrated_says_run_migrate(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        env = subprocess_env(tmp_path)
        name = f"{connection.settings_dict['NAME']}_never_migrated"[:63]
    admin_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
        (tmp_path / "export.zip").write_bytes(b"PK\x05\x06" + bytes(18))
        for args in (["backfill", str(tmp_path / "export.zip")], ["reprocess", "2024-01-02_03-04-05"],
                     ["republish", "2024-01-02_03-04-05", "--json"], ["pipelinestatus"], ["pipelinestatus", "--json"]):
            run = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True,
                                 text=True, timeout=120)
            assert run.returncode == 1, (args, run.stderr)
            assert run.stderr.strip() == "CommandError: the database is not set up: run manage.py migrate", args
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

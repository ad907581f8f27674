"""One release lookup for every command: a slug or an id; left out, the newest (with the status the stage needs)."""

import datetime as dt
import subprocess
import sys

import psycopg
import pytest

from calaccess_archive.models import RawDataVersion
from calaccess_archive.selectors import ReleaseNotFound, release_lookup
from tests.ingest_helpers import ROOT, subprocess_env

OLD = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
NEW = dt.datetime(2024, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_release_lookup_by_slug_id_or_newest():
    loaded = RawDataVersion.objects.create(release_datetime=OLD, source="x", status=RawDataVersion.Status.LOADED)
    failed = RawDataVersion.objects.create(release_datetime=NEW, source="x", status=RawDataVersion.Status.FAILED)
    assert release_lookup("2024-01-02_03-04-05") == loaded
    assert release_lookup(str(failed.pk)) == failed
    assert release_lookup() == failed
    assert release_lookup(status=RawDataVersion.Status.LOADED) == loaded
    with pytest.raises(ReleaseNotFound, match="no release 2001-01-01_00-00-00"):
        release_lookup("2001-01-01_00-00-00")
    with pytest.raises(ReleaseNotFound, match="not YYYY-MM-DD_HH-MM-SS or an id"):
        release_lookup("yesterday")
    with pytest.raises(ReleaseNotFound, match="no pending release recorded yet"):
        release_lookup(status=RawDataVersion.Status.PENDING)


@pytest.mark.django_db
def test_publish_and_process_take_the_same_release_names(tmp_path):
    from django.core.management import CommandError, call_command

    version = RawDataVersion.objects.create(release_datetime=OLD, source="x")
    for command in ("publish", "process"):
        # Found by slug and by id alike; then the stage itself says why it cannot work on it.
        for ref in (version.slug, str(version.pk)):
            with pytest.raises(CommandError) as raised:
                call_command(command, ref, "--no-publish" if command == "process" else "--json")
            assert "no release" not in str(raised.value) and version.slug in str(raised.value)


def test_a_database_never_migrated_says_run_migrate(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        env = subprocess_env(tmp_path)
    name = "test_calaccess_never_migrated"
    admin_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
        (tmp_path / "export.zip").write_bytes(b"PK\x05\x06" + bytes(18))
        for args in (["publish"], ["process", "--json"], ["ingest", "--source", str(tmp_path / "export.zip")]):
            run = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True,
                                 text=True, timeout=120)
            assert run.returncode == 1, (args, run.stderr)
            assert run.stderr.strip() == "CommandError: the database is not set up: run manage.py migrate", args
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

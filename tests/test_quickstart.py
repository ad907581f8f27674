"""The README's main command, `bin/run`, on a small sample (against the test database)."""

import json
import subprocess

import pytest

from tests.ingest_helpers import ROOT, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_bin_run_carries_the_sample_to_verified_archive_copies_then_is_up_to_date(settings):
    env = {**subprocess_env(settings.CALACCESS_DATA_DIR), "CALACCESS_SAMPLE_RECORDS": "3000"}
    first = subprocess.run([str(ROOT / "bin" / "run"), "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)  # stdout is the one JSON document
    assert document["outcome"] == "published" and len(document["tables"]) == 80
    assert all(t["status"] == "loaded" for t in document["tables"].values())
    assert document["release"]["stages"]["publish"]["status"] == "finished"
    archive = settings.CALACCESS_DATA_DIR / "archive"
    slug = document["release"]["slug"]
    assert (archive / f"ccdc-raw-data-{slug}" / "dbwebexport.zip").is_file()
    assert (archive / f"ccdc-processed-data-{slug}" / "flat.zip").is_file()
    again = subprocess.run([str(ROOT / "bin" / "run")], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and again.stdout.startswith("Up to date")

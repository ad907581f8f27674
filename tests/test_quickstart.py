"""The README's main command, `bin/run`, on a small sample (against the test database)."""

import json
import subprocess

import pytest

from tests.ingest_helpers import ROOT, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_bin_run_ingests_the_sample_then_is_up_to_date(settings):
    env = {**subprocess_env(settings.CALACCESS_DATA_DIR), "CALACCESS_SAMPLE_RECORDS": "3000"}
    first = subprocess.run([str(ROOT / "bin" / "run"), "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)  # stdout is the one JSON document
    assert document["outcome"] == "ingested" and len(document["tables"]) == 80
    again = subprocess.run([str(ROOT / "bin" / "run")], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and again.stdout.startswith("Up to date")

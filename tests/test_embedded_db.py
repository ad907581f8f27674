"""Without DATABASE_URL, manage.py runs on a private PostgreSQL under the data directory."""

import os
import subprocess
import sys

import psutil

from tests.ingest_helpers import ROOT


def postgres_processes_for(data_dir) -> list:
    found = []
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        if process.info["name"] == "postgres" and any(str(data_dir) in part for part in process.info["cmdline"] or []):
            found.append(process)
    return found


def test_commands_start_reuse_and_stop_the_embedded_server(tmp_path):
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CALACCESS_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    for _ in range(2):  # the second run reuses the cluster the first one made
        run = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],
            env=env, capture_output=True, text=True, timeout=300,
        )
        assert run.returncode == 0, run.stderr
        assert (data_dir / "postgres" / "PG_VERSION").exists()
        assert postgres_processes_for(data_dir / "postgres") == []  # stopped when the command ended
    check = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "showmigrations", "calaccess_archive"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert "[X] 0002_raw_typed_columns_nullable" in check.stdout
    shell = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c",
         "from django.db import connection; c = connection.cursor(); c.execute('SHOW wal_level'); print(c.fetchone()[0])"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert shell.stdout.strip().splitlines()[-1] == "minimal"  # tuned for the nightly bulk loads

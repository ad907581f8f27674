"""The throwaway database and data folder each benchmark runs in (shared by bench/*_bench.py)."""

import os
import tempfile
from pathlib import Path

import psycopg

CACHE = Path(os.environ.get("BENCH_CACHE", Path(tempfile.gettempdir()) / "calaccess-bench"))


def server_urls(server: str, database: str) -> tuple[str, str]:
    """(admin URL, URL of `database`) on the server named by BENCH_DATABASE_URL.

    "embedded" is the private PostgreSQL the project starts without DATABASE_URL
    (tuned for bulk loads), under the benchmark cache folder.
    """
    if server == "embedded":
        from calaccess_archive.embedded_db import embedded_database_url

        url = embedded_database_url(data_dir=CACHE / "embedded")
        return url.replace("/calaccess_archive?", "/postgres?"), url.replace("/calaccess_archive?", f"/{database}?")
    params = psycopg.conninfo.conninfo_to_dict(server)
    url = f"postgres://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{database}"
    return server, url


def database_drop(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def database_fresh(admin_url: str, database: str) -> None:
    database_drop(admin_url, database)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')

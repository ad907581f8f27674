"""Shared pieces of the ingest tests: sample exports, running the command, table counts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from calaccess_archive.raw_schemas import raw_table_schemas
from processors.sample.export import sample_export_write

ROOT = Path(__file__).resolve().parent.parent


def sample_zip(directory: Path, *, seed: int = 1, records: int = 4000, **options) -> Path:
    path = directory / f"export-{seed}-{records}.zip"
    if not path.exists():
        sample_export_write(schemas=raw_table_schemas(), path=path, seed=seed, records=records, **options)
    return path


def ingest_json(*args: str) -> dict:
    out = io.StringIO()
    call_command("ingest", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def per_raw_table(aggregate: str) -> dict:
    """`aggregate` (an SQL expression over the rows `t`) for every raw table."""
    values = {}
    with connection.cursor() as cursor:
        for name in raw_table_schemas():
            cursor.execute(f'SELECT {aggregate} FROM "{name}" t')
            values[name] = cursor.fetchone()[0]
    return values


def table_counts() -> dict[str, int]:
    return per_raw_table("count(*)")


def table_fingerprints() -> dict[str, str]:
    """An md5 of every raw table's full contents."""
    return per_raw_table("md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))")


def subprocess_env(data_dir: Path) -> dict:
    """The environment for `manage.py` run as a separate process against the test database."""
    settings_dict = connection.settings_dict
    url = f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "CALACCESS_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}


def manage(*args: str, env: dict, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **popen,
    )


def rewrite_zip(source: Path, dest: Path, *, drop: set[str] = frozenset()) -> Path:
    """A copy of an export without some members."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as out:
        for info in src.infolist():
            if info.filename not in drop:
                out.writestr(info, src.read(info))
    return dest

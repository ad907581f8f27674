"""The C fast paths are built with the environment, and every table records which path did its work.

The build runs as bin/_bootstrap and the Dockerfile run it (`python -m
processors.ingest.native build`), into a folder of the test's own
(CALACCESS_NATIVE_DIR). The ingest then runs with a compiler that does not
exist, so its workers can only use the library built beforehand, never build
one on first use; without that library they must take the pure-Python paths,
record it on every table and warn in the summary and in --json.
"""

import io
import os
import subprocess
import sys

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from calaccess_archive.models import RawDataFile
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.ingest.load import _server_reads
from processors.ingest.native import PYTHON_CLEAN_SLOWDOWN, library_name
from tests.ingest_helpers import ROOT, ingest_json, sample_zip

pytestmark = pytest.mark.django_db(transaction=True)

NO_COMPILER = "/nonexistent/cc"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return sample_zip(tmp_path_factory.mktemp("exports"), seed=3, records=2000)


def native_build(library_dir, **env) -> subprocess.CompletedProcess:
    """`python -m processors.ingest.native build` in a process of its own, as bin/_bootstrap runs it."""
    return subprocess.run(
        [sys.executable, "-m", "processors.ingest.native", "build"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CALACCESS_NATIVE_DIR": str(library_dir), **env},
    )


def streamed_engine(fast: str) -> str:
    """The load engine of a table of this test: "server" when the test's server reads our data
    folder itself (a server running as this user), else the streamed path `fast`."""
    file = RawDataFile.objects.filter(records_out__gt=0).first()
    params = connection.get_connection_params()
    info = psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if k in ("host", "port", "user", "dbname", "password")})
    with psycopg.connect(info) as conn, conn.cursor() as cursor:
        return "server" if _server_reads(cursor, file.clean_path) else fast


def keyed_tables() -> set[str]:
    """Tables whose key is checked record by record: the Python path cleans them by design."""
    return {name for name, schema in raw_table_schemas().items() if schema.primary_key is not None}


def test_the_built_library_cleans_and_loads_every_table(tmp_path, monkeypatch, export):
    library_dir = tmp_path / "native"
    built = native_build(library_dir)
    assert built.returncode == 0, built.stderr
    assert built.stdout.strip() == str(library_dir / library_name())
    assert (library_dir / library_name()).is_file()

    # The workers find the library built above; they could not build one themselves.
    monkeypatch.setenv("CALACCESS_NATIVE_DIR", str(library_dir))
    monkeypatch.setenv("CC", NO_COMPILER)
    document = ingest_json("--source", str(export))

    assert document["outcome"] == "ingested" and document["warnings"] == []
    files = list(RawDataFile.objects.all())
    assert len(files) == 80 and all(f.status == "loaded" for f in files)
    keyed = keyed_tables()
    assert len(keyed) < 5  # nearly every table goes through the C path
    load = streamed_engine("native")
    for f in files:
        assert f.clean_engine == ("python" if f.table in keyed else "native"), f.table
        assert f.load_engine == load, f.table


def test_without_the_library_the_python_paths_are_recorded_and_warned(tmp_path, monkeypatch, export):
    library_dir = tmp_path / "no-native"
    failed = native_build(library_dir, CC=NO_COMPILER)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr == f"native: no C compiler: CC={NO_COMPILER} not found\n"
    assert not list(library_dir.glob("*.so"))

    monkeypatch.setenv("CALACCESS_NATIVE_DIR", str(library_dir))
    monkeypatch.setenv("CC", NO_COMPILER)
    document = ingest_json("--source", str(export))

    files = list(RawDataFile.objects.all())
    assert len(files) == 80 and all(f.status == "loaded" for f in files)
    load = streamed_engine("python")
    assert {f.clean_engine for f in files} == {"python"}
    assert {f.load_engine for f in files} == {load}
    # Keyed tables take the Python path anyway: they are not counted as slowed down.
    cleaned = 80 - len(keyed_tables())
    expected = (
        f"the C fast paths are not built (no C compiler: CC={NO_COMPILER} not found); "
        f"{cleaned} table(s) cleaned by the Python path, about {PYTHON_CLEAN_SLOWDOWN}x slower"
    )
    if load == "python":
        expected += "; 80 table(s) streamed to PostgreSQL as CSV, without the C converter"
    assert document["warnings"] == [expected]

    out = io.StringIO()
    call_command("ingest", "--source", str(export), "--force", stdout=out)
    summary = out.getvalue().splitlines()
    assert f"Warning: {expected}" in summary
    assert any(line.startswith("Ingested release") for line in summary)
    assert {f.clean_engine for f in RawDataFile.objects.all()} == {"python"}

"""The load stage on real PostgreSQL."""

import datetime as dt
import io
import threading

import psycopg
import pytest
from django.db import connection

from processors.ingest.clean import table_clean
from processors.errors import LoadMismatch
from processors.ingest.load import table_load
from tests.processors.test_clean import FILERNAME, HEADER, line, row

pytestmark = pytest.mark.django_db(transaction=True)


def conninfo() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if k in ("host", "port", "user", "dbname", "password")})


def clean_file(tmp_path, body: bytes, header: bytes = HEADER):
    return table_clean(
        source=io.BytesIO(header + body), schema=FILERNAME,
        clean_path=tmp_path / "F.csv", errors_path=tmp_path / "F.errors.csv",
    )


def load(tmp_path, result, expected=None):
    return table_load(
        conninfo=conninfo(), schema=FILERNAME, clean_path=tmp_path / "F.csv",
        header=result.header, expected_records=result.records_out if expected is None else expected,
    )


def rows():
    with connection.cursor() as c:
        c.execute('SELECT "FILER_ID", "EFFECT_DT", "NAML", "NAMF", "ADR1" FROM "FILERNAME_CD" ORDER BY id')
        return c.fetchall()


def test_typed_values_and_empties_load_faithfully(tmp_path):
    body = line(row(FILER_ID=b"7", NAML="José".encode("cp1252"))) + line(row(FILER_ID=b"", EFFECT_DT=b"", NAMF=b""))
    result = clean_file(tmp_path, body)
    assert load(tmp_path, result) == 2
    assert rows() == [
        (7, dt.date(2001, 3, 29), "José", "", "1 Main St"),
        (None, None, "Friends of Ann", "", "1 Main St"),
    ]


def test_reload_replaces_the_table(tmp_path):
    result = clean_file(tmp_path, line(row()) * 3)
    load(tmp_path, result)
    result = clean_file(tmp_path, line(row(FILER_ID=b"9")))
    assert load(tmp_path, result) == 1
    assert [r[0] for r in rows()] == [9]


def test_count_mismatch_fails_and_keeps_previous_rows(tmp_path):
    result = clean_file(tmp_path, line(row()))
    load(tmp_path, result)
    result = clean_file(tmp_path, line(row(FILER_ID=b"5")) * 2)
    with pytest.raises(LoadMismatch, match="FILERNAME_CD: PostgreSQL loaded 2 rows but the clean stage wrote 3"):
        load(tmp_path, result, expected=3)
    assert [r[0] for r in rows()] == [1234567]


def test_drifted_file_loads_by_column_name(tmp_path):
    names = [c for c in FILERNAME.column_names if c not in ("FAX", "EFFECT_DT")] + ["NEW_COL"]
    header = "\t".join(names).encode() + b"\r\n"
    values = dict(zip(FILERNAME.column_names, row(FILER_ID=b"11", ADR1=b"Elm St")))
    body = b"\t".join([values.get(n, b"extra") for n in names]) + b"\r\n"
    result = clean_file(tmp_path, body, header=header)
    assert load(tmp_path, result) == 1
    assert rows() == [(11, None, "Friends of Ann", "", "Elm St")]


def test_readers_never_see_a_half_loaded_table(tmp_path):
    result = clean_file(tmp_path, line(row()) * 2000)
    load(tmp_path, result)
    seen = []
    stop = threading.Event()

    def reader():
        with psycopg.connect(conninfo(), autocommit=True) as conn:
            while not stop.is_set():
                seen.append(conn.execute('SELECT count(*) FROM "FILERNAME_CD"').fetchone()[0])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in (3000, 1000, 4000):
            result = clean_file(tmp_path, line(row()) * n)
            load(tmp_path, result)
    finally:
        stop.set()
        thread.join()
    assert set(seen) <= {2000, 3000, 1000, 4000} and len(seen) > 0


def test_indexes_are_rebuilt_after_the_load(tmp_path):
    def indexes():
        with connection.cursor() as c:
            c.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'FILERNAME_CD' ORDER BY indexname")
            return [r[0] for r in c.fetchall()]

    before = indexes()
    assert len(before) > 1
    assert not [i for i in before if "_like" in i]  # dropped by migration 0004: rebuilt nightly, never used
    load(tmp_path, clean_file(tmp_path, line(row()) * 10))
    assert indexes() == before


def test_text_and_csv_copy_load_identical_rows(tmp_path):
    """The C converter to COPY's text format is an accelerator only."""
    from processors.ingest.native import copy_text_converter

    assert copy_text_converter([True]) is not None, "the test machine has a C compiler"
    tricky = [
        row(NAML=b'Quote "this", and \\ that', ADR1=b"Line\nbreak", FILER_ID=b""),
        row(NAMF="José".encode("cp1252"), CITY=b"tab\x12s", EFFECT_DT=b""),
        row(ADR2=b"crlf\r\ninside", NAMS=b"\\N"),
    ]
    result = clean_file(tmp_path, b"".join(line(r) for r in tricky * 300))
    contents = {}
    for native in (True, False):
        table_load(
            conninfo=conninfo(), schema=FILERNAME, clean_path=tmp_path / "F.csv",
            header=result.header, expected_records=result.records_out, native=native,
        )
        with connection.cursor() as c:
            c.execute('SELECT * FROM "FILERNAME_CD" ORDER BY id')
            contents[native] = c.fetchall()
    assert contents[True] == contents[False] and len(contents[True]) == 900
    first, _, third = contents[True][:3]
    assert 'Quote "this", and \\ that' in first and "Line\nbreak" in first
    assert "\\N" in third and "crlf\r\ninside" in third  # a text "\N" is not NULL


def test_ids_numbered_in_the_stream_and_the_sequence_follows(tmp_path):
    result = clean_file(tmp_path, line(row()) * 25)
    load(tmp_path, result)
    with connection.cursor() as c:
        c.execute('SELECT min(id), max(id), count(*) FROM "FILERNAME_CD"')
        assert c.fetchone() == (1, 25, 25)
        c.execute("SELECT nextval(pg_get_serial_sequence('\"FILERNAME_CD\"', 'id'))")
        assert c.fetchone()[0] == 26  # a later insert does not collide


@pytest.fixture
def server_readable_dir():
    """A folder the test server (which runs as its own system user) may read."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="calaccess-load-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_a_server_on_this_machine_reads_the_file_itself_with_identical_rows(tmp_path, server_readable_dir):
    from processors.ingest.load import _server_reads

    tricky = [row(NAML=b'Quote "this", and \\ that', ADR1=b"Line\nbreak", FILER_ID=b""), row(NAMS=b"\\N", EFFECT_DT=b"")]
    body = b"".join(line(r) for r in tricky * 50_000)  # larger than both probes together
    result = table_clean(
        source=io.BytesIO(HEADER + body), schema=FILERNAME,
        clean_path=server_readable_dir / "F.csv", errors_path=server_readable_dir / "F.errors.csv",
    )
    (server_readable_dir / "F.csv").chmod(0o644)
    with psycopg.connect(conninfo()) as conn, conn.cursor() as cursor:
        assert _server_reads(cursor, server_readable_dir / "F.csv")
        # Our own 0700 temporary folder is out of the server's reach: the file is streamed instead.
        (tmp_path / "F.csv").write_bytes((server_readable_dir / "F.csv").read_bytes())
        assert not _server_reads(cursor, tmp_path / "F.csv")
        cursor.execute("SELECT 1")  # the refusal left the transaction usable
    contents = {}
    for server_files in (True, False):
        loaded = table_load(
            conninfo=conninfo(), schema=FILERNAME, clean_path=server_readable_dir / "F.csv",
            header=result.header, expected_records=result.records_out, server_files=server_files,
        )
        assert loaded == 100_000
        with connection.cursor() as c:
            c.execute('SELECT * FROM "FILERNAME_CD" ORDER BY id')
            contents[server_files] = c.fetchall()
            c.execute("SELECT nextval(pg_get_serial_sequence('\"FILERNAME_CD\"', 'id'))")
            assert c.fetchone()[0] == 100_001
    assert contents[True] == contents[False]
    with connection.cursor() as c:
        c.execute('SELECT id, "NAMS", "EFFECT_DT", "FILER_ID", "ADR1" FROM "FILERNAME_CD" WHERE id IN (1, 2) ORDER BY id')
        assert c.fetchall() == [(1, "", dt.date(2001, 3, 29), None, "Line\nbreak"), (2, "\\N", None, 1234567, "1 Main St")]


def test_primary_key_and_indexes_come_back_after_the_load(tmp_path):
    from calaccess_archive.raw_schemas import raw_table_schemas

    def definitions():
        with connection.cursor() as c:
            c.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'FILER_TYPES_CD' ORDER BY indexname")
            indexes = [r[0] for r in c.fetchall()]
            c.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '\"FILER_TYPES_CD\"'::regclass")
            return indexes, sorted(c.fetchall())

    schema = raw_table_schemas()["FILER_TYPES_CD"]
    before = definitions()
    assert any("PRIMARY KEY" in d for _, d in before[1])
    header = b"\t".join(c.encode() for c in schema.column_names) + b"\r\n"
    body = b"".join(b"\t".join([str(i).encode()] + [b""] * (len(schema.columns) - 1)) + b"\r\n" for i in range(3))
    result = table_clean(
        source=io.BytesIO(header + body), schema=schema,
        clean_path=tmp_path / "T.csv", errors_path=tmp_path / "T.errors.csv",
    )
    assert result.records_out == 3, result
    table_load(conninfo=conninfo(), schema=schema, clean_path=tmp_path / "T.csv", header=result.header, expected_records=3)
    assert definitions() == before


def test_raw_tables_keep_their_useful_indexes_only():
    """Migration 0005: no index on AMEND_ID, LINE_ITEM or REC_TYPE alone; FILING_ID and the rest stay."""
    with connection.cursor() as c:
        c.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'RCPT_CD'"
        )
        indexed = {d.rsplit("(", 1)[1].rstrip(")") for _, d in c.fetchall()}
        c.execute(
            """SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()
               AND indexdef ~ '\\("(AMEND_ID|LINE_ITEM|REC_TYPE)"\\)$'"""
        )
        low_value = c.fetchone()[0]
    assert indexed == {"id", '"FILING_ID"', '"FORM_TYPE"'}
    assert low_value == 0

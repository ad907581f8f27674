"""The load stage on real PostgreSQL."""

import datetime as dt
import io
import threading

import psycopg
import pytest
from django.db import connection

from processors.ingest.clean import table_clean
from processors.errors import LoadMismatch
from processors.ingest.load import table_load, table_load_result
from processors.ingest.staging import STAGING_SCHEMA, SwapRefused, staging_tables, table_tags, tables_swap
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


TAG = "a test's load"


def swap(tables: dict) -> list[str]:
    """Swap {table: tag} in, in a transaction of its own."""
    with psycopg.connect(conninfo()) as conn, conn.cursor() as cursor:
        return tables_swap(cursor=cursor, tables=tables)


def load(tmp_path, result, expected=None, *, live=True):
    """Load F.csv into FILERNAME_CD's staging copy, then (with `live`) swap it in."""
    loaded = table_load(
        conninfo=conninfo(), schema=FILERNAME, clean_path=tmp_path / "F.csv", tag=TAG,
        header=result.header, expected_records=result.records_out if expected is None else expected,
    )
    if live:
        assert swap({"FILERNAME_CD": TAG}) == ["FILERNAME_CD"]
    return loaded


def staged() -> list[str]:
    with connection.cursor() as c:
        return staging_tables(cursor=c.cursor)


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
        load(tmp_path, result, expected=3, live=False)
    assert [r[0] for r in rows()] == [1234567]
    assert "FILERNAME_CD" not in staged()  # the failed load's copy went with its transaction


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
    seen, errors = [], []
    stop = threading.Event()

    def reader():
        with psycopg.connect(conninfo(), autocommit=True) as conn:
            while not stop.is_set():
                try:
                    seen.append(conn.execute('SELECT count(*) FROM "FILERNAME_CD"').fetchone()[0])
                except psycopg.Error as exc:  # e.g. a query that began on a table the swap dropped
                    errors.append(exc)

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
    assert errors == []


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
            conninfo=conninfo(), schema=FILERNAME, clean_path=tmp_path / "F.csv", tag=TAG,
            header=result.header, expected_records=result.records_out, native=native,
        )
        swap({"FILERNAME_CD": TAG})
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
        loaded = table_load_result(
            conninfo=conninfo(), schema=FILERNAME, clean_path=server_readable_dir / "F.csv", tag=TAG,
            header=result.header, expected_records=result.records_out, server_files=server_files,
        )
        assert loaded.records_loaded == 100_000
        assert loaded.engine == ("server" if server_files else "native")
        swap({"FILERNAME_CD": TAG})
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
    table_load(conninfo=conninfo(), schema=schema, clean_path=tmp_path / "T.csv", header=result.header,
               expected_records=3, tag=TAG)
    swap({"FILER_TYPES_CD": TAG})
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


def live_definitions(table: str):
    """Everything of a live table that the swap must keep: columns, indexes, constraints, its id's sequence."""
    with connection.cursor() as c:
        c.execute(
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull, attidentity FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [f'public."{table}"'],
        )
        columns = c.fetchall()
        c.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s"
                  " ORDER BY indexname", [table])
        indexes = c.fetchall()
        c.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
                  " ORDER BY conname", [f'public."{table}"'])
        constraints = c.fetchall()
        c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'public."{table}"'])
        sequence = c.fetchone()[0]
        c.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [f'public."{table}"'])
        options = c.fetchone()[0]
    return columns, indexes, constraints, sequence, options


def test_a_load_goes_beside_the_live_table_and_only_the_swap_puts_it_live(tmp_path):
    load(tmp_path, clean_file(tmp_path, line(row(FILER_ID=b"1"))))
    before = live_definitions("FILERNAME_CD")
    assert before[1] and before[3] == 'public."FILERNAME_CD_id_seq"'
    load(tmp_path, clean_file(tmp_path, line(row(FILER_ID=b"2")) * 3), live=False)
    assert [r[0] for r in rows()] == [1]  # the live table is untouched by a load
    with connection.cursor() as c:
        c.execute(f'SELECT "FILER_ID" FROM {STAGING_SCHEMA}."FILERNAME_CD" ORDER BY id')
        assert c.fetchall() == [(2,), (2,), (2,)]
        assert table_tags(cursor=c.cursor, schema=STAGING_SCHEMA, tables=["FILERNAME_CD", "FILERS_CD"]) == {
            "FILERNAME_CD": TAG}
        # The copy is built like the live table, under the live names, in its own schema.
        c.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = 'FILERNAME_CD'"
                  " ORDER BY indexname", [STAGING_SCHEMA])
        assert [r[0] for r in c.fetchall()] == [name for name, _ in before[1]]
        c.execute(f"SELECT reloptions FROM pg_class WHERE oid = '{STAGING_SCHEMA}.\"FILERNAME_CD\"'::regclass")
        assert c.fetchone()[0] == ["autovacuum_enabled=false"]  # left alone by autovacuum while it waits
    assert swap({"FILERNAME_CD": TAG}) == ["FILERNAME_CD"]
    assert [r[0] for r in rows()] == [2, 2, 2]
    assert live_definitions("FILERNAME_CD") == before
    assert "FILERNAME_CD" not in staged()
    with connection.cursor() as c:
        c.execute('INSERT INTO "FILERNAME_CD" ("XREF_FILER_ID", "FILER_TYPE", "STATUS", "NAML", "NAMF", "NAMT",'
                  ' "NAMS", "ADR1", "ADR2", "CITY", "ST", "ZIP4", "PHON", "FAX", "EMAIL")'
                  " VALUES ('x', '', '', '', '', '', '', '', '', '', '', '', '', '', '') RETURNING id")
        assert c.fetchone()[0] == 4  # the moved sequence numbers on from the load
    # A second swap with the same tags finds the table live already: nothing moves, nothing fails.
    assert swap({"FILERNAME_CD": TAG}) == []
    assert len(rows()) == 4


def test_the_swap_moves_every_table_or_none(tmp_path):
    load(tmp_path, clean_file(tmp_path, line(row(FILER_ID=b"1"))))
    load(tmp_path, clean_file(tmp_path, line(row(FILER_ID=b"2"))), live=False)
    with pytest.raises(SwapRefused, match="1 table\\(s\\) not loaded for this release: FILERS_CD"):
        swap({"FILERNAME_CD": TAG, "FILERS_CD": TAG})
    assert [r[0] for r in rows()] == [1]  # FILERNAME_CD's copy, ready, did not go live alone
    assert "FILERNAME_CD" in staged()
    with pytest.raises(SwapRefused, match="FILERNAME_CD"):
        swap({"FILERNAME_CD": "another release's tag"})
    assert [r[0] for r in rows()] == [1]
    # A copy with a tag other than the swap's is another release's: once the table is live, it is dropped.
    assert swap({"FILERNAME_CD": TAG}) == ["FILERNAME_CD"]
    load(tmp_path, clean_file(tmp_path, line(row(FILER_ID=b"3"))), live=False)
    with connection.cursor() as c:
        c.execute(f'COMMENT ON TABLE {STAGING_SCHEMA}."FILERNAME_CD" IS %s', ["another release's tag"])
    assert swap({"FILERNAME_CD": TAG}) == [] and "FILERNAME_CD" not in staged()
    assert [r[0] for r in rows()] == [2]


def test_grants_on_the_live_table_carry_over(tmp_path):
    def grants():
        with connection.cursor() as c:
            c.execute("SELECT coalesce(r.rolname, 'PUBLIC'), a.privilege_type FROM pg_class k,"
                      " aclexplode(k.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee"
                      " WHERE k.oid = '\"FILERNAME_CD\"'::regclass AND a.grantee <> k.relowner ORDER BY 1, 2")
            return c.fetchall()

    with connection.cursor() as c:
        c.execute('GRANT SELECT ON "FILERNAME_CD" TO PUBLIC')
    try:
        load(tmp_path, clean_file(tmp_path, line(row())))
        assert grants() == [("PUBLIC", "SELECT")]  # readers granted the table keep it
    finally:
        with connection.cursor() as c:
            c.execute('REVOKE ALL ON "FILERNAME_CD" FROM PUBLIC')
    load(tmp_path, clean_file(tmp_path, line(row())))
    assert grants() == []


def test_two_loads_of_one_table_at_once_take_turns(tmp_path):
    """A Celery task redelivered while the first delivery still runs loads the same table twice."""
    result = clean_file(tmp_path, line(row()) * 20_000)
    outcomes = []

    def one_load():
        try:
            outcomes.append(load(tmp_path, result, live=False))
        except Exception as exc:  # noqa: BLE001 - reported below
            outcomes.append(exc)

    threads = [threading.Thread(target=one_load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [20_000, 20_000]
    assert swap({"FILERNAME_CD": TAG}) == ["FILERNAME_CD"] and len(rows()) == 20_000


def test_storage_parameters_of_the_live_table_carry_over(tmp_path):
    def options():
        with connection.cursor() as c:
            c.execute("""SELECT reloptions FROM pg_class WHERE oid = '"FILERNAME_CD"'::regclass""")
            return c.fetchone()[0]

    with connection.cursor() as c:
        c.execute('ALTER TABLE "FILERNAME_CD" SET (fillfactor = 90, autovacuum_enabled = true)')
    try:
        load(tmp_path, clean_file(tmp_path, line(row())))
        assert options() == ["fillfactor=90", "autovacuum_enabled=true"]
    finally:
        with connection.cursor() as c:
            c.execute('ALTER TABLE "FILERNAME_CD" RESET (fillfactor, autovacuum_enabled)')
    load(tmp_path, clean_file(tmp_path, line(row())))
    assert options() is None


@pytest.mark.parametrize("engine", ["native", "python"])
def test_flags_and_blank_numbers_kept_in_the_csv_are_converted_by_the_load(tmp_path, server_readable_dir, engine):
    """The cleaned CSV keeps Y/N and spaces as the state wrote them; the typed column gets 1/0 and NULL,
    by the C converter or, without it, in SQL; never read as is by the server (it would refuse 'Y')."""
    body = line(row(FILER_ID=b"Y")) + line(row(FILER_ID=b"n")) + line(row(FILER_ID=b"   ")) + line(row(FILER_ID=b"12"))
    result = table_clean(
        source=io.BytesIO(HEADER + body), schema=FILERNAME,
        clean_path=server_readable_dir / "F.csv", errors_path=server_readable_dir / "F.errors.csv",
    )
    (server_readable_dir / "F.csv").chmod(0o644)
    assert result.value_fixes == {"flag_to_integer": 2, "blank_number_to_null": 1}
    assert [r.split(",")[1] for r in (server_readable_dir / "F.csv").read_text().splitlines()[1:]] == ['"Y"', '"n"', '"   "', '"12"']
    loaded = table_load_result(
        conninfo=conninfo(), schema=FILERNAME, clean_path=server_readable_dir / "F.csv", tag=TAG,
        header=result.header, expected_records=4, native=engine == "native", values_to_convert=3,
    )
    assert loaded.engine == engine
    assert loaded.conversions == {"flag_to_integer": 2, "blank_number_to_null": 1}
    swap({"FILERNAME_CD": TAG})
    assert [r[0] for r in rows()] == [1, 0, None, 12]

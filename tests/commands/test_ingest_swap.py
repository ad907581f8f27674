"""A release's raw tables go live together: loaded beside the live ones, swapped in by one transaction.

Real PostgreSQL, the real ingest (the command, and the Celery workflow's steps run here in turn);
each failure is a real one: a cleaned CSV spoiled after the clean (its load counts a row too many),
a view that makes PostgreSQL refuse to drop a live table.
"""

import csv
import datetime as dt

import pytest
from django.core.management import CommandError
from django.db import connection

from calaccess_archive.models import RawDataFile, RawDataVersion
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.errors import PipelineError
from processors.ingest.staging import STAGING_SCHEMA, staging_tables
from processors.pipeline.celery_steps import table_step_begin, table_step_end, tables_run
from processors.pipeline.ingest import download_run, release_check, release_open
from tests.ingest_helpers import ingest_json, sample_zip, table_counts, table_fingerprints

pytestmark = pytest.mark.django_db(transaction=True)

DAY1 = dt.datetime(2026, 11, 19, 11, 40, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 11, 20, 11, 52, tzinfo=dt.UTC)
SPOILED = "FILERNAME_CD"


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    directory = tmp_path_factory.mktemp("swap-exports")
    return {"day1": sample_zip(directory, seed=1), "day2": sample_zip(directory, seed=2)}


def staged() -> list[str]:
    with connection.cursor() as cursor:
        return staging_tables(cursor=cursor.cursor)


def raw_definitions() -> tuple[list, list]:
    """The live raw tables' indexes (pg_indexes) and constraints, as processing and readers find them."""
    names = list(raw_table_schemas())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " AND tablename = ANY(%s) ORDER BY tablename, indexname",
            [names],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relname = ANY(%s) ORDER BY 1, 2",
            [names],
        )
        constraints = cursor.fetchall()
    assert len({table for table, *_ in indexes}) == 80
    return indexes, constraints


def loaded(release_datetime) -> RawDataVersion:
    """The release, checked to be loaded with every table recorded loaded."""
    version = RawDataVersion.objects.get(release_datetime=release_datetime)
    assert version.status == "loaded"
    assert set(version.files.values_list("status", flat=True)) == {"loaded"} and version.files.count() == 80
    return version


def steps(version, stage: str) -> None:
    """One step of the Celery workflow, its tasks run here one after the other."""
    for tables in table_step_begin(version=version, stage=stage):
        tables_run(version=version, stage=stage, tables=tables)
    table_step_end(version=version, stage=stage)


def cleaned(source: str) -> RawDataVersion:
    """The release at `source`, downloaded and cleaned (by the Celery workflow's steps), not loaded."""
    info, _, check = release_check(source=source)
    version = release_open(source=source, info=info, check=check)
    download_run(version, info)
    steps(version, "clean")
    return version


def spoil(version, table: str) -> None:
    """Make a cleaned CSV bad after its clean: one record twice, so its load counts a row more than recorded."""
    path = RawDataFile.objects.get(version=version, table=table).clean_path
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) > 2
    with open(path, "a", newline="", encoding="utf-8") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(rows[-1])


def load_times(version) -> dict:
    return dict(version.files.filter(status="loaded").values_list("table", "load_finished_at"))


def test_a_failed_load_leaves_the_previous_release_live_then_a_rerun_swaps_the_new_one_in(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    before, definitions = table_fingerprints(), raw_definitions()
    assert staged() == []

    cdn.publish(exports["day2"], last_modified=DAY2)
    day2 = cleaned(cdn.url)
    spoil(day2, SPOILED)
    wrote = day2.files.get(table=SPOILED).records_out
    mismatch = f"load failed for 1 table\\(s\\): {SPOILED}: .*loaded {wrote + 1} rows but the clean stage wrote {wrote}"
    with pytest.raises(CommandError, match=mismatch):
        ingest_json("--source", cdn.url)
    assert table_fingerprints() == before and raw_definitions() == definitions
    loaded(DAY1)
    day2.refresh_from_db()
    assert day2.status == "failed"
    # The other 79 tables of the new release wait in the staging schema, and are not loaded again.
    assert staged() == sorted(set(raw_table_schemas()) - {SPOILED})
    waiting = load_times(day2)
    assert len(waiting) == 79

    # The next run cleans the failed table again from the export, loads it and swaps the whole release in.
    fixed = ingest_json("--source", cdn.url)
    assert fixed["outcome"] == "ingested" and fixed["release"]["status"] == "loaded"
    assert {t: at for t, at in load_times(loaded(DAY2)).items() if t in waiting} == waiting
    assert table_counts() == {t: v["records_loaded"] for t, v in fixed["tables"].items()}
    assert table_fingerprints() != before
    assert raw_definitions() == definitions and staged() == []
    day1 = RawDataVersion.objects.get(release_datetime=DAY1)
    assert day1.status == "replaced"
    assert set(day1.files.values_list("status", flat=True)) == {"cleaned"}  # loading it again reloads every table


def test_the_celery_steps_swap_only_a_complete_release(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    before, definitions = table_fingerprints(), raw_definitions()

    cdn.publish(exports["day2"], last_modified=DAY2)
    day2 = cleaned(cdn.url)
    spoil(day2, SPOILED)
    with pytest.raises(PipelineError, match=f"load failed for 1 table\\(s\\): {SPOILED}"):
        steps(day2, "load")
    assert table_fingerprints() == before and raw_definitions() == definitions
    loaded(DAY1)
    assert day2.stages.get(stage="load").status == "failed"

    # A table whose staging copy is gone (say another release was loaded into the staging schema since)
    # is loaded again, even though it was recorded loaded.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE {STAGING_SCHEMA}."FILERS_CD"')
    waiting = load_times(day2)
    steps(day2, "clean")  # cleans the failed table again
    steps(day2, "load")
    again = load_times(loaded(DAY2))
    assert {t for t in waiting if again[t] != waiting[t]} == {"FILERS_CD"}
    assert RawDataVersion.objects.get(release_datetime=DAY1).status == "replaced"
    assert table_counts() == dict(day2.files.values_list("table", "records_out"))
    assert raw_definitions() == definitions and staged() == []

    # The workflow restarted from its first step after the swap (a kill during a later step) loads nothing.
    steps(day2, "load")
    assert load_times(loaded(DAY2)) == again


def test_a_failed_swap_changes_nothing_and_the_next_run_swaps_without_loading_again(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    ingest_json("--source", cdn.url)
    before, definitions = table_fingerprints(), raw_definitions()

    cdn.publish(exports["day2"], last_modified=DAY2)
    with connection.cursor() as cursor:  # a reader's view: PostgreSQL will not drop the table under it
        cursor.execute('CREATE VIEW swap_test_filers AS SELECT "FILER_ID" FROM "FILERNAME_CD"')
    try:
        refused = 'the live tables cannot be replaced: view swap_test_filers depends on table "FILERNAME_CD"'
        with pytest.raises(CommandError, match=refused):
            ingest_json("--source", cdn.url)
        assert table_fingerprints() == before and raw_definitions() == definitions
        loaded(DAY1)
        day2 = RawDataVersion.objects.get(release_datetime=DAY2)
        assert day2.status != "loaded"
        assert staged() == sorted(raw_table_schemas())  # the whole release, waiting
        waiting = load_times(day2)
        assert len(waiting) == 80
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP VIEW IF EXISTS swap_test_filers")

    swapped = ingest_json("--source", cdn.url)
    assert swapped["release"]["status"] == "loaded"
    assert load_times(loaded(DAY2)) == waiting  # swapped in, not loaded again
    assert table_counts() == {t: v["records_loaded"] for t, v in swapped["tables"].items()}
    assert raw_definitions() == definitions and staged() == []
    assert RawDataVersion.objects.get(release_datetime=DAY1).status == "replaced"


def test_a_forced_reingest_of_the_live_release_swaps_in_identical_tables(cdn, exports):
    cdn.publish(exports["day1"], last_modified=DAY1)
    first = ingest_json("--source", cdn.url)
    before, definitions = table_fingerprints(), raw_definitions()
    times = load_times(loaded(DAY1))
    forced = ingest_json("--source", cdn.url, "--force")
    assert forced["tables"] == first["tables"]
    assert table_fingerprints() == before and raw_definitions() == definitions and staged() == []
    assert all(at > times[t] for t, at in load_times(loaded(DAY1)).items())  # every table was loaded again

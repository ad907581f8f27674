"""Building the OCD tables and exporting their CSVs, on Django's connections (a service).

The SQL and the CSV writers are the engines of processors.ocd; this module
gives them cursors, one transaction for the build, and two connections for
the exports.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction

from processors.ocd.bulk import ocd_constraints_drop, ocd_constraints_restore
from processors.ocd.campaign_finance import committees_build, covers_stage, filings_build, transactions_build
from processors.ocd.candidacies import candidacies_build
from processors.ocd.elections import candidacy_sources_stage, elections_build
from processors.ocd.jurisdiction import jurisdiction_build
from processors.ocd.measures import measure_sources_stage, measures_build
from processors.ocd.recalls import recalls_build
from processors.ocd.reference import calendar_stage
from processors.ocd.summaries import summary_amounts_build

# Temporary tables of one build (ON COMMIT DROP).
STAGING_TABLES = ["ocd_calendar", "ocd_xref", "ocd_place", "ocd_cover_version", "ocd_cover", "ocd_party",
                  "ocd_filer_party", "ocd_cand_src", "ocd_cand", "ocd_cover_candidate", "ocd_person_name",
                  "ocd_election_src", "ocd_measure_src", "ocd_measure", "ocd_summary_line", "ocd_election_by_date",
                  "ocd_filing_election"]

# Raw tables processing joins on (analyzed first; the item tables are only scanned whole).
RAW_TABLES_READ = ["LOOKUP_CODES_CD", "F501_502_CD", "CVR_CAMPAIGN_DISCLOSURE_CD", "FILERNAME_CD", "FILER_FILINGS_CD",
                   "FILER_XREF_CD", "FILER_TO_FILER_TYPE_CD", "S497_CD"]

class Clock:
    """Seconds per step, into `seconds` as "<stage>:<step>"."""

    def __init__(self, seconds: dict, stage: str):
        self.seconds, self.stage, self.last = seconds, stage, time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.seconds[f"{self.stage}:{step}"] = round(now - self.last, 3)
        self.last = now


def ocd_tables_build(*, release_datetime, seconds: dict | None = None) -> dict:
    """Rebuild every OCD table from the loaded raw tables, in one transaction; return counts.

    Returns {"tables": {table: rows}, "skipped": {raw table: {reason: n}},
    "unmatched": {table: {reason: n}}}. Ids are derived from CAL-ACCESS keys,
    so a rebuild gives the same ids (docs/ocd-ids.md). `seconds` collects the
    time of each step.
    """
    from ocd.models import OCD_MODELS

    params = {"ts": release_datetime}
    skipped: dict = {}
    unmatched: dict = {}
    tables = [m._meta.db_table for m in OCD_MODELS]
    seconds = {} if seconds is None else seconds
    with transaction.atomic(), connection.cursor() as cursor:
        clock = Clock(seconds, "process")
        cursor.execute("DROP TABLE IF EXISTS " + ", ".join(STAGING_TABLES))  # left by an enclosing transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred FK checks
        # Sorts (duplicate keys, DISTINCT ON) and hashes in memory rather than on disk; a fixed cap, not N.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
        restore = ocd_constraints_drop(cursor=cursor, tables=tables)
        # Fresh planner statistics of what is read: a just-loaded table may have none yet.
        cursor.execute("ANALYZE " + ", ".join(f'"{t}"' for t in RAW_TABLES_READ))
        clock.lap("analyze")
        jurisdiction_build(cursor=cursor, params=params, skipped=skipped)
        calendar_stage(cursor=cursor)
        clock.lap("jurisdiction")
        covers_stage(cursor=cursor, skipped=skipped)
        clock.lap("covers")
        candidacy_sources_stage(cursor=cursor, skipped=skipped)
        measure_sources_stage(cursor=cursor, skipped=skipped)
        elections_build(cursor=cursor, params=params, unmatched=unmatched)
        candidacies_build(cursor=cursor, params=params, unmatched=unmatched)
        recalls_build(cursor=cursor, params=params)
        clock.lap("candidacies")
        measures_build(cursor=cursor, params=params)
        clock.lap("measures")
        committees_build(cursor=cursor, params=params, unmatched=unmatched)
        clock.lap("committees")
        filings_build(cursor=cursor, params=params, unmatched=unmatched)
        summary_amounts_build(cursor=cursor, skipped=skipped)
        clock.lap("filings")
        transactions_build(cursor=cursor, params=params, skipped=skipped, unmatched=unmatched)
        clock.lap("transactions")
        ocd_constraints_restore(cursor=cursor, statements=restore)
        clock.lap("indexes")
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    clock.lap("commit")
    return {
        "tables": counts,
        "skipped": {t: dict(sorted(r.items())) for t, r in sorted(skipped.items())},
        "unmatched": {t: dict(sorted(r.items())) for t, r in sorted(unmatched.items())},
    }


def _exports_on_own_connection(write, **kwargs):
    """Run `write` in this (worker) thread on its own database connection, closed afterwards."""
    try:
        with connection.cursor() as cursor:
            return write(cursor=cursor, **kwargs)
    finally:
        connection.close()


def exports_write(*, directory, relational_before: bool = False) -> list:
    """Write relational/<Model>.csv for every OCD table and flat/<Name>.csv; return what was written.
    With `relational_before`, the relational CSVs as releases exported before the coalition's names have
    them (relational/<db_table>.csv, model order): a release re-processed keeps the names it was published with.

    The two groups are written side by side, each on its own connection, when the OCD tables are
    committed (outside any transaction: another connection sees them); inside one, one after the other.
    """
    from ocd.relational import relational_tables, relational_tables_before

    from processors.ocd.export import flat_write, relational_write

    tables = relational_tables_before() if relational_before else relational_tables()
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            return (relational_write(cursor=cursor, directory=directory, tables=tables)
                    + flat_write(cursor=cursor, directory=directory))
    with ThreadPoolExecutor(max_workers=2) as pool:
        flat = pool.submit(_exports_on_own_connection, flat_write, directory=directory)
        relational = pool.submit(_exports_on_own_connection, relational_write, directory=directory, tables=tables)
        return relational.result() + flat.result()

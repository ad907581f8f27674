"""Ballot measures: contests (+ options, identifiers) from cover pages and from receipts/expenditures naming a measure."""

from __future__ import annotations

from .common import STATE_DIVISION, add_counts, ocd_id_sql, related, rows


def _measure_rows(table: str) -> str:
    return f"""SELECT '{table}' AS source, i."FILING_ID" AS filing_id, c."ELECT_DATE" AS election_date,
                 i."BAL_NUM" AS bal_num, i."BAL_NAME" AS bal_name, i."BAL_JURIS" AS bal_juris
               FROM "{table}" AS i JOIN ocd_cover AS c
                 ON c."FILING_ID" = i."FILING_ID" AND c."AMEND_ID" = i."AMEND_ID"
               WHERE btrim(i."BAL_NUM") <> '' OR btrim(i."BAL_NAME") <> ''"""


# Spellings of the state as a measure's jurisdiction (BAL_JURIS): all are one jurisdiction, STATE.
STATEWIDE_SPELLINGS = ("STATE", "STATEWIDE", "STATE WIDE", "STATE-WIDE", "STW", "CA", "CALIFORNIA", "STATE OF CALIFORNIA",
                       "STATE OF CA")
# A measure's classification where its name says it (first match); else empty.
CLASSIFICATIONS = (("RECALL", "recall"), ("REFERENDUM", "referendum"), ("BONDS?", "bond"), ("INITIATIVE", "initiative"),
                   ("CONSTITUTIONAL AMENDMENT", "constitutional amendment"))


def _jurisdiction_sql(text_sql: str) -> str:
    """SQL: BAL_JURIS upper-cased, spaces collapsed, and every spelling of the state made STATE."""
    t = f"upper(btrim(regexp_replace(coalesce({text_sql}, ''), '\\s+', ' ', 'g')))"
    spellings = ", ".join(f"'{x}'" for x in STATEWIDE_SPELLINGS)
    return f"(CASE WHEN {t} IN ({spellings}) THEN 'STATE' ELSE {t} END)"


def _classification_sql(name_sql: str) -> str:
    whens = " ".join(f"WHEN upper({name_sql}) ~ '\\m{pattern}\\M' THEN '{c}'" for pattern, c in CLASSIFICATIONS)
    return f"(CASE {whens} ELSE '' END)"


def measure_sources_stage(*, cursor, skipped: dict) -> None:
    """ocd_measure: one row per current cover, receipt or expenditure that names a measure, keyed by election and measure."""
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_measure_src ON COMMIT DROP AS
            SELECT 'CVR_CAMPAIGN_DISCLOSURE_CD' AS source, "FILING_ID" AS filing_id, "ELECT_DATE" AS election_date,
              "BAL_NUM" AS bal_num, "BAL_NAME" AS bal_name, "BAL_JURIS" AS bal_juris
            FROM ocd_cover WHERE btrim("BAL_NUM") <> '' OR btrim("BAL_NAME") <> ''
            UNION ALL {_measure_rows("RCPT_CD")}
            UNION ALL {_measure_rows("EXPN_CD")}"""
    )
    add_counts(
        skipped,
        "ballot_measure_references",
        rows(
            cursor,
            "SELECT 'no_election_date', count(*) FROM ocd_measure_src WHERE election_date IS NULL",
        ),
    )
    number = "upper(btrim(regexp_replace(bal_num, '^\\s*(PROPOSITION|PROP\\.?|MEASURE)\\s*', '', 'i')))"
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_measure ON COMMIT DROP AS
            SELECT s.*, {number} AS number, {_jurisdiction_sql("bal_juris")} AS juris,
              election_date || ':' || {_jurisdiction_sql("bal_juris")} || ':' ||
                CASE WHEN {number} <> '' THEN 'number:' || {number}
                     ELSE 'name:' || upper(btrim(bal_name)) END AS measure_key
            FROM ocd_measure_src AS s WHERE election_date IS NOT NULL"""
    )
    # A reference without a ballot number joins the numbered measure of the same
    # election and jurisdiction with the same name, when there is exactly one.
    cursor.execute(
        """UPDATE ocd_measure AS m SET measure_key = n.measure_key, number = n.number
           FROM (SELECT election_date, juris, upper(btrim(bal_name)) AS name, min(measure_key) AS measure_key,
                   min(number) AS number
                 FROM ocd_measure WHERE number <> '' AND btrim(bal_name) <> ''
                 GROUP BY 1, 2, 3 HAVING count(DISTINCT measure_key) = 1) AS n
           WHERE m.number = '' AND m.election_date = n.election_date AND m.juris = n.juris
             AND upper(btrim(m.bal_name)) = n.name"""
    )


def measures_build(*, cursor, params: dict) -> None:
    """One BallotMeasureContest per measure key, with Yes/No options, its ballot number as identifier and the
    classification its name gives (CLASSIFICATIONS)."""
    cursor.execute(
        f"""INSERT INTO opencivicdata_ballotmeasurecontest (id, name, division_id, election_id, description,
              requirement, classification, runoff_for_contest_id, created_at, updated_at, extras)
            SELECT DISTINCT ON (measure_key) {ocd_id_sql("contest", "'measure:' || measure_key")},
              left(CASE WHEN number <> '' THEN 'Proposition ' || number ELSE btrim(bal_name) END, 300),
              %(state)s, {ocd_id_sql("election", "election_date::text")}, btrim(bal_name), '50%% plus one vote',
              {_classification_sql("bal_name")}, NULL, %(ts)s, %(ts)s,
              jsonb_build_object('calaccess_ballot_number', number, 'calaccess_jurisdiction', juris)
            FROM ocd_measure
            ORDER BY measure_key, (source = 'CVR_CAMPAIGN_DISCLOSURE_CD') DESC, (btrim(bal_name) = ''),
              filing_id DESC, bal_name""",
        {**params, "state": STATE_DIVISION},
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_ballotmeasurecontestoption (id, contest_id, text)
            SELECT {related("ballotmeasurecontestoption", "m.id || ':' || o.text")}, m.id, o.text
            FROM opencivicdata_ballotmeasurecontest AS m CROSS JOIN (VALUES ('Yes'), ('No')) AS o(text)"""
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_ballotmeasurecontestidentifier (id, identifier, scheme, contest_id)
            SELECT {related("ballotmeasurecontestidentifier", "id")}, extras->>'calaccess_ballot_number',
              'calaccess_ballot_number', id
            FROM opencivicdata_ballotmeasurecontest WHERE extras->>'calaccess_ballot_number' <> ''"""
    )

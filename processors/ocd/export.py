"""CSV exports of the OCD tables (relational) and of the reporter-friendly flat files, streamed with COPY.

Every file is UTF-8 CSV with a header, rows sorted by id (byte order), dates
ISO 8601 and datetimes in UTC ("2018-12-01T11:30:00Z"), so the same tables
always give the same bytes. Columns and their types come from one place
(`ocd.relational` for the OCD tables, FLAT_FILES here), which also writes the
datapackage schemas. The writers take a cursor; the caller owns connections
and transactions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from processors.digest import CHUNK
from .fields import BOOLEAN, DATETIME, Field, _f
from .form460_files import FORM460_FILES
from .form_files import FORM_FILES


@dataclass(frozen=True)
class ExportedFile:
    name: str
    group: str
    records: int
    size: int
    sha256: str
    description: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class RelationalTable:
    """One OCD table's relational CSV: what `ocd.relational` reads off its model."""

    name: str  # the CSV's file name, <Model>.csv (the coalition's; <db_table>.csv before)
    db_table: str
    fields: tuple[Field, ...]
    order_sql: str  # ORDER BY expression giving byte order of the id
    description: str



_CONTRIBUTION_FROM = """FROM opencivicdata_transaction AS t
  JOIN opencivicdata_filingaction AS a ON a.id = t.filing_action_id
  JOIN opencivicdata_filing AS f ON f.id = a.filing_id
  JOIN opencivicdata_committee AS fc ON fc.id = f.filer_id
  LEFT JOIN opencivicdata_committee AS sc ON sc.id = t.sender_committee_id
  LEFT JOIN opencivicdata_committee AS rc ON rc.id = t.recipient_committee_id
  LEFT JOIN opencivicdata_election AS e ON e.id = t.election_id"""

# The election the filing's cover names (ELECT_DATE), after the other columns (docs/ocd-exports.md).
_TRANSACTION_ELECTION = (
    _f("election_name", "e.name", "string", "Election the filing names (cover ELECT_DATE); empty when it names none"),
    _f("ocd_election_id", "t.election_id", "string", "OCD Election id (empty: the filing names no election)"),
)

_TRANSACTION_KEYS = [
    _f("calaccess_filing_id", "f.calaccess_filing_id", "integer", "CAL-ACCESS FILING_ID"),
    _f("calaccess_amend_id", "a.amend_id", "integer", "AMEND_ID of the amendment reporting it (the current one)"),
    _f("line_item", "(t.extras->>'line_item')::int", "integer", "CAL-ACCESS LINE_ITEM"),
    _f("tran_id", "t.extras->>'tran_id'", "string", "The filer's transaction id (TRAN_ID)"),
    _f("memo_code", "t.extras->>'memo_code'", "string", "MEMO_CODE (X: a memo entry, not itself money moved)"),
    _f("calaccess_table", "t.extras->>'calaccess_table'", "string", "Raw table: RCPT_CD, EXPN_CD, LOAN_CD, S497_CD"),
]

# Flat files: name -> (description, FROM clause, fields, sort column).
FLAT_FILES: dict[str, tuple[str, str, tuple[Field, ...], str]] = {
    "Candidates.csv": (
        "One row per candidacy: a person running for a state or local office in an election.",
        """FROM opencivicdata_candidacy AS c
  JOIN opencivicdata_person AS p ON p.id = c.person_id
  JOIN opencivicdata_candidatecontest AS k ON k.id = c.contest_id
  JOIN opencivicdata_election AS e ON e.id = k.election_id
  JOIN opencivicdata_post AS o ON o.id = c.post_id
  LEFT JOIN opencivicdata_organization AS pa ON pa.id = c.party_id""",
        (
            # The coalition's columns in the coalition's order (scripts read them by position), then ours.
            _f("name", "c.candidate_name", "string", "Candidate's name as on the latest filing"),
            _f("party_name", "pa.name", "string", "Party (Form 501 PARTY_CD, else PARTY text, else FILER_TO_FILER_TYPE_CD)"),
            _f("election_name", "e.name", "string", "Election"),
            _f("election_date", "e.date", "date", "Election date (empty when not known)"),
            _f("office", "o.label", "string", "Office sought, with jurisdiction and district"),
            _f("is_incumbent", BOOLEAN.format("c.is_incumbent"), "boolean", "Unknown in CAL-ACCESS: empty"),
            _f("special_election", BOOLEAN.format("(e.extras->>'classification') IN ('special', 'special_runoff')"),
               "boolean", "A special election or special runoff (empty when the election type is not known)"),
            _f("created_at", DATETIME.format("c.created_at"), "datetime", "Release datetime of the raw data"),
            _f("updated_at", DATETIME.format("c.updated_at"), "datetime", "Release datetime of the raw data"),
            _f("ocd_person_id", "c.person_id", "string", "OCD Person id"),
            _f("ocd_candidacy_id", "c.id", "string", "OCD Candidacy id"),
            _f("ocd_election_id", "e.id", "string", "OCD Election id"),
            _f("ocd_post_id", "c.post_id", "string", "OCD Post id"),
            _f("ocd_contest_id", "c.contest_id", "string", "OCD CandidateContest id"),
            _f("ocd_party_id", "c.party_id", "string", "OCD Organization id of the party"),
            _f("latest_calaccess_filer_id",
               """(SELECT btrim(r."FILER_ID") FROM "F501_502_CD" AS r
                   WHERE r."FILING_ID" = (c.extras->'form501_filing_ids'->>-1)::bigint
                   ORDER BY r."AMEND_ID" DESC, r.id DESC LIMIT 1)""", "string",
               "FILER_ID as written on the latest Form 501 (negative or old ids are translated in calaccess_filer_id;"
               " empty: known from covers only)"),
            _f("calaccess_filer_id_count",
               """(SELECT count(DISTINCT btrim(r."FILER_ID")) FROM "F501_502_CD" AS r WHERE r."FILING_ID" IN (
                   SELECT jsonb_array_elements_text(c.extras->'form501_filing_ids')::bigint))""", "integer",
               "Number of distinct FILER_IDs written on the candidacy's Form 501s"),
            _f("latest_form501_filing_id", "(c.extras->'form501_filing_ids'->>-1)::bigint", "integer",
               "Latest Form 501 FILING_ID"),
            _f("form501_filing_count", "jsonb_array_length(c.extras->'form501_filing_ids')", "integer",
               "Number of Form 501 filings"),
            _f("filed_date", "c.filed_date", "date", "Date of the earliest Form 501 for this candidacy"),
            _f("registration_status", "c.registration_status", "string",
               "filed, or withdrawn after a Form 501 termination statement; empty when known only from covers"),
            _f("calaccess_filer_id", "(c.extras->>'calaccess_filer_id')::bigint", "integer", "Candidate FILER_ID"),
            _f("cover_filing_count", "jsonb_array_length(c.extras->'cover_filing_ids')", "integer",
               "Number of campaign cover pages naming the candidate"),
        ),
        "c.id",
    ),
    "BallotMeasures.csv": (
        "One row per ballot measure contest.",
        """FROM opencivicdata_ballotmeasurecontest AS m JOIN opencivicdata_election AS e ON e.id = m.election_id""",
        (
            # The coalition's columns in the coalition's order (scripts read them by position), then ours.
            _f("name", "m.name", "string", "Measure"),
            _f("classification", "m.classification", "string",
               "recall, referendum, bond, initiative or constitutional amendment where the name says; else empty"),
            _f("election_name", "e.name", "string", "Election"),
            _f("election_date", "e.date", "date", "Election date"),
            _f("description", "m.description", "string", "Measure name as filers wrote it"),
            _f("created_at", DATETIME.format("m.created_at"), "datetime", "Release datetime of the raw data"),
            _f("updated_at", DATETIME.format("m.updated_at"), "datetime", "Release datetime of the raw data"),
            _f("ocd_contest_id", "m.id", "string", "OCD BallotMeasureContest id"),
            _f("ocd_election_id", "e.id", "string", "OCD Election id"),
            _f("calaccess_measure_id", "NULL::text", "string",
               "Always empty: CAL-ACCESS's own measure ids are on its website, not in the export"),
            _f("ballot_number", "m.extras->>'calaccess_ballot_number'", "string", "Ballot number, if reported"),
            _f("jurisdiction", "m.extras->>'calaccess_jurisdiction'", "string",
               "Jurisdiction as reported, upper case (every spelling of the state: STATE)"),
        ),
        "m.id",
    ),
    "RecallMeasures.csv": (
        "One row per recall question: an office at stake in a recall election (OCD RetentionContest).",
        """FROM opencivicdata_retentioncontest AS r JOIN opencivicdata_election AS e ON e.id = r.election_id
  LEFT JOIN opencivicdata_post AS p ON p.id = r.extras->>'ocd_post_id'""",
        (
            # The coalition's columns in the coalition's order (scripts read them by position), then ours.
            _f("name", "r.name", "string", "Recall"),
            _f("office_holder", "NULL::text", "string",
               "Always empty: the export does not say who held the office (no Membership is built)"),
            _f("office", "p.label", "string", "Office at stake, with jurisdiction and district"),
            _f("election_name", "e.name", "string", "Election"),
            _f("election_date", "e.date", "date", "Election date"),
            _f("description", "r.description", "string", "The question put to the voters"),
            _f("ocd_contest_id", "r.id", "string", "OCD RetentionContest id"),
            _f("ocd_person_id", "NULL::text", "string", "Always empty: the office holder is not known (see office_holder)"),
            _f("ocd_post_id", "p.id", "string", "OCD Post id of the office"),
            _f("ocd_membership_id", "r.membership_id", "string",
               "OCD Membership of the office holder (always empty: see office_holder)"),
            _f("ocd_election_id", "e.id", "string", "OCD Election id"),
            _f("created_at", DATETIME.format("r.created_at"), "datetime", "Release datetime of the raw data"),
            _f("updated_at", DATETIME.format("r.updated_at"), "datetime", "Release datetime of the raw data"),
            _f("calaccess_measure_id", "NULL::text", "string",
               "Always empty: CAL-ACCESS's own measure ids are on its website, not in the export"),
        ),
        "r.id",
    ),
    "Committees.csv": (
        "One row per committee that filed a campaign statement.",
        """FROM opencivicdata_committee AS c""",
        (
            _f("name", "c.name", "string", "Latest name"),
            _f("committee_type", "c.committee_type", "string", "Type as CAL-ACCESS records it"),
            _f("calaccess_filer_id", "c.calaccess_filer_id", "integer", "CAL-ACCESS FILER_ID"),
            _f("filing_count", "(SELECT count(*) FROM opencivicdata_filing AS f WHERE f.filer_id = c.id)",
               "integer", "Number of campaign filings"),
            _f("ocd_committee_id", "c.id", "string", "OCD Committee id"),
        ),
        "c.id",
    ),
    "Filings.csv": (
        "One row per campaign filing, as of its current (latest) amendment.",
        """FROM opencivicdata_filing AS f
  JOIN opencivicdata_committee AS c ON c.id = f.filer_id
  JOIN opencivicdata_filingaction AS a ON a.filing_id = f.id AND a.is_current""",
        (
            _f("calaccess_filing_id", "f.calaccess_filing_id", "integer", "CAL-ACCESS FILING_ID"),
            _f("form", "f.classification", "string", "Form, e.g. F460"),
            _f("committee_name", "c.name", "string", "Filer"),
            _f("calaccess_filer_id", "c.calaccess_filer_id", "integer", "Filer's FILER_ID"),
            _f("coverage_start_date", "f.coverage_start_date", "date", "Start of the period covered"),
            _f("coverage_end_date", "f.coverage_end_date", "date", "End of the period covered"),
            _f("filing_date", "a.date", "date", "Date the current amendment was filed"),
            _f("current_amend_id", "f.current_amend_id", "integer", "AMEND_ID of the current amendment"),
            _f("amendment_count", "(SELECT count(*) - 1 FROM opencivicdata_filingaction AS x"
               " WHERE x.filing_id = f.id)", "integer", "Number of amendments after the original"),
            _f("ocd_filing_id", "f.id", "string", "OCD Filing id"),
            _f("ocd_filing_action_id", "a.id", "string", "OCD FilingAction id of the current amendment"),
            _f("ocd_committee_id", "c.id", "string", "OCD Committee id"),
        ),
        "f.id",
    ),
    **FORM460_FILES,
    "Contributions.csv": (
        "One row per contribution of a current amendment (Form 460 schedules A and C, Form 497).",
        _CONTRIBUTION_FROM + "\nWHERE t.classification = 'contribution'",
        (
            _f("date", "t.date", "date", "Date of the contribution"),
            _f("amount", "t.amount_value", "number", "Amount in US dollars"),
            _f("is_in_kind", BOOLEAN.format("t.is_in_kind"), "boolean", "Non-monetary (schedule C)"),
            _f("schedule", "t.extras->>'schedule'", "string", "Form part: A, C, F497P1 (received), F497P2 (made)"),
            _f("contributor_name", "coalesce(NULLIF(t.sender_name, ''), sc.name)", "string", "Who gave"),
            _f("contributor_type", "t.sender_entity_type", "string", "person, committee or organization"),
            _f("recipient_name", "coalesce(NULLIF(t.recipient_name, ''), rc.name)", "string", "Who received"),
            _f("recipient_type", "t.recipient_entity_type", "string", "person, committee or organization"),
            _f("description", "t.description", "string", "Description (in-kind contributions)"),
            _f("filer_name", "fc.name", "string", "Committee that reported it"),
            *_TRANSACTION_KEYS,
            _f("ocd_transaction_id", "t.id", "string", "OCD Transaction id"),
            _f("ocd_filing_id", "f.id", "string", "OCD Filing id"),
            _f("ocd_filing_action_id", "a.id", "string", "OCD FilingAction id"),
            _f("ocd_contributor_committee_id", "t.sender_committee_id", "string", "OCD Committee id of the giver"),
            _f("ocd_recipient_committee_id", "t.recipient_committee_id", "string", "OCD Committee id of the receiver"),
            *_TRANSACTION_ELECTION,
        ),
        "t.id",
    ),
    "Expenditures.csv": (
        "One row per expenditure of a current amendment (Form 460 schedule E).",
        _CONTRIBUTION_FROM + "\nWHERE t.classification = 'expenditure'",
        (
            _f("date", "t.date", "date", "Date of the payment"),
            _f("amount", "t.amount_value", "number", "Amount in US dollars"),
            _f("payee_name", "coalesce(NULLIF(t.recipient_name, ''), rc.name)", "string", "Who was paid"),
            _f("payee_type", "t.recipient_entity_type", "string", "person, committee or organization"),
            _f("description", "t.description", "string", "What it was for"),
            _f("committee_name", "fc.name", "string", "Committee that spent it"),
            *_TRANSACTION_KEYS,
            _f("ocd_transaction_id", "t.id", "string", "OCD Transaction id"),
            _f("ocd_filing_id", "f.id", "string", "OCD Filing id"),
            _f("ocd_filing_action_id", "a.id", "string", "OCD FilingAction id"),
            _f("ocd_committee_id", "fc.id", "string", "OCD Committee id of the spender"),
            _f("ocd_payee_committee_id", "t.recipient_committee_id", "string", "OCD Committee id of the payee"),
            *_TRANSACTION_ELECTION,
        ),
        "t.id",
    ),
    **FORM_FILES,
}


def csv_copy(*, cursor, select_sql: str, path: Path) -> tuple[int, int, str]:
    """Stream `COPY (select) TO STDOUT` into path; return (rows, size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = bytearray()
    with path.open("wb") as out, cursor.cursor.copy(f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
        # COPY hands over one row at a time: written and hashed a megabyte at a time instead.
        for chunk in copy:
            buffer += chunk
            if len(buffer) >= CHUNK:
                out.write(buffer)
                digest.update(buffer)
                size += len(buffer)
                buffer.clear()
        out.write(buffer)
        digest.update(buffer)
        size += len(buffer)
    return cursor.cursor.rowcount, size, digest.hexdigest()


def _session_set(cursor) -> None:
    cursor.execute("SET TimeZone = 'UTC'")
    cursor.execute("SET DateStyle = 'ISO, YMD'")


def relational_write(*, cursor, directory: Path, tables: list[RelationalTable]) -> list[ExportedFile]:
    """relational/<Model>.csv of each of `tables`, sorted by id."""
    _session_set(cursor)
    written = []
    for table in tables:
        columns = ", ".join(f'{f.sql} AS "{f.name}"' for f in table.fields)
        select = f"SELECT {columns} FROM {table.db_table} ORDER BY {table.order_sql}"
        records, size, sha = csv_copy(cursor=cursor, select_sql=select, path=directory / "relational" / table.name)
        written.append(ExportedFile(table.name, "relational", records, size, sha, table.description, table.fields))
    return written


def flat_write(*, cursor, directory: Path) -> list[ExportedFile]:
    """flat/<Name>.csv of each of FLAT_FILES."""
    _session_set(cursor)
    written = []
    for name, (description, from_sql, fields, order) in FLAT_FILES.items():
        columns = ", ".join(f'{f.sql} AS "{f.name}"' for f in fields)
        select = f'SELECT {columns} {from_sql} ORDER BY {order} COLLATE "C"'
        records, size, sha = csv_copy(cursor=cursor, select_sql=select, path=directory / "flat" / name)
        written.append(ExportedFile(name, "flat", records, size, sha, description, fields))
    return written

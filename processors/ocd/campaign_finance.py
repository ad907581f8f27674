"""Committees, filings, filing actions (one per amendment) and transactions of the current amendment."""

from __future__ import annotations

from processors.ocd.ids import digest_sql, uuid_text_sql

from .common import add_counts, name_collapse_sql, name_parts_sql, name_sql, numeric_id_sql, ocd_id_sql, org_id, rows
from .offices import filer_id_sql, xref_stage

FILING_ID_OF_COVER = ocd_id_sql("campaign-finance-filing", "'filing:' || \"FILING_ID\"")
FILING_OF_VERSION = ocd_id_sql("campaign-finance-filing", "'filing:' || v.\"FILING_ID\"")
ACTION_OF_VERSION = ocd_id_sql("campaign-finance-filing-action", "v.\"FILING_ID\" || ':' || v.\"AMEND_ID\"")
ACTION_OF_COVER = ocd_id_sql("campaign-finance-filing-action", "c.\"FILING_ID\" || ':' || c.\"AMEND_ID\"")

# CAL-ACCESS ENTITY_CD -> OCD entity type of a contributor or payee.
ENTITY_TYPE_SQL = """(CASE upper(btrim({col})) WHEN 'IND' THEN 'person' WHEN 'COM' THEN 'committee'
                     WHEN 'SCC' THEN 'committee' WHEN 'RCP' THEN 'committee' ELSE 'organization' END)"""

# Item tables: (table, {FORM_TYPE: classification, is_in_kind, direction}, columns).
# direction "in": the other party sends to the filer; "out": the filer sends to the other party.
ITEMS = [
    (
        "RCPT_CD",
        {"A": ("contribution", False, "in"), "C": ("contribution", True, "in")},
        {"name": name_parts_sql('i."CTRIB_NAMT"', 'i."CTRIB_NAMF"', 'i."CTRIB_NAML"', 'i."CTRIB_NAMS"'),
         "amount": 'i."AMOUNT"', "date": 'i."RCPT_DATE"', "description": 'i."CTRIB_DSCR"',
         "committee": 'i."CMTE_ID"', "entity": 'i."ENTITY_CD"'},
    ),
    (
        "EXPN_CD",
        {"E": ("expenditure", False, "out")},
        {"name": name_parts_sql('i."PAYEE_NAMT"', 'i."PAYEE_NAMF"', 'i."PAYEE_NAML"', 'i."PAYEE_NAMS"'),
         "amount": 'i."AMOUNT"', "date": 'i."EXPN_DATE"', "description": 'i."EXPN_DSCR"',
         "committee": 'i."CMTE_ID"', "entity": 'i."ENTITY_CD"'},
    ),
    (
        "LOAN_CD",
        {"B1": ("loan", False, "in")},
        {"name": name_parts_sql('i."LNDR_NAMT"', 'i."LNDR_NAMF"', 'i."LNDR_NAML"', 'i."LNDR_NAMS"'),
         "amount": 'i."LOAN_AMT1"', "date": 'i."LOAN_DATE1"', "description": "''",
         "committee": 'i."CMTE_ID"', "entity": 'i."ENTITY_CD"'},
    ),
    (
        "S497_CD",
        {"F497P1": ("contribution", False, "in"), "F497P2": ("contribution", False, "out")},
        {"name": name_parts_sql('i."ENTY_NAMT"', 'i."ENTY_NAMF"', 'i."ENTY_NAML"', 'i."ENTY_NAMS"'),
         "amount": 'i."AMOUNT"', "date": 'i."CTRIB_DATE"', "description": "''",
         "committee": 'i."CMTE_ID"', "entity": 'i."ENTITY_CD"',
         # A late contribution names the election it is for (ELEC_DATE, a quarter of real rows).
         "election_date": 'i."ELEC_DATE"'},
    ),
]


def covers_stage(*, cursor, skipped: dict) -> None:
    """ocd_cover_version: one cover per (FILING_ID, AMEND_ID); ocd_cover: the current (highest AMEND_ID) one."""
    # Old and non-numeric filer ids are translated through FILER_XREF_CD (offices.filer_id_sql).
    xref_stage(cursor=cursor)
    add_counts(
        skipped,
        "CVR_CAMPAIGN_DISCLOSURE_CD",
        rows(
            cursor,
            f"""SELECT CASE WHEN "FILING_ID" IS NULL THEN 'no_filing_id'
                            WHEN rn > 1 THEN 'duplicate_key'
                            WHEN {filer_id_sql('"FILER_ID"')} IS NULL THEN 'bad_filer_id' END, count(*)
                FROM (SELECT *, row_number() OVER (PARTITION BY "FILING_ID", coalesce("AMEND_ID", 0) ORDER BY id) AS rn
                      FROM "CVR_CAMPAIGN_DISCLOSURE_CD") AS s GROUP BY 1""",
        ),
    )
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_cover_version ON COMMIT DROP AS
            SELECT DISTINCT ON ("FILING_ID", coalesce("AMEND_ID", 0)) *, {filer_id_sql('"FILER_ID"')} AS filer_id
            FROM "CVR_CAMPAIGN_DISCLOSURE_CD"
            WHERE "FILING_ID" IS NOT NULL AND {filer_id_sql('"FILER_ID"')} IS NOT NULL
            ORDER BY "FILING_ID", coalesce("AMEND_ID", 0), id"""
    )
    cursor.execute('UPDATE ocd_cover_version SET "AMEND_ID" = 0 WHERE "AMEND_ID" IS NULL')
    # The ids every transaction of a filing refers to, computed once per filing.
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_cover ON COMMIT DROP AS
            SELECT *, {ACTION_OF_COVER} AS action_id,
              {ocd_id_sql("campaign-finance-committee", "'filer:' || c.filer_id")} AS committee_id
            FROM (SELECT DISTINCT ON ("FILING_ID") * FROM ocd_cover_version
                  ORDER BY "FILING_ID", "AMEND_ID" DESC) AS c"""
    )
    cursor.execute('CREATE INDEX ON ocd_cover ("FILING_ID", "AMEND_ID")')
    cursor.execute("ANALYZE ocd_cover")


def committees_build(*, cursor, params: dict, unmatched: dict) -> None:
    """One Committee per filer of a current cover page, named from FILERNAME_CD (latest), else from its latest cover."""
    cursor.execute(
        f"""INSERT INTO opencivicdata_committee (id, name, committee_type, parent_id, calaccess_filer_id,
              created_at, updated_at, extras)
            SELECT {ocd_id_sql("campaign-finance-committee", "'filer:' || c.filer_id")},
              left(coalesce(NULLIF(fn.name, ''), c.name), 500), coalesce(NULLIF(fn.filer_type, ''), c.cmtte_type),
              NULL, c.filer_id, %(ts)s, %(ts)s, jsonb_build_object('name_source', CASE WHEN NULLIF(fn.name, '')
                IS NULL THEN 'cover' ELSE 'FILERNAME_CD' END)
            FROM (
              SELECT DISTINCT ON (filer_id) filer_id, btrim("CMTTE_TYPE") AS cmtte_type,
                {name_sql('"FILER_NAMT"', '"FILER_NAMF"', '"FILER_NAML"', '"FILER_NAMS"')} AS name
              FROM ocd_cover ORDER BY filer_id, "FILING_ID" DESC
            ) AS c
            LEFT JOIN (
              SELECT DISTINCT ON ("FILER_ID") "FILER_ID" AS filer_id, btrim("FILER_TYPE") AS filer_type,
                {name_sql('"NAMT"', '"NAMF"', '"NAML"', '"NAMS"')} AS name
              FROM "FILERNAME_CD" WHERE "FILER_ID" IS NOT NULL
              ORDER BY "FILER_ID", "EFFECT_DT" DESC NULLS LAST, id DESC
            ) AS fn ON fn.filer_id = c.filer_id""",
        params,
    )
    add_counts(
        unmatched,
        "opencivicdata_committee",
        rows(cursor, "SELECT 'not_in_filername_cd', count(*) FROM opencivicdata_committee"
             " WHERE extras->>'name_source' = 'cover'"),
    )


def filings_build(*, cursor, params: dict, unmatched: dict) -> None:
    """One Filing per FILING_ID with a cover page (its current amendment), one FilingAction per amendment."""
    cursor.execute(
        f"""INSERT INTO opencivicdata_filing (id, classification, coverage_start_date, coverage_end_date, filer_id,
              recipient_id, calaccess_filing_id, current_amend_id, created_at, updated_at, extras)
            SELECT {FILING_ID_OF_COVER}, btrim("FORM_TYPE"),
              "FROM_DATE", "THRU_DATE", {ocd_id_sql("campaign-finance-committee", "'filer:' || filer_id")},
              {org_id("secretary-of-state")}, "FILING_ID", "AMEND_ID", %(ts)s, %(ts)s,
              jsonb_build_object('report_num', btrim("REPORT_NUM"), 'statement_type', btrim("STMT_TYPE"))
            FROM ocd_cover""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_filingaction (id, filing_id, classification, description, date,
              supersedes_prior_versions, is_current, amend_id, created_at, updated_at, extras)
            SELECT {ACTION_OF_VERSION},
              {FILING_OF_VERSION},
              CASE WHEN v."AMEND_ID" = 0 THEN 'filing' ELSE 'amendment' END,
              CASE WHEN v."AMEND_ID" = 0 THEN 'Original filing' ELSE 'Amendment ' || v."AMEND_ID" END,
              coalesce(ff.filing_date, v."RPT_DATE"), v."AMEND_ID" > 0, v."AMEND_ID" = c."AMEND_ID",
              v."AMEND_ID", %(ts)s, %(ts)s,
              jsonb_build_object('date_source', CASE WHEN ff.filing_date IS NOT NULL THEN 'FILER_FILINGS_CD'
                                                     ELSE 'cover RPT_DATE' END)
            FROM ocd_cover_version AS v
            JOIN ocd_cover AS c ON c."FILING_ID" = v."FILING_ID"
            LEFT JOIN (
              SELECT DISTINCT ON ("FILING_ID", "FILING_SEQUENCE") "FILING_ID", "FILING_SEQUENCE",
                "FILING_DATE" AS filing_date
              FROM "FILER_FILINGS_CD" ORDER BY "FILING_ID", "FILING_SEQUENCE", id
            ) AS ff ON ff."FILING_ID" = v."FILING_ID" AND ff."FILING_SEQUENCE" = v."AMEND_ID\"""",
        params,
    )
    add_counts(
        unmatched,
        "FILER_FILINGS_CD",
        rows(cursor, """SELECT 'filing_without_campaign_cover', count(DISTINCT f."FILING_ID")
                        FROM "FILER_FILINGS_CD" AS f LEFT JOIN ocd_cover AS c ON c."FILING_ID" = f."FILING_ID"
                        WHERE c."FILING_ID" IS NULL"""),
    )


# The key two item rows must not share: the first loaded (lowest id) is used, the others are duplicate_key.
ITEM_KEY = '"FILING_ID", "AMEND_ID", "LINE_ITEM", "REC_TYPE", "FORM_TYPE"'


def _item_reason(forms: dict) -> str:
    """Why an item row (i; c its current cover, d its duplicate mark) is skipped; NULL when it is used."""
    kept = ", ".join(f"'{f}'" for f in forms)
    return f"""CASE
      WHEN i."FILING_ID" IS NULL THEN 'no_filing_id'
      WHEN btrim(i."FORM_TYPE") NOT IN ({kept}) THEN 'schedule_not_processed'
      WHEN c."FILING_ID" IS NULL THEN 'no_campaign_cover'
      WHEN coalesce(i."AMEND_ID", 0) < c."AMEND_ID" THEN 'superseded_amendment'
      WHEN coalesce(i."AMEND_ID", 0) > c."AMEND_ID" THEN 'amendment_without_cover'
      WHEN d.id IS NOT NULL THEN 'duplicate_key'
    END"""


def _duplicates_stage(*, cursor, table: str, forms: dict) -> None:
    """ocd_item_dup: ids of the item rows that repeat an earlier (lower id) row's ITEM_KEY.

    Rows sharing a key share FILING_ID, AMEND_ID and FORM_TYPE, hence every reason
    checked before duplicate_key; rows skipped for one of the first two are left
    out of the sort, which carries only the key and the id (not whole rows).
    """
    kept = ", ".join(f"'{f}'" for f in forms)
    cursor.execute("DROP TABLE IF EXISTS ocd_item_dup")
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_item_dup ON COMMIT DROP AS
            SELECT id FROM (
              SELECT id, row_number() OVER (PARTITION BY {ITEM_KEY} ORDER BY id) AS rn FROM "{table}"
              WHERE "FILING_ID" IS NOT NULL AND (btrim("FORM_TYPE") NOT IN ({kept})) IS NOT TRUE
            ) AS s WHERE rn > 1"""
    )
    cursor.execute("ANALYZE ocd_item_dup")


def filing_elections_stage(*, cursor) -> None:
    """ocd_election_by_date: the Elections of each date; ocd_filing_election: per current cover, the Election
    its ELECT_DATE names, or why there is none.

    Both are small (one row per date, per filing): the transaction insert, the
    biggest of the processing, joins them instead of looking the election up row
    by row. An election key is its date when the date is known (elections.py), so
    a date names at most one Election; the count guards that.
    """
    cursor.execute(
        """CREATE TEMP TABLE ocd_election_by_date ON COMMIT DROP AS
           SELECT date, min(id) AS id, count(*) AS n FROM opencivicdata_election WHERE date IS NOT NULL GROUP BY date"""
    )
    cursor.execute("CREATE UNIQUE INDEX ON ocd_election_by_date (date)")
    cursor.execute("ANALYZE ocd_election_by_date")
    election, reason = _election_sql("e")
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_filing_election ON COMMIT DROP AS
            SELECT c."FILING_ID", {election} AS election_id,
              CASE WHEN c."ELECT_DATE" IS NULL THEN 'no_election_date' ELSE {reason} END AS reason
            FROM ocd_cover AS c LEFT JOIN ocd_election_by_date AS e ON e.date = c."ELECT_DATE\""""
    )
    cursor.execute('CREATE UNIQUE INDEX ON ocd_filing_election ("FILING_ID")')
    cursor.execute("ANALYZE ocd_filing_election")


def _election_sql(e: str) -> tuple[str, str]:
    """SQL (election id, reason) of a date given, joined to ocd_election_by_date as `e`."""
    return (f"CASE WHEN {e}.n = 1 THEN {e}.id END",
            f"CASE WHEN {e}.n IS NULL THEN 'election_not_found' WHEN {e}.n > 1 THEN 'election_ambiguous' END")


def _item_election(col: dict) -> tuple[str, str, str]:
    """SQL (join, election id, reason) of an item row i: its own election date where the table has one and the
    row gives it (Form 497), else its filing's (ocd_filing_election fe)."""
    day = col.get("election_date")
    if day is None:
        return "", "fe.election_id", "fe.reason"
    election, reason = _election_sql("ed")
    return (f"LEFT JOIN ocd_election_by_date AS ed ON ed.date = {day}",
            f"CASE WHEN {day} IS NOT NULL THEN {election} ELSE fe.election_id END",
            f"CASE WHEN {day} IS NOT NULL THEN {reason} ELSE fe.reason END")


def transactions_build(*, cursor, params: dict, skipped: dict, unmatched: dict) -> None:
    """Transactions of the current amendment of each filing, from the item tables in ITEMS; the rest counted by reason.

    A transaction's election is its own row's (Form 497's ELEC_DATE) where given,
    else its filing's (ocd_filing_election); the ones without are counted in
    unmatched by reason.
    """
    filing_elections_stage(cursor=cursor)
    for table, forms, col in ITEMS:
        _duplicates_stage(cursor=cursor, table=table, forms=forms)
        election_join, election, election_reason = _item_election(col)
        source = f"""FROM "{table}" AS i LEFT JOIN ocd_cover AS c ON c."FILING_ID" = i."FILING_ID"
                     LEFT JOIN ocd_item_dup AS d ON d.id = i.id
                     LEFT JOIN ocd_filing_election AS fe ON fe."FILING_ID" = i."FILING_ID" {election_join}"""
        # One pass counts both: the rows skipped, and the election reasons of the rows kept.
        counted = rows(cursor, f"SELECT {_item_reason(forms)}, {election_reason}, count(*) {source} GROUP BY 1, 2")
        add_counts(skipped, table, [(reason, n) for reason, _, n in counted])
        add_counts(unmatched, "opencivicdata_transaction",
                   [(election, n) for reason, election, n in counted if reason is None])
        classification = "CASE btrim(i.\"FORM_TYPE\") " + " ".join(
            f"WHEN '{f}' THEN '{c}'" for f, (c, _, _) in forms.items()) + " END"
        in_kind = "btrim(i.\"FORM_TYPE\") IN (" + (
            ", ".join(f"'{f}'" for f, (_, k, _) in forms.items() if k) or "''") + ")"
        outgoing = "btrim(i.\"FORM_TYPE\") IN (" + (
            ", ".join(f"'{f}'" for f, (_, _, d) in forms.items() if d == "out") or "''") + ")"
        filer = "i.ocd_filer_id"
        other_committee = "i.ocd_other_committee_id"
        other_type = ENTITY_TYPE_SQL.format(col=col["entity"])
        name = name_collapse_sql("i.ocd_name")
        key = f"""'campaign-finance-transaction:{table}:' || i."FILING_ID" || ':' || i."AMEND_ID" || ':'
                  || coalesce(i."LINE_ITEM"::text, '') || ':' || btrim(i."REC_TYPE") || ':' || btrim(i."FORM_TYPE")"""
        # The inner query (OFFSET 0: not merged into the outer one) computes once per row what the
        # outer expressions use several times: the id's digest (= ocd_id_sql(...), docs/ocd-ids.md) and the name.
        cursor.execute(
            f"""INSERT INTO opencivicdata_transaction (id, filing_action_id, classification, amount_value,
                  amount_currency, is_in_kind, election_id, sender_entity_type, sender_committee_id,
                  sender_organization_id, sender_person_id, sender_name, recipient_entity_type,
                  recipient_committee_id, recipient_organization_id, recipient_person_id, recipient_name, date,
                  description, created_at, updated_at, extras)
                SELECT 'ocd-campaign-finance-transaction/' || {uuid_text_sql("i.ocd_digest")},
                  i.ocd_action_id,
                  {classification}, {col['amount']}, 'USD', {in_kind}, i.ocd_election_id,
                  CASE WHEN {outgoing} THEN 'committee' ELSE {other_type} END,
                  CASE WHEN {outgoing} THEN {filer} ELSE {other_committee} END, NULL, NULL,
                  left(CASE WHEN {outgoing} THEN '' ELSE {name} END, 500),
                  CASE WHEN {outgoing} THEN {other_type} ELSE 'committee' END,
                  CASE WHEN {outgoing} THEN {other_committee} ELSE {filer} END, NULL, NULL,
                  left(CASE WHEN {outgoing} THEN {name} ELSE '' END, 500),
                  {col['date']}, left(btrim({col['description']}), 500), %(ts)s, %(ts)s,
                  jsonb_build_object('calaccess_table', '{table}', 'filing_id', i."FILING_ID",
                    'amend_id', i."AMEND_ID", 'line_item', i."LINE_ITEM", 'schedule', btrim(i."FORM_TYPE"),
                    'tran_id', btrim(i."TRAN_ID"), 'memo_code', btrim(i."MEMO_CODE"))
                FROM (
                  SELECT i.*, c.action_id AS ocd_action_id, c.committee_id AS ocd_filer_id,
                    oc.id AS ocd_other_committee_id, {digest_sql(key)} AS ocd_digest, {col['name']} AS ocd_name,
                    {election} AS ocd_election_id
                  FROM "{table}" AS i JOIN ocd_cover AS c ON c."FILING_ID" = i."FILING_ID"
                  JOIN ocd_filing_election AS fe ON fe."FILING_ID" = i."FILING_ID" {election_join}
                  LEFT JOIN ocd_item_dup AS d ON d.id = i.id
                  LEFT JOIN opencivicdata_committee AS oc
                    ON oc.calaccess_filer_id = {numeric_id_sql(col['committee'])}
                  WHERE ({_item_reason(forms)}) IS NULL
                  OFFSET 0
                ) AS i""",
            params,
        )

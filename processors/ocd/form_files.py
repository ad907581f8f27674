"""Flat files of one form each, as the coalition shipped them: Form 501 statements and loans.

Read from the raw tables beside the OCD ones (a release's processing runs on
its loaded raw tables), with CAL-ACCESS's codes given as the LOOKUP_CODES_CD
description next to the code, so a reader needs no code book. Part of
FLAT_FILES (processors/ocd/export.py): name -> (description, FROM clause,
fields, sort column).
"""

from __future__ import annotations

from .common import name_sql
from .fields import BOOLEAN, Field, _f
from .offices import (
    DISTRICT_CODE_TYPE,
    ELECTION_TYPE_CODE_TYPE,
    JURISDICTION_CODE_TYPE,
    OFFICE_CODE_TYPE,
    PARTY_CODE_TYPE,
    STATEMENT_TYPE_CODE_TYPE,
    clean_text_sql,
    lookup_sql,
)

# Each Form 501 (FORM_TYPE F501: F501_502_CD also holds Form 502s) as of its latest amendment.
_FORM501_FROM = f"""FROM (
    SELECT DISTINCT ON ("FILING_ID") * FROM "F501_502_CD" WHERE btrim("FORM_TYPE") = 'F501'
    ORDER BY "FILING_ID", "AMEND_ID" DESC, id DESC
  ) AS r
  LEFT JOIN ({lookup_sql(OFFICE_CODE_TYPE)}) AS lo ON lo.code = r."OFFICE_CD"
  LEFT JOIN ({lookup_sql(DISTRICT_CODE_TYPE)}) AS ld ON ld.code = r."DISTRICT_CD"
  LEFT JOIN ({lookup_sql(JURISDICTION_CODE_TYPE)}) AS lj ON lj.code = r."JURIS_CD"
  LEFT JOIN ({lookup_sql(PARTY_CODE_TYPE)}) AS lp ON lp.code = r."PARTY_CD"
  LEFT JOIN ({lookup_sql(ELECTION_TYPE_CODE_TYPE)}) AS le ON le.code = r."ELEC_TYPE"
  LEFT JOIN ({lookup_sql(STATEMENT_TYPE_CODE_TYPE)}) AS ls ON ls.code = r."STMT_TYPE"
  LEFT JOIN (
    SELECT DISTINCT ON (filing_id) filing_id, id FROM (
      SELECT (jsonb_array_elements_text(extras->'form501_filing_ids'))::bigint AS filing_id, id
      FROM opencivicdata_candidacy
    ) AS each_filing ORDER BY filing_id, id COLLATE "C"
  ) AS cf ON cf.filing_id = r."FILING_ID\""""


def _text(column: str) -> str:
    return f"NULLIF(btrim(r.\"{column}\"), '')"


def _label_else_text(label: str, text_sql: str) -> str:
    """The coalition's rule for office, district and party: the code's description, else (code 0 or unknown)
    the filer's text."""
    return f"coalesce(NULLIF({label}.label, ''), {text_sql})"


_DISTRICT = _label_else_text("ld", _text("DIST_NO"))

# The coalition's Form501Filing columns (calaccess_processed_filings/models/campaign/form501.py, in model
# order), where the export has them; then ours: the codes beside their descriptions, the candidacy.
_FORM501_FIELDS = (
    _f("date_filed", 'r."RPT_DATE"', "date", "RPT_DATE: the date the statement was filed"),
    _f("statement_type", "ls.label", "string",
       "STMT_TYPE's LOOKUP_CODES_CD description, e.g. ORIGINAL, AMENDMENT (empty: no such code)"),
    _f("filer_id", 'btrim(r."FILER_ID")', "string",
       "FILER_ID as filed (negative or non-numeric for some: see FILER_XREF_CD)"),
    _f("committee_id", _text("COMMITTEE_ID"), "string", "COMMITTEE_ID, if given"),
    _f("title", _text("CAND_NAMT"), "string", "CAND_NAMT: the candidate's title"),
    _f("last_name", 'btrim(r."CAND_NAML")', "string", "CAND_NAML"),
    _f("first_name", 'btrim(r."CAND_NAMF")', "string", "CAND_NAMF"),
    _f("middle_name", "NULL::text", "string", "Always empty: F501_502_CD has no middle name (CAND_NAMM)"),
    _f("name_suffix", _text("CAND_NAMS"), "string", "CAND_NAMS"),
    _f("name_moniker", _text("MONIKER"), "string", "MONIKER: the candidate's nickname"),
    _f("phone", _text("CAND_PHON"), "string", "CAND_PHON"),
    _f("fax", _text("CAND_FAX"), "string", "CAND_FAX"),
    _f("email", _text("CAND_EMAIL"), "string", "CAND_EMAIL"),
    _f("city", _text("CAND_CITY"), "string", "CAND_CITY"),
    _f("state", _text("CAND_ST"), "string", "CAND_ST"),
    _f("zip_code", _text("CAND_ZIP4"), "string", "CAND_ZIP4"),
    _f("office", _label_else_text("lo", clean_text_sql('r."OFFIC_DSCR"')), "string",
       "Office sought: OFFICE_CD's LOOKUP_CODES_CD description, else (code 0) OFFIC_DSCR, trimmed"),
    _f("agency", clean_text_sql('r."AGENCY_NAM"'), "string", "AGENCY_NAM, trimmed"),
    _f("district", f"CASE WHEN {_DISTRICT} ~ '^[0-9]+$' THEN ({_DISTRICT})::int END", "integer",
       "District number: DISTRICT_CD's LOOKUP_CODES_CD description, else DIST_NO (empty: none, or not a number)"),
    _f("party", _label_else_text("lp", _text("PARTY")), "string",
       "Party: PARTY_CD's LOOKUP_CODES_CD description, else (code 0) PARTY in the filer's words"),
    _f("jurisdiction", "lj.label", "string", "JURIS_CD's LOOKUP_CODES_CD description (empty: no such code)"),
    _f("election_type", "le.label", "string", "ELEC_TYPE's LOOKUP_CODES_CD description (empty: no such code)"),
    _f("election_year", 'r."YR_OF_ELEC"', "integer", "YR_OF_ELEC"),
    _f("accepted_limit", BOOLEAN.format('r."ACCEPT_LIMIT_YN" = 1'), "boolean",
       "ACCEPT_LIMIT_YN: accepted the voluntary expenditure ceiling (empty: not answered)"),
    _f("limit_not_exceeded_election_date", 'r."DID_EXCEED_DT"', "date",
       "DID_EXCEED_DT: the election in which the ceiling was not accepted but not exceeded"),
    _f("personal_funds_contrib_date", 'r."CNTRB_PRSNL_FNDS_DT"', "date",
       "CNTRB_PRSNL_FNDS_DT: when personal funds above the ceiling were contributed"),
    _f("executed_on", 'r."EXECUTE_DT"', "date", "EXECUTE_DT: the date the statement was signed"),
    _f("filing_id", 'r."FILING_ID"', "integer", "CAL-ACCESS FILING_ID"),
    _f("amendment_count", 'r."AMEND_ID"', "integer",
       "AMEND_ID of the latest amendment (the coalition's count: the highest AMEND_ID)"),
    _f("candidate_name", name_sql('r."CAND_NAMT"', 'r."CAND_NAMF"', 'r."CAND_NAML"', 'r."CAND_NAMS"'), "string",
       "Candidate (title, first, last name and suffix)"),
    _f("statement_type_code", 'r."STMT_TYPE"', "integer", "STMT_TYPE: a LOOKUP_CODES_CD code (0: none given)"),
    _f("office_code", 'r."OFFICE_CD"', "integer", "OFFICE_CD: a LOOKUP_CODES_CD code (0: none given)"),
    _f("office_description", clean_text_sql('r."OFFIC_DSCR"'), "string",
       "OFFIC_DSCR, trimmed: the office in the filer's words (where OFFICE_CD is 0, the only one)"),
    _f("jurisdiction_code", 'r."JURIS_CD"', "integer", "JURIS_CD: a LOOKUP_CODES_CD code (0: none given)"),
    _f("district_code", 'r."DISTRICT_CD"', "integer", "DISTRICT_CD: a LOOKUP_CODES_CD code (0: none given)"),
    _f("district_number", _text("DIST_NO"), "string", "DIST_NO as written (rarely filled)"),
    _f("party_code", 'r."PARTY_CD"', "integer", "PARTY_CD: a LOOKUP_CODES_CD code (0: none given)"),
    _f("party_text", _text("PARTY"), "string", "PARTY in the filer's words (rarely filled)"),
    _f("election_type_code", 'r."ELEC_TYPE"', "integer", "ELEC_TYPE: a LOOKUP_CODES_CD code (0: none given)"),
    _f("ocd_candidacy_id", "cf.id", "string", "OCD Candidacy id this statement made (empty: none, e.g. an office not known)"),
)

# The loans (schedules B and H of Form 460, and their parts) of each filing's current amendment.
_LOANS_FROM = """FROM "LOAN_CD" AS l
  JOIN opencivicdata_filing AS f ON f.calaccess_filing_id = l."FILING_ID" AND f.current_amend_id = l."AMEND_ID"
  JOIN opencivicdata_committee AS c ON c.id = f.filer_id"""
_VARIES = "; its meaning varies by schedule (B1, B2, B3, H...): see the CAL-ACCESS documentation"

_LOANS_FIELDS = (
    _f("schedule", 'btrim(l."FORM_TYPE")', "string", "Schedule or part of the form: B1, B2, B3, H, H1..."),
    _f("lender_name", name_sql('l."LNDR_NAMT"', 'l."LNDR_NAMF"', 'l."LNDR_NAML"', 'l."LNDR_NAMS"'), "string",
       "Lender (a person's title, first, last name and suffix, or a business name)"),
    _f("lender_entity_code", 'btrim(l."ENTITY_CD")', "string", "ENTITY_CD: IND, COM, OTH, RCP..."),
    _f("lender_city", 'btrim(l."LOAN_CITY")', "string", "LOAN_CITY"),
    _f("lender_state", 'btrim(l."LOAN_ST")', "string", "LOAN_ST"),
    _f("lender_zip", 'btrim(l."LOAN_ZIP4")', "string", "LOAN_ZIP4"),
    _f("loan_date", 'l."LOAN_DATE1"', "date", "LOAN_DATE1: the date the loan was made or received" + _VARIES),
    _f("loan_date_2", 'l."LOAN_DATE2"', "date", "LOAN_DATE2: the date repaid or forgiven, or due" + _VARIES),
    _f("loan_amount_1", 'l."LOAN_AMT1"', "number", "LOAN_AMT1: the original amount, or repaid or forgiven" + _VARIES),
    _f("loan_amount_2", 'l."LOAN_AMT2"', "number", "LOAN_AMT2: the outstanding principal" + _VARIES),
    _f("loan_amount_3", 'l."LOAN_AMT3"', "number", "LOAN_AMT3: interest paid, unpaid or received" + _VARIES),
    _f("loan_amount_4", 'l."LOAN_AMT4"', "number", "LOAN_AMT4: the cumulative amount" + _VARIES),
    _f("interest_rate", "NULLIF(btrim(l.\"LOAN_RATE\"), '')", "string", "LOAN_RATE, as written"),
    _f("committee_name", "c.name", "string", "Committee that reported the loan"),
    _f("calaccess_filing_id", 'l."FILING_ID"', "integer", "CAL-ACCESS FILING_ID"),
    _f("amend_id", 'l."AMEND_ID"', "integer", "AMEND_ID of the filing's current amendment"),
    _f("line_item", 'l."LINE_ITEM"', "integer", "LINE_ITEM"),
    _f("calaccess_filer_id", "c.calaccess_filer_id", "integer", "Filer's FILER_ID"),
    _f("ocd_filing_id", "f.id", "string", "OCD Filing id"),
    _f("ocd_committee_id", "c.id", "string", "OCD Committee id"),
)

FORM_FILES: dict[str, tuple[str, str, tuple[Field, ...], str]] = {
    "Form501Filings.csv": (
        "One row per Form 501 (candidate intention statement), as of its latest amendment, with its codes"
        " described; Form 502s, which share the raw table, are left out.",
        _FORM501_FROM, _FORM501_FIELDS, "lpad(r.\"FILING_ID\"::text, 12, '0')",
    ),
    "Loans.csv": (
        "One row per loan reported on a campaign filing's current amendment (LOAN_CD: Form 460 schedules B and H).",
        _LOANS_FROM, _LOANS_FIELDS,
        "lpad(l.\"FILING_ID\"::text, 12, '0') || lpad(coalesce(l.\"LINE_ITEM\", 0)::text, 10, '0')"
        " || lpad(l.id::text, 12, '0')",
    ),
}

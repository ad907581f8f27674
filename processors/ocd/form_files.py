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


def _coded(code: str, label: str, what: str) -> tuple[Field, Field]:
    return (_f(f"{what}_code", f'r."{code}"', "integer", f"{code}: a LOOKUP_CODES_CD code (0: none given)"),
            _f(what, f"{label}.label", "string", f"The code's LOOKUP_CODES_CD description (empty: no such code)"))


_FORM501_FIELDS = (
    _f("calaccess_filing_id", 'r."FILING_ID"', "integer", "CAL-ACCESS FILING_ID"),
    _f("amend_id", 'r."AMEND_ID"', "integer", "AMEND_ID of the latest amendment"),
    _f("calaccess_filer_id", 'btrim(r."FILER_ID")', "string",
       "FILER_ID as filed (negative or non-numeric for some: see FILER_XREF_CD)"),
    _f("calaccess_committee_id", "NULLIF(btrim(r.\"COMMITTEE_ID\"), '')", "string", "COMMITTEE_ID, if given"),
    _f("candidate_name", name_sql('r."CAND_NAMT"', 'r."CAND_NAMF"', 'r."CAND_NAML"', 'r."CAND_NAMS"'), "string",
       "Candidate (title, first, last name and suffix)"),
    _f("candidate_last_name", 'btrim(r."CAND_NAML")', "string", "CAND_NAML"),
    _f("candidate_first_name", 'btrim(r."CAND_NAMF")', "string", "CAND_NAMF"),
    _f("execute_date", 'r."EXECUTE_DT"', "date", "Date the statement was signed (EXECUTE_DT)"),
    *_coded("STMT_TYPE", "ls", "statement_type"),
    *_coded("OFFICE_CD", "lo", "office"),
    _f("office_description", clean_text_sql('r."OFFIC_DSCR"'), "string",
       "OFFIC_DSCR, trimmed: the office in the filer's words (where OFFICE_CD is 0, the only one)"),
    _f("agency_name", clean_text_sql('r."AGENCY_NAM"'), "string", "AGENCY_NAM, trimmed"),
    *_coded("JURIS_CD", "lj", "jurisdiction"),
    *_coded("DISTRICT_CD", "ld", "district"),
    _f("district_number", "NULLIF(btrim(r.\"DIST_NO\"), '')", "string", "DIST_NO (rarely filled)"),
    *_coded("PARTY_CD", "lp", "party"),
    _f("party_text", "NULLIF(btrim(r.\"PARTY\"), '')", "string", "PARTY in the filer's words (rarely filled)"),
    _f("election_year", 'r."YR_OF_ELEC"', "integer", "YR_OF_ELEC"),
    *_coded("ELEC_TYPE", "le", "election_type"),
    _f("accepted_expenditure_limit", BOOLEAN.format('r."ACCEPT_LIMIT_YN" = 1'), "boolean",
       "ACCEPT_LIMIT_YN: accepted the voluntary expenditure ceiling (empty: not answered)"),
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

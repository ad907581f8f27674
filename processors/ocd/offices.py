"""Offices, districts, jurisdictions and filer ids as the export names them (rules in docs/ocd-processing.md).

Form 501s name the office by a LOOKUP_CODES_CD code (CODE_TYPE 30000) or, when
the code is 0, by free text (OFFIC_DSCR); the district by a 17000 code whose
description is the number; the jurisdiction by a 40500 code and free text
(AGENCY_NAM). Campaign covers use three-letter codes. All of them are reduced
here to one office text, a state office code (common.OFFICES) or none (a
local office), a district number and, for local offices, a division of the
official list.
"""

from __future__ import annotations

OFFICE_CODE_TYPE = 30000
DISTRICT_CODE_TYPE = 17000
ELECTION_TYPE_CODE_TYPE = 3000
JURISDICTION_CODE_TYPE = 40500
PARTY_CODE_TYPE = 16000
STATEMENT_TYPE_CODE_TYPE = 10000

# Covers' three-letter office codes: state offices to common.OFFICES' codes
# (SPM is the covers' code for the Superintendent of Public Instruction) ...
COVER_STATE_OFFICES = {
    "GOV": "GOV", "LTG": "LTG", "SOS": "SOS", "CON": "CON", "TRE": "TRE", "ATT": "ATT", "INS": "INS",
    "SPM": "SPI", "BOE": "BOE", "SEN": "SEN", "ASM": "ASM",
}
# ... local ones to the description Form 501's office code has, so both give the same Post.
COVER_LOCAL_OFFICES = {
    "CCM": "CITY COUNCIL", "MAY": "MAYOR", "SCJ": "SUPERIOR COURT JUDGE", "BSU": "BOARD OF SUPERVISORS",
    "CSU": "COUNTY SUPERVISOR", "DAT": "DISTRICT ATTORNEY", "CAT": "CITY ATTORNEY", "SHC": "SHERIFF",
}


def lookup_sql(code_type: int) -> str:
    """SQL: (code, label) of one LOOKUP_CODES_CD code type, the type's own row left out, first row of a repeated code."""
    return (
        'SELECT DISTINCT ON ("CODE_ID") "CODE_ID" AS code, btrim(coalesce("CODE_DESC", \'\')) AS label'
        f' FROM "LOOKUP_CODES_CD" WHERE "CODE_TYPE" = {code_type} AND "CODE_ID" <> {code_type}'
        ' ORDER BY "CODE_ID", id'
    )


def clean_text_sql(text_sql: str) -> str:
    """SQL: free text trimmed, inner runs of white space made one space (OFFIC_DSCR is padded to 50 characters)."""
    return f"btrim(regexp_replace(coalesce({text_sql}, ''), '\\s+', ' ', 'g'))"


def state_office_sql(text_sql: str) -> str:
    """SQL reducing an office's text to one of common.OFFICES' codes, or NULL (a local or unknown office)."""
    t = f"upper({text_sql})"
    return f"""(CASE
      WHEN {t} ~ '\\m(CITY|COUNTY|LOCAL|SCHOOL|DISTRICT ATTORNEY|COURT|MUNICIPAL)\\M' THEN NULL
      WHEN {t} ~ 'ASSEMBLY' THEN 'ASM'
      WHEN {t} ~ 'SENATE' AND {t} !~ '(U\\.S\\.|\\mUS\\M|UNITED STATES)' THEN 'SEN'
      WHEN {t} ~ '(LIEUTENANT|LT\\.? ?GOV)' THEN 'LTG'
      WHEN {t} ~ 'GOVERNOR' THEN 'GOV'
      WHEN {t} ~ 'SECRETARY OF STATE' THEN 'SOS'
      WHEN {t} ~ '^(STATE )?CONTROLLER$' THEN 'CON'
      WHEN {t} ~ '^(STATE )?TREASURER$' THEN 'TRE'
      WHEN {t} ~ 'ATTORNEY GENERAL' THEN 'ATT'
      WHEN {t} ~ 'INSURANCE COMMISSIONER' THEN 'INS'
      WHEN {t} ~ 'PUBLIC INSTRUCTION' THEN 'SPI'
      WHEN {t} ~ 'EQUALIZATION' THEN 'BOE'
    END)"""


def local_jurisdiction_sql(text_sql: str) -> str:
    """SQL: true when a jurisdiction's text names a city, county or other local body."""
    return f"(upper({text_sql}) ~ '\\m(CITY|COUNTY|LOCAL|CIT|CTY|LOC|TOWN|SUPERIOR COURT)\\M')"


def district_sql(code_label_sql: str, dist_no_sql: str) -> str:
    """SQL: the district number from DISTRICT_CD's description, else (fallback) from DIST_NO's digits."""
    def digits(text: str) -> str:
        d = f"NULLIF(regexp_replace(coalesce({text}, ''), '[^0-9]', '', 'g'), '')"
        return f"(CASE WHEN length({d}) <= 4 THEN {d}::int END)"
    return f"coalesce({digits(code_label_sql)}, {digits(dist_no_sql)})"


def place_key_sql(text_sql: str) -> str:
    """SQL: a jurisdiction's text ("County of Orange", "CITY OF SAN JOSE", "Orange County") as a division subid."""
    bare = (f"regexp_replace(regexp_replace(upper(btrim({text_sql})), '^(COUNTY|CITY|TOWN|CITY AND COUNTY) OF\\s+', ''),"
            " '\\s+(COUNTY\\s+)?(SUPERIOR COURT|COUNTY|CITY)$', '')")
    return f"btrim(regexp_replace(lower({bare}), '[^a-z0-9]+', '_', 'g'), '_')"


def place_kind_sql(text_sql: str, kind_label_sql: str) -> str:
    """SQL: the division subtype a local jurisdiction is looked up in first (county or place)."""
    return f"""(CASE WHEN upper({text_sql}) ~ '\\m(COUNTY|SUPERIOR COURT)\\M' OR upper({kind_label_sql}) ~ '(COUNTY|SUPERIOR|^CTY$)'
                 THEN 'county' ELSE 'place' END)"""


def places_stage(*, cursor) -> None:
    """ocd_place (key, kind, id): the county and place divisions of the official list, by subid, indexed:
    a jurisdiction's text is reduced to its key once per row and looked up, rather than compared with
    every division in turn (a sequential scan of the list for each cover page)."""
    cursor.execute(
        """CREATE TEMP TABLE ocd_place ON COMMIT DROP AS
           SELECT subid2 AS key, subtype2 AS kind, id FROM opencivicdata_division
           WHERE subtype1 = 'state' AND subid1 = 'ca' AND subtype2 IN ('county', 'place') AND subtype3 = ''"""
    )
    cursor.execute("CREATE INDEX ON ocd_place (key)")
    cursor.execute("ANALYZE ocd_place")


def division_of_place_sql(key_sql: str, kind_sql: str) -> str:
    """SQL: (scalar) the id of the county or place division of key `key_sql` (place_key_sql of a jurisdiction's
    text), the division of kind `kind_sql` (place_kind_sql) first; NULL when the list has none (ocd_place)."""
    return f"""(SELECT p.id FROM ocd_place AS p WHERE p.key = {key_sql}
               ORDER BY (p.kind = {kind_sql}) DESC, p.id LIMIT 1)"""


def xref_stage(*, cursor) -> None:
    """ocd_xref (xref_id, filer_id): FILER_XREF_CD's other ids of a filer, one filer per id (latest EFFECT_DT)."""
    cursor.execute(
        """CREATE TEMP TABLE ocd_xref ON COMMIT DROP AS
           SELECT DISTINCT ON (btrim("XREF_ID")) btrim("XREF_ID") AS xref_id, "FILER_ID"::bigint AS filer_id
           FROM "FILER_XREF_CD" WHERE "FILER_ID" IS NOT NULL AND btrim("XREF_ID") <> ''
           ORDER BY btrim("XREF_ID"), "EFFECT_DT" DESC NULLS LAST, "FILER_ID" DESC"""
    )
    cursor.execute("CREATE UNIQUE INDEX ON ocd_xref (xref_id)")
    cursor.execute("ANALYZE ocd_xref")


def filer_id_sql(text_sql: str) -> str:
    """SQL: a filer id as written (text) as bigint, NULL when it cannot be one.

    A positive number is a filer id; any other value (an old id such as
    "C12345", a negative id) is translated through FILER_XREF_CD (ocd_xref);
    a negative number it does not know stays itself (the state's key for that
    filer).
    """
    t = f"btrim({text_sql})"
    return f"""coalesce(CASE WHEN {t} ~ '^[0-9]{{1,18}}$' THEN {t}::bigint END,
                        (SELECT x.filer_id FROM ocd_xref AS x WHERE x.xref_id = {t}),
                        CASE WHEN {t} ~ '^-[0-9]{{1,18}}$' THEN {t}::bigint END)"""


def filer_id_source_sql(text_sql: str) -> str:
    """SQL: how filer_id_sql read the id: 'number', 'xref', 'negative' or NULL."""
    t = f"btrim({text_sql})"
    return f"""(CASE WHEN {t} ~ '^[0-9]{{1,18}}$' THEN 'number'
                     WHEN EXISTS (SELECT 1 FROM ocd_xref AS x WHERE x.xref_id = {t}) THEN 'xref'
                     WHEN {t} ~ '^-[0-9]{{1,18}}$' THEN 'negative' END)"""

"""Candidates: people, posts, elections, candidate contests and candidacies, from Form 501 and cover pages."""

from __future__ import annotations

from .common import (
    DISTRICT_RANGE,
    OFFICES,
    ORGANIZATIONS,
    STATE_DIVISION,
    add_counts,
    date_text_sql,
    local_sql,
    name_sql,
    numeric_id_sql,
    ocd_id_sql,
    office_code_sql,
    org_id,
    related,
    rows,
)

OFFICE_CODE_TYPE = 30000
F501_OFFICE = office_code_sql("(coalesce(lo.label, '') || ' ' || f.\"OFFIC_DSCR\")")
F501_LOCAL = local_sql("(coalesce(lj.label, '') || ' ' || f.\"JURIS_DSCR\" || ' ' || f.\"OFFIC_DSCR\")")
COVER_LOCAL = local_sql("(c.\"JURIS_CD\" || ' ' || c.\"JURIS_DSCR\" || ' ' || c.\"OFFIC_DSCR\")")
JURISDICTION_CODE_TYPE = 40000


def _lookup(code_type: int) -> str:
    return (
        'SELECT DISTINCT ON ("CODE_ID") "CODE_ID" AS code, coalesce("CODE_DESC", \'\') AS label'
        f' FROM "LOOKUP_CODES_CD" WHERE "CODE_TYPE" = {code_type} ORDER BY "CODE_ID", id'
    )


def _offices_values() -> str:
    rows_sql = ", ".join(f"('{code}', '{label}', '{org}', '{kind}')" for code, (label, org, kind) in OFFICES.items())
    return f"(VALUES {rows_sql}) AS office(code, label, org, kind)"


def _district(text_sql: str) -> str:
    digits = f"NULLIF(regexp_replace({text_sql}, '[^0-9]', '', 'g'), '')"
    return f"(CASE WHEN length({digits}) <= 4 THEN {digits}::int END)"


def candidacy_sources_stage(*, cursor, skipped: dict) -> None:
    """ocd_cand_src: one row per current Form 501 and per current cover page naming a candidate, with its reason to skip."""
    add_counts(
        skipped,
        "F501_502_CD",
        rows(
            cursor,
            """SELECT CASE WHEN "FILING_ID" IS NULL THEN 'no_filing_id'
                           WHEN coalesce("AMEND_ID", 0) < max_amend THEN 'superseded_amendment'
                           WHEN rn > 1 THEN 'duplicate_key' END, count(*)
               FROM (SELECT "FILING_ID", "AMEND_ID",
                       max(coalesce("AMEND_ID", 0)) OVER (PARTITION BY "FILING_ID") AS max_amend,
                       row_number() OVER (PARTITION BY "FILING_ID", coalesce("AMEND_ID", 0) ORDER BY id) AS rn
                     FROM "F501_502_CD") AS s GROUP BY 1""",
        ),
    )
    codes = ", ".join(f"'{c}'" for c in OFFICES)
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_cand_src ON COMMIT DROP AS
        WITH f501 AS (
          SELECT DISTINCT ON ("FILING_ID") * FROM "F501_502_CD" WHERE "FILING_ID" IS NOT NULL
          ORDER BY "FILING_ID", coalesce("AMEND_ID", 0) DESC, id
        ), src AS (
          SELECT 'F501' AS source, f."FILING_ID" AS filing_id, {numeric_id_sql('f."FILER_ID"')} AS filer_id,
            {date_text_sql('f."ELECT_DATE"')} AS election_date,
            {F501_OFFICE} AS office,
            {F501_LOCAL} AS is_local,
            {_district('f."DIST_NO"')} AS district, f."PARTY_CD" AS party_code, f."RPT_DATE" AS rpt_date,
            {name_sql('f."CAND_NAMT"', 'f."CAND_NAMF"', 'f."CAND_NAML"', 'f."CAND_NAMS"')} AS name,
            btrim(f."CAND_NAMF") AS given_name, btrim(f."CAND_NAML") AS family_name
          FROM f501 AS f
          LEFT JOIN ({_lookup(OFFICE_CODE_TYPE)}) AS lo ON lo.code = f."OFFICE_CD"
          LEFT JOIN ({_lookup(JURISDICTION_CODE_TYPE)}) AS lj ON lj.code = f."JURIS_CD"
          UNION ALL
          SELECT 'CVR', c."FILING_ID", {numeric_id_sql('c."CAND_ID"')}, c."ELECT_DATE",
            CASE WHEN upper(btrim(c."OFFICE_CD")) IN ({codes}) THEN upper(btrim(c."OFFICE_CD"))
                 ELSE {office_code_sql('c."OFFIC_DSCR"')} END,
            {COVER_LOCAL},
            {_district('c."DIST_NO"')}, NULL::int, c."RPT_DATE",
            {name_sql('c."CAND_NAMT"', 'c."CAND_NAMF"', 'c."CAND_NAML"', 'c."CAND_NAMS"')},
            btrim(c."CAND_NAMF"), btrim(c."CAND_NAML")
          FROM ocd_cover AS c
          WHERE btrim(c."CAND_NAML") <> '' OR btrim(c."CAND_ID") <> ''
        )
        SELECT src.*,
          CASE WHEN office IN ('SEN', 'ASM', 'BOE') THEN district ELSE 0 END AS post_district,
          CASE
            WHEN filer_id IS NULL THEN 'no_candidate_filer_id'
            WHEN is_local THEN 'local_office'
            WHEN office IS NULL THEN 'office_not_recognized'
            WHEN office = 'SEN' AND district NOT BETWEEN 1 AND {DISTRICT_RANGE['SEN']} THEN 'district_invalid'
            WHEN office = 'ASM' AND district NOT BETWEEN 1 AND {DISTRICT_RANGE['ASM']} THEN 'district_invalid'
            WHEN office = 'BOE' AND district NOT BETWEEN 1 AND {DISTRICT_RANGE['BOE']} THEN 'district_invalid'
            WHEN office IN ('SEN', 'ASM', 'BOE') AND district IS NULL THEN 'district_invalid'
            WHEN election_date IS NULL THEN 'no_election_date'
          END AS reason
        FROM src"""
    )
    for source, table in (("F501", "F501_502_CD"), ("CVR", "CVR_CAMPAIGN_DISCLOSURE_CD")):
        prefix = "" if source == "F501" else "candidacy_"
        add_counts(
            skipped,
            table,
            rows(cursor, f"SELECT '{prefix}' || reason, count(*) FROM ocd_cand_src WHERE source = '{source}' AND"
                 " reason IS NOT NULL GROUP BY reason"),
        )
    cursor.execute(
        "CREATE TEMP TABLE ocd_cand ON COMMIT DROP AS SELECT *, office || ':' || post_district AS post_key,"
        " election_date || ':' || office || ':' || post_district AS contest_key,"
        " filer_id || ':' || election_date || ':' || office || ':' || post_district AS candidacy_key"
        " FROM ocd_cand_src WHERE reason IS NULL"
    )


def elections_build(*, cursor, params: dict) -> None:
    """One Election per date named by a kept candidacy, a current cover page or a ballot measure."""
    cursor.execute(
        f"""INSERT INTO opencivicdata_election (id, name, date, division_id, administrative_organization_id,
              created_at, updated_at, extras)
            SELECT {ocd_id_sql("election", "d::text")}, to_char(d, 'FMMonth FMDD, YYYY') || ' election', d, %(state)s,
              {org_id("secretary-of-state")}, %(ts)s, %(ts)s, '{{}}'::jsonb
            FROM (SELECT election_date FROM ocd_cand
                  UNION SELECT "ELECT_DATE" FROM ocd_cover
                  UNION SELECT election_date FROM ocd_measure) AS dates(d)
            WHERE d IS NOT NULL""",
        {**params, "state": STATE_DIVISION},
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_electionidentifier (id, identifier, scheme, election_id)
            SELECT {related("electionidentifier", "id")}, date::text, 'calaccess_election_date', id
            FROM opencivicdata_election"""
    )


def candidacies_build(*, cursor, params: dict, unmatched: dict) -> None:
    """Posts, people (+ identifiers, names), contests (+ posts) and candidacies from the kept sources."""
    division = (
        f"CASE office.kind WHEN 'state' THEN '{STATE_DIVISION}' "
        f"ELSE '{STATE_DIVISION}/' || office.kind || ':' || p.post_district END"
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_post (id, label, role, organization_id, division_id, start_date, end_date,
              maximum_memberships, created_at, updated_at, extras)
            SELECT {ocd_id_sql("post", "p.post_key")},
              office.label || CASE WHEN p.post_district > 0 THEN ' District ' || p.post_district ELSE '' END,
              office.label, {ocd_id_sql("organization", "office.org")}, {division}, '', '', 1, %(ts)s, %(ts)s, '{{}}'::jsonb
            FROM (SELECT DISTINCT office, post_district, post_key FROM ocd_cand) AS p
            JOIN {_offices_values()} ON office.code = p.office""",
        params,
    )
    assert set(o for _, o, _ in OFFICES.values()) <= set(ORGANIZATIONS)
    # The person's current name is the one on their latest source (Form 501 first, then highest FILING_ID).
    cursor.execute(
        """CREATE TEMP TABLE ocd_person_name ON COMMIT DROP AS
           SELECT DISTINCT ON (filer_id) filer_id, name, given_name, family_name FROM ocd_cand
           ORDER BY filer_id, (source = 'F501') DESC, filing_id DESC"""
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_person (id, name, sort_name, family_name, given_name, image, gender, summary,
              national_identity, biography, birth_date, death_date, created_at, updated_at, extras)
            SELECT {ocd_id_sql("person", "'filer:' || filer_id")}, name,
              left(concat_ws(', ', NULLIF(family_name, ''), NULLIF(given_name, '')), 100),
              left(family_name, 100), left(given_name, 100), '', '', '', '', '', '', '', %(ts)s, %(ts)s,
              jsonb_build_object('calaccess_filer_id', filer_id)
            FROM ocd_person_name""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_personidentifier (id, identifier, scheme, person_id)
            SELECT {related("personidentifier", "'filer:' || filer_id")}, filer_id::text, 'calaccess_filer_id',
              {ocd_id_sql("person", "'filer:' || filer_id")} FROM ocd_person_name"""
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_personname (id, name, note, start_date, end_date, person_id)
            SELECT {related("personname", "c.filer_id || ':' || c.name")}, c.name, 'name on a CAL-ACCESS filing',
              '', '', {ocd_id_sql("person", "'filer:' || c.filer_id")}
            FROM (SELECT DISTINCT filer_id, name FROM ocd_cand) AS c
            JOIN ocd_person_name AS n ON n.filer_id = c.filer_id AND n.name <> c.name"""
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_candidatecontest (id, name, division_id, election_id, party_id,
              previous_term_unexpired, number_elected, runoff_for_contest_id, created_at, updated_at, extras)
            SELECT DISTINCT {ocd_id_sql("contest", "'candidate:' || c.contest_key")}, p.label, p.division_id,
              {ocd_id_sql("election", "c.election_date::text")}, NULL, false, 1, NULL, %(ts)s, %(ts)s, '{{}}'::jsonb
            FROM ocd_cand AS c JOIN opencivicdata_post AS p ON p.id = {ocd_id_sql("post", "c.post_key")}""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_candidatecontestpost (id, contest_id, post_id, sort_order)
            SELECT DISTINCT {related("candidatecontestpost", "contest_key")},
              {ocd_id_sql("contest", "'candidate:' || contest_key")}, {ocd_id_sql("post", "post_key")}, 0
            FROM ocd_cand"""
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_candidacy (id, person_id, post_id, contest_id, candidate_name, filed_date,
              is_incumbent, party_id, registration_status, top_ticket_candidacy_id, created_at, updated_at, extras)
            SELECT {ocd_id_sql("candidacy", "k.candidacy_key")}, {ocd_id_sql("person", "'filer:' || k.filer_id")},
              {ocd_id_sql("post", "k.post_key")}, {ocd_id_sql("contest", "'candidate:' || k.contest_key")}, k.name, k.filed_date,
              NULL, party.id, 'filed', NULL, %(ts)s, %(ts)s,
              jsonb_build_object('calaccess_filer_id', k.filer_id, 'form501_filing_ids', k.f501_ids,
                                 'cover_filing_ids', k.cover_ids)
            FROM (
              SELECT candidacy_key, filer_id, post_key, contest_key,
                (array_agg(name ORDER BY (source = 'F501') DESC, filing_id DESC))[1] AS name,
                min(rpt_date) FILTER (WHERE source = 'F501') AS filed_date,
                (array_agg(party_code ORDER BY filing_id DESC) FILTER (WHERE source = 'F501'
                   AND party_code IS NOT NULL))[1] AS party_code,
                coalesce(jsonb_agg(filing_id ORDER BY filing_id) FILTER (WHERE source = 'F501'), '[]') AS f501_ids,
                coalesce(jsonb_agg(filing_id ORDER BY filing_id) FILTER (WHERE source = 'CVR'), '[]') AS cover_ids
              FROM ocd_cand GROUP BY candidacy_key, filer_id, post_key, contest_key
            ) AS k
            LEFT JOIN opencivicdata_organization AS party
              ON party.classification = 'party' AND party.id = {ocd_id_sql("organization", "'party:' || k.party_code")}""",
        params,
    )
    add_counts(
        unmatched,
        "opencivicdata_candidacy",
        rows(cursor, "SELECT 'party_unknown', count(*) FROM opencivicdata_candidacy WHERE party_id IS NULL"),
    )

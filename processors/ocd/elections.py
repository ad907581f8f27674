"""Candidacy sources (Form 501s and cover pages) and the elections they name (rules in docs/ocd-processing.md)."""

from __future__ import annotations

from .common import (DISTRICT_RANGE, OFFICES, STATE_DIVISION, add_counts, date_text_sql, family_key_sql, given_key_sql,
                     name_sql, ocd_id_sql, org_id, related, rows)
from .offices import (
    COVER_LOCAL_OFFICES,
    COVER_STATE_OFFICES,
    DISTRICT_CODE_TYPE,
    ELECTION_TYPE_CODE_TYPE,
    JURISDICTION_CODE_TYPE,
    OFFICE_CODE_TYPE,
    PARTY_CODE_TYPE,
    STATEMENT_TYPE_CODE_TYPE,
    clean_text_sql,
    district_sql,
    division_of_place_sql,
    filer_id_source_sql,
    filer_id_sql,
    local_jurisdiction_sql,
    lookup_sql,
    place_key_sql,
    place_kind_sql,
    places_stage,
    state_office_sql,
)

# Election classification of a 3000 code's description ("SPECIAL RUNOFF" before "SPECIAL").
ELECTION_TYPE_SQL = """(CASE WHEN upper({0}) ~ 'RUNOFF' THEN 'special_runoff' WHEN upper({0}) ~ 'SPECIAL' THEN 'special'
  WHEN upper({0}) ~ 'PRIMARY' THEN 'primary' WHEN upper({0}) ~ 'GENERAL' THEN 'general'
  WHEN upper({0}) ~ 'RECALL' THEN 'recall' WHEN upper({0}) ~ 'OFFICEHOLDER' THEN 'officeholder' END)"""
# How an election's classification is written in its name, as the coalition named them ("2018 PRIMARY").
ELECTION_LABELS = {"primary": "PRIMARY", "general": "GENERAL", "special": "SPECIAL ELECTION",
                   "special_runoff": "SPECIAL RUNOFF", "recall": "RECALL", "presidential_primary": "PRESIDENTIAL PRIMARY"}
# Single letters a filer writes for a party (PARTY text), to the start of its 16000 description.
PARTY_LETTERS = {"D": "DEMOCRAT", "R": "REPUBLICAN", "L": "LIBERTARIAN", "G": "GREEN"}
# Temporary tables of this module (dropped at commit).
TABLES = ["ocd_party", "ocd_filer_party", "ocd_cand_src", "ocd_cand", "ocd_cover_candidate", "ocd_election_src"]


def _sql_map(value_sql: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"(CASE {value_sql} {whens} END)"


def _party_stage(cursor) -> None:
    """ocd_party: the party codes; ocd_filer_party: each filer's party in FILER_TO_FILER_TYPE_CD (latest row with one)."""
    cursor.execute(f"CREATE TEMP TABLE ocd_party ON COMMIT DROP AS {lookup_sql(PARTY_CODE_TYPE)}")
    cursor.execute(
        """CREATE TEMP TABLE ocd_filer_party ON COMMIT DROP AS
           SELECT DISTINCT ON (t."FILER_ID") t."FILER_ID"::bigint AS filer_id, t."PARTY_CD" AS party_code
           FROM "FILER_TO_FILER_TYPE_CD" AS t JOIN ocd_party AS p ON p.code = t."PARTY_CD"
           ORDER BY t."FILER_ID", t."EFFECT_DT" DESC NULLS LAST, t.id DESC"""
    )
    cursor.execute("CREATE UNIQUE INDEX ON ocd_filer_party (filer_id)")


def _party_text_sql(text_sql: str) -> str:
    """SQL (scalar): the party code whose description starts with the PARTY text (3+ letters) or a letter's party."""
    t = f"upper(btrim(coalesce({text_sql}, '')))"
    prefix = f"coalesce({_sql_map(t, PARTY_LETTERS)}, CASE WHEN length({t}) >= 3 THEN {t} END)"
    return (f"(SELECT p.code FROM ocd_party AS p WHERE left(upper(p.label), length({prefix})) = {prefix}"
            " ORDER BY p.code LIMIT 1)")


def _f501_sql() -> str:
    """SQL: the candidacy source columns of each current Form 501 (FORM_TYPE F501 only)."""
    office_text = clean_text_sql('CASE WHEN lo.code IS NOT NULL THEN lo.label ELSE f."OFFIC_DSCR" END')
    return f"""
      SELECT 'F501' AS source, f."FILING_ID" AS filing_id, {filer_id_sql('f."FILER_ID"')} AS filer_id,
        {filer_id_source_sql('f."FILER_ID"')} AS filer_id_source,
        {date_text_sql('f."ELECT_DATE"')} AS election_date,
        CASE WHEN f."YR_OF_ELEC" BETWEEN 1900 AND 2100 THEN f."YR_OF_ELEC" END AS election_year,
        {ELECTION_TYPE_SQL.format('le.label')} AS election_type,
        NULL::text AS state_hint, {office_text} AS office_text,
        coalesce(lj.label, '') || ' ' || {clean_text_sql('f."AGENCY_NAM"')} AS juris_text,
        {clean_text_sql('f."AGENCY_NAM"')} AS juris_place, coalesce(lj.label, '') AS juris_kind,
        {district_sql('ld.label', 'f."DIST_NO"')} AS district,
        lp.code AS party_by_code, {_party_text_sql('f."PARTY"')} AS party_by_text,
        CASE WHEN upper(coalesce(ls.label, '')) ~ 'TERMINAT' THEN 'withdrawn' ELSE 'filed' END AS registration_status,
        f."RPT_DATE" AS rpt_date,
        {name_sql('f."CAND_NAMT"', 'f."CAND_NAMF"', 'f."CAND_NAML"', 'f."CAND_NAMS"')} AS name,
        btrim(f."CAND_NAMF") AS given_name, btrim(f."CAND_NAML") AS family_name
      FROM (SELECT DISTINCT ON ("FILING_ID") * FROM "F501_502_CD"
            WHERE "FILING_ID" IS NOT NULL AND upper(btrim("FORM_TYPE")) = 'F501'
            ORDER BY "FILING_ID", coalesce("AMEND_ID", 0) DESC, id) AS f
      LEFT JOIN ({lookup_sql(OFFICE_CODE_TYPE)}) AS lo
        ON lo.code = f."OFFICE_CD" AND f."OFFICE_CD" <> 0 AND lo.label NOT IN ('', 'N/A')
      LEFT JOIN ({lookup_sql(JURISDICTION_CODE_TYPE)}) AS lj ON lj.code = f."JURIS_CD"
      LEFT JOIN ({lookup_sql(DISTRICT_CODE_TYPE)}) AS ld ON ld.code = f."DISTRICT_CD"
      LEFT JOIN ({lookup_sql(ELECTION_TYPE_CODE_TYPE)}) AS le ON le.code = f."ELEC_TYPE"
      LEFT JOIN ({lookup_sql(STATEMENT_TYPE_CODE_TYPE)}) AS ls ON ls.code = f."STMT_TYPE"
      LEFT JOIN ocd_party AS lp ON lp.code = f."PARTY_CD\""""


def _cover_sql() -> str:
    """SQL: the candidacy source columns of each current cover page naming a candidate."""
    letter = 'upper(btrim(c."OFFICE_CD"))'
    cand_id = filer_id_sql('c."CAND_ID"')
    return f"""
      SELECT 'CVR', c."FILING_ID",
        coalesce({cand_id}, CASE WHEN upper(btrim(c."ENTITY_CD")) = 'CAO' THEN c.filer_id END),
        CASE WHEN {cand_id} IS NOT NULL THEN {filer_id_source_sql('c."CAND_ID"')}
             WHEN upper(btrim(c."ENTITY_CD")) = 'CAO' THEN 'cover_filer' END,
        c."ELECT_DATE", NULL::int, NULL::text,
        {_sql_map(letter, COVER_STATE_OFFICES)},
        coalesce({_sql_map(letter, COVER_LOCAL_OFFICES)}, {clean_text_sql('c."OFFIC_DSCR"')}),
        coalesce(c."JURIS_CD", '') || ' ' || {clean_text_sql('c."JURIS_DSCR"')},
        {clean_text_sql('c."JURIS_DSCR"')}, coalesce(btrim(c."JURIS_CD"), ''),
        {district_sql('NULL::text', 'c."DIST_NO"')}, NULL::int, NULL::int, NULL::text, c."RPT_DATE",
        {name_sql('c."CAND_NAMT"', 'c."CAND_NAMF"', 'c."CAND_NAML"', 'c."CAND_NAMS"')},
        btrim(c."CAND_NAMF"), btrim(c."CAND_NAML")
      FROM ocd_cover AS c
      WHERE btrim(c."CAND_NAML") <> '' OR btrim(c."CAND_ID") <> ''"""


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
               FROM (SELECT "FILING_ID", "AMEND_ID", "FORM_TYPE",
                       max(coalesce("AMEND_ID", 0)) OVER (PARTITION BY "FILING_ID") AS max_amend,
                       row_number() OVER (PARTITION BY "FILING_ID", coalesce("AMEND_ID", 0) ORDER BY id) AS rn
                     FROM "F501_502_CD" WHERE upper(btrim("FORM_TYPE")) = 'F501') AS s GROUP BY 1
               UNION ALL
               SELECT CASE WHEN "FILING_ID" IS NULL THEN 'no_filing_id' ELSE 'not_form_501' END, count(*)
               FROM "F501_502_CD" WHERE upper(btrim("FORM_TYPE")) IS DISTINCT FROM 'F501' GROUP BY 1""",
        ),
    )
    _party_stage(cursor)
    places_stage(cursor=cursor)
    districted = ", ".join(f"'{o}'" for o in DISTRICT_RANGE)
    ranges = " ".join(f"WHEN '{o}' THEN {n}" for o, n in DISTRICT_RANGE.items())
    state_labels = _sql_map("s.office", {code: label for code, (label, _, _) in OFFICES.items()})
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_cand_src ON COMMIT DROP AS
        WITH src AS ({_f501_sql()} UNION ALL {_cover_sql()}),
        office AS (
          SELECT src.*, coalesce(state_hint, CASE WHEN NOT {local_jurisdiction_sql('juris_text')}
                                                 THEN {state_office_sql('office_text')} END) AS office,
            {family_key_sql('family_name')} AS family_key, {given_key_sql('given_name')} AS given_key
          FROM src
        ), keyed AS (
          SELECT o.*, CASE WHEN o.office IS NULL AND o.juris_place <> '' THEN {place_key_sql('o.juris_place')} END
                        AS place_key, {place_kind_sql('o.juris_place', 'o.juris_kind')} AS place_kind
          FROM office AS o
        ), placed AS (
          SELECT k.*, {division_of_place_sql('k.place_key', 'k.place_kind')} AS division_id FROM keyed AS k
        )
        SELECT s.*, CASE WHEN s.office IN ({districted}) THEN s.district ELSE 0 END AS post_district,
          fp.party_code AS party_by_type,
          coalesce(d.name, NULLIF(s.juris_place, ''), 'jurisdiction not given') AS juris_name,
          CASE WHEN s.office IS NULL THEN coalesce(s.division_id, 'agency:' || upper(s.juris_place)) END AS juris_key,
          CASE WHEN s.office IS NOT NULL
               THEN {state_labels} || CASE WHEN s.office IN ({districted}) THEN ' District ' || s.district ELSE '' END
               ELSE s.office_text || ', ' || coalesce(d.name, NULLIF(s.juris_place, ''), 'jurisdiction not given')
                    || CASE WHEN s.district > 0 THEN ' District ' || s.district ELSE '' END
          END AS post_label,
          CASE
            -- A cover naming its candidate without an id is matched by name later (_cover_candidates_match).
            WHEN s.filer_id IS NULL AND (s.source = 'F501' OR s.family_key = '') THEN 'no_candidate_filer_id'
            WHEN s.election_type = 'officeholder' THEN 'officeholder_statement'
            WHEN s.office IS NULL AND s.office_text = '' THEN 'office_not_recognized'
            WHEN s.office IS NULL AND s.juris_place = '' THEN 'local_jurisdiction_unknown'
            WHEN s.office IN ({districted}) AND (s.district IS NULL
                 OR s.district NOT BETWEEN 1 AND (CASE s.office {ranges} END)) THEN 'district_invalid'
            WHEN s.election_date IS NULL AND s.election_year IS NULL THEN 'no_election'
          END AS reason
        FROM placed AS s
        LEFT JOIN ocd_filer_party AS fp ON fp.filer_id = s.filer_id
        LEFT JOIN opencivicdata_division AS d ON d.id = s.division_id"""
    )
    for source, table in (("F501", "F501_502_CD"), ("CVR", "CVR_CAMPAIGN_DISCLOSURE_CD")):
        prefix = "" if source == "F501" else "candidacy_"
        add_counts(
            skipped,
            table,
            rows(cursor, f"SELECT '{prefix}' || reason, count(*) FROM ocd_cand_src WHERE source = '{source}' AND"
                 " reason IS NOT NULL GROUP BY reason"),
        )
    _candidacies_stage(cursor)
    _cover_candidates_match(cursor=cursor, skipped=skipped)


def _cover_candidates_match(*, cursor, skipped: dict) -> None:
    """The candidate of a kept cover that names one without an id (CAND_ID empty, not the filer's own cover).

    It is the Form 501 candidate of the same post and election whose family
    name is the same (common.family_key_sql) and, when the cover gives one, the
    same given name (given_key_sql), when exactly one is; the cover then counts
    for that candidacy like one with CAND_ID. Otherwise the cover is counted
    (candidacy_candidate_not_on_form501, candidacy_candidate_name_ambiguous)
    and dropped.
    """
    cursor.execute("ANALYZE ocd_cand")  # a fresh table joined to itself: statistics for a hash join
    cursor.execute(
        """CREATE TEMP TABLE ocd_cover_candidate ON COMMIT DROP AS
           SELECT c.filing_id, count(DISTINCT f.filer_id) AS n, min(f.filer_id) AS filer_id
           FROM ocd_cand AS c
           LEFT JOIN ocd_cand AS f ON f.source = 'F501' AND f.post_key = c.post_key
             AND f.election_key = c.election_key AND f.family_key = c.family_key
             AND (c.given_key = '' OR f.given_key = c.given_key)
           WHERE c.source = 'CVR' AND c.filer_id IS NULL GROUP BY c.filing_id"""
    )
    add_counts(
        skipped,
        "CVR_CAMPAIGN_DISCLOSURE_CD",
        rows(cursor, """SELECT CASE WHEN n = 0 THEN 'candidacy_candidate_not_on_form501'
                               ELSE 'candidacy_candidate_name_ambiguous' END, count(*)
                        FROM ocd_cover_candidate WHERE n <> 1 GROUP BY 1"""),
    )
    cursor.execute(
        """UPDATE ocd_cand AS c SET filer_id = m.filer_id, filer_id_source = 'form501_name',
             candidacy_key = m.filer_id || ':' || c.election_key || ':' || c.post_key
           FROM ocd_cover_candidate AS m
           WHERE c.source = 'CVR' AND c.filer_id IS NULL AND m.filing_id = c.filing_id AND m.n = 1"""
    )
    cursor.execute("DELETE FROM ocd_cand WHERE filer_id IS NULL")


def _candidacies_stage(cursor) -> None:
    """ocd_cand: the kept sources with their post, election (dated from the filing or the calendar) and keys."""
    post_key = ("CASE WHEN s.office IS NOT NULL THEN s.office || ':' || s.post_district"
                " ELSE 'local:' || upper(s.office_text) || ':' || s.juris_key || ':' || coalesce(s.district, 0) END")
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_cand ON COMMIT DROP AS
        WITH dated AS (
          SELECT s.*, {post_key} AS post_key,
            coalesce(s.election_date, cal.date) AS e_date,
            coalesce(extract(year FROM s.election_date)::int, s.election_year) AS e_year,
            coalesce(bydate.classification, s.election_type) AS e_class,
            CASE WHEN s.election_date IS NOT NULL THEN 'filing' WHEN cal.date IS NOT NULL THEN 'calendar' END
              AS e_date_source,
            coalesce(s.party_by_code, s.party_by_text, s.party_by_type) AS party_code,
            CASE WHEN s.party_by_code IS NOT NULL THEN 'PARTY_CD' WHEN s.party_by_text IS NOT NULL THEN 'PARTY'
                 WHEN s.party_by_type IS NOT NULL THEN 'FILER_TO_FILER_TYPE_CD' END AS party_source
          FROM ocd_cand_src AS s
          LEFT JOIN ocd_calendar AS bydate ON bydate.date = s.election_date
          LEFT JOIN ocd_calendar AS cal ON s.election_date IS NULL AND cal.year = s.election_year
            AND cal.classification = s.election_type
            AND (s.election_type IN ('primary', 'general') OR (s.election_type = 'recall' AND s.office IS NOT NULL))
          WHERE s.reason IS NULL
        ), keyed AS (
          SELECT *, CASE WHEN e_date IS NOT NULL THEN e_date::text
                         WHEN e_class IN ('special', 'special_runoff') THEN 'year:' || e_year || ':' || e_class
                           || ':' || post_key
                         ELSE 'year:' || e_year || ':' || coalesce(e_class, 'unknown') END AS election_key
          FROM dated
        )
        SELECT *, election_key || ':' || post_key AS contest_key,
          filer_id || ':' || election_key || ':' || post_key AS candidacy_key
        FROM keyed"""
    )


def _election_name_sql(e: str) -> str:
    """SQL: an election's name: the calendar's, else year, classification and the date or (special) the post."""
    label = f"coalesce({_sql_map(f'{e}.classification', ELECTION_LABELS)}, 'ELECTION')"
    return f"""coalesce(cal.name, {e}.year || ' ' || {label} || CASE
      WHEN {e}.date IS NOT NULL THEN ' (' || to_char({e}.date, 'FMMonth FMDD') || ')'
      WHEN {e}.classification IN ('special', 'special_runoff') THEN ' (' || upper({e}.post_label) || ')'
      ELSE '' END)"""


def elections_build(*, cursor, params: dict, unmatched: dict) -> None:
    """One Election per election key named by a kept candidacy, a current cover page or a ballot measure."""
    cursor.execute(
        """CREATE TEMP TABLE ocd_election_src ON COMMIT DROP AS
           SELECT election_key AS key, e_date AS date, e_year AS year, e_class AS classification,
             e_date_source AS date_source, post_label FROM ocd_cand
           UNION ALL SELECT DISTINCT "ELECT_DATE"::text, "ELECT_DATE", extract(year FROM "ELECT_DATE")::int, NULL,
             'filing', NULL FROM ocd_cover WHERE "ELECT_DATE" IS NOT NULL
           UNION ALL SELECT DISTINCT election_date::text, election_date, extract(year FROM election_date)::int, NULL,
             'filing', NULL FROM ocd_measure
           -- The elections the late contributions of current Form 497s name (S497_CD ELEC_DATE).
           UNION ALL SELECT DISTINCT s."ELEC_DATE"::text, s."ELEC_DATE", extract(year FROM s."ELEC_DATE")::int, NULL,
             'filing', NULL FROM "S497_CD" AS s
             JOIN ocd_cover AS c ON c."FILING_ID" = s."FILING_ID" AND c."AMEND_ID" = coalesce(s."AMEND_ID", 0)
           WHERE s."ELEC_DATE" IS NOT NULL AND btrim(s."FORM_TYPE") IN ('F497P1', 'F497P2')"""
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_election (id, name, date, division_id, administrative_organization_id,
              created_at, updated_at, extras)
            SELECT DISTINCT ON (e.key) {ocd_id_sql("election", "e.key")}, {_election_name_sql("e")}, e.date,
              %(state)s, {org_id("secretary-of-state")}, %(ts)s, %(ts)s,
              jsonb_build_object('calaccess_election_key', e.key, 'year', e.year,
                'classification', coalesce(cal.classification, e.classification),
                'date_source', e.date_source)
            FROM ocd_election_src AS e LEFT JOIN ocd_calendar AS cal ON cal.date = e.date
            ORDER BY e.key, (e.classification IS NULL), e.date_source, e.post_label NULLS LAST""",
        {**params, "state": STATE_DIVISION},
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_electionidentifier (id, identifier, scheme, election_id)
            SELECT {related("electionidentifier", "id")},
              coalesce(date::text, extras->>'year'),
              CASE WHEN date IS NOT NULL THEN 'calaccess_election_date' ELSE 'calaccess_election_year' END, id
            FROM opencivicdata_election"""
    )
    add_counts(
        unmatched,
        "opencivicdata_election",
        rows(cursor, """SELECT 'date_unknown', count(*) FILTER (WHERE date IS NULL) FROM opencivicdata_election
                        UNION ALL SELECT 'classification_unknown', count(*) FILTER (WHERE extras->>'classification'
                        IS NULL) FROM opencivicdata_election"""),
    )

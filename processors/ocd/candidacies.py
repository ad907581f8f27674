"""Posts, local governments, people (+ identifiers, names), candidate contests (+ posts) and candidacies from ocd_cand."""

from __future__ import annotations

from .common import OFFICES, ORGANIZATIONS, STATE_DIVISION, add_counts, ocd_id_sql, related, rows


def _offices_values() -> str:
    rows_sql = ", ".join(f"('{code}', '{label}', '{org}', '{kind}')" for code, (label, org, kind) in OFFICES.items())
    return f"(VALUES {rows_sql}) AS office(code, label, org, kind)"


def posts_build(*, cursor, params: dict, unmatched: dict) -> None:
    """One Post per state office and district, and per local office, jurisdiction and district.

    A local office's organization is its jurisdiction's government (one
    Organization per jurisdiction), its division the county or place the
    jurisdiction names, when the official list has it. Label and names come
    from a Form 501 before a cover, then the highest FILING_ID.
    """
    assert set(o for _, o, _ in OFFICES.values()) <= set(ORGANIZATIONS)
    division = (
        f"CASE office.kind WHEN 'state' THEN '{STATE_DIVISION}' "
        f"ELSE '{STATE_DIVISION}/' || office.kind || ':' || p.post_district END"
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_post (id, label, role, organization_id, division_id, start_date, end_date,
              maximum_memberships, created_at, updated_at, extras)
            SELECT {ocd_id_sql("post", "p.post_key")}, p.post_label, office.label,
              {ocd_id_sql("organization", "office.org")}, {division}, '', '', 1, %(ts)s, %(ts)s, '{{}}'::jsonb
            FROM (SELECT DISTINCT office, post_district, post_key, post_label FROM ocd_cand
                  WHERE office IS NOT NULL) AS p
            JOIN {_offices_values()} ON office.code = p.office""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_organization (id, name, image, parent_id, jurisdiction_id, classification,
              founding_date, dissolution_date, created_at, updated_at, extras)
            SELECT DISTINCT ON (juris_key) {ocd_id_sql("organization", "'local:' || juris_key")}, juris_name, '',
              NULL, NULL, 'government', '', '', %(ts)s, %(ts)s,
              jsonb_build_object('calaccess_jurisdiction', juris_place, 'division_id', division_id)
            FROM ocd_cand WHERE office IS NULL ORDER BY juris_key, (source = 'F501') DESC, filing_id DESC""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_post (id, label, role, organization_id, division_id, start_date, end_date,
              maximum_memberships, created_at, updated_at, extras)
            SELECT DISTINCT ON (post_key) {ocd_id_sql("post", "post_key")}, left(post_label, 300),
              left(office_text, 300), {ocd_id_sql("organization", "'local:' || juris_key")}, division_id, '', '', 1,
              %(ts)s, %(ts)s, jsonb_build_object('calaccess_jurisdiction', juris_place, 'district', district)
            FROM ocd_cand WHERE office IS NULL ORDER BY post_key, (source = 'F501') DESC, filing_id DESC""",
        params,
    )
    add_counts(
        unmatched,
        "opencivicdata_post",
        rows(cursor, "SELECT 'division_not_found', count(*) FROM opencivicdata_post WHERE division_id IS NULL"),
    )


def people_build(*, cursor, params: dict) -> None:
    """One Person per candidate with a candidacy, named from the latest source (Form 501 first, then highest FILING_ID)."""
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


def candidacies_build(*, cursor, params: dict, unmatched: dict) -> None:
    """Posts, people, contests (+ posts) and candidacies from the kept sources."""
    posts_build(cursor=cursor, params=params, unmatched=unmatched)
    people_build(cursor=cursor, params=params)
    cursor.execute(
        f"""INSERT INTO opencivicdata_candidatecontest (id, name, division_id, election_id, party_id,
              previous_term_unexpired, number_elected, runoff_for_contest_id, created_at, updated_at, extras)
            SELECT DISTINCT {ocd_id_sql("contest", "'candidate:' || c.contest_key")}, p.label,
              coalesce(p.division_id, %(state)s), {ocd_id_sql("election", "c.election_key")}, NULL, false, 1, NULL,
              %(ts)s, %(ts)s, '{{}}'::jsonb
            FROM ocd_cand AS c JOIN opencivicdata_post AS p ON p.id = {ocd_id_sql("post", "c.post_key")}""",
        {**params, "state": STATE_DIVISION},
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_candidatecontestpost (id, contest_id, post_id, sort_order)
            SELECT DISTINCT {related("candidatecontestpost", "contest_key")},
              {ocd_id_sql("contest", "'candidate:' || contest_key")}, {ocd_id_sql("post", "post_key")}, 0
            FROM ocd_cand"""
    )
    # Party: the latest Form 501's party (PARTY_CD, else PARTY text, else FILER_TO_FILER_TYPE_CD);
    # registration status: the latest Form 501's (withdrawn after a termination statement).
    cursor.execute(
        f"""INSERT INTO opencivicdata_candidacy (id, person_id, post_id, contest_id, candidate_name, filed_date,
              is_incumbent, party_id, registration_status, top_ticket_candidacy_id, created_at, updated_at, extras)
            SELECT {ocd_id_sql("candidacy", "k.candidacy_key")}, {ocd_id_sql("person", "'filer:' || k.filer_id")},
              {ocd_id_sql("post", "k.post_key")}, {ocd_id_sql("contest", "'candidate:' || k.contest_key")}, k.name,
              k.filed_date, NULL, party.id, k.registration_status, NULL, %(ts)s, %(ts)s,
              jsonb_build_object('calaccess_filer_id', k.filer_id, 'form501_filing_ids', k.f501_ids,
                                 'cover_filing_ids', k.cover_ids, 'party_source', k.party_source,
                                 'filer_id_sources', k.filer_id_sources)
            FROM (
              SELECT candidacy_key, filer_id, post_key, contest_key,
                (array_agg(name ORDER BY (source = 'F501') DESC, filing_id DESC))[1] AS name,
                min(rpt_date) FILTER (WHERE source = 'F501') AS filed_date,
                (array_agg(party_code ORDER BY filing_id DESC) FILTER (WHERE source = 'F501'
                   AND party_code IS NOT NULL))[1] AS party_code,
                (array_agg(party_source ORDER BY filing_id DESC) FILTER (WHERE source = 'F501'
                   AND party_code IS NOT NULL))[1] AS party_source,
                (array_agg(registration_status ORDER BY filing_id DESC) FILTER (WHERE source = 'F501'))[1]
                  AS registration_status,
                coalesce(jsonb_agg(filing_id ORDER BY filing_id) FILTER (WHERE source = 'F501'), '[]') AS f501_ids,
                coalesce(jsonb_agg(filing_id ORDER BY filing_id) FILTER (WHERE source = 'CVR'), '[]') AS cover_ids,
                -- How the sources wrote the candidate's id: number, xref (translated), negative, cover_filer.
                jsonb_agg(DISTINCT filer_id_source) AS filer_id_sources
              FROM ocd_cand GROUP BY candidacy_key, filer_id, post_key, contest_key
            ) AS k
            LEFT JOIN opencivicdata_organization AS party
              ON party.classification = 'party' AND party.id = {ocd_id_sql("organization", "'party:' || k.party_code")}""",
        params,
    )
    add_counts(
        unmatched,
        "opencivicdata_candidacy",
        rows(cursor, """SELECT 'party_unknown', count(*) FILTER (WHERE party_id IS NULL) FROM opencivicdata_candidacy
                        UNION ALL SELECT 'election_date_unknown', count(*) FROM opencivicdata_candidacy AS c
                        JOIN opencivicdata_candidatecontest AS k ON k.id = c.contest_id
                        JOIN opencivicdata_election AS e ON e.id = k.election_id WHERE e.date IS NULL"""),
    )

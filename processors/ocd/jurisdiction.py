"""Divisions, the jurisdiction, fixed organizations and parties (from LOOKUP_CODES_CD)."""

from __future__ import annotations

from .common import JURISDICTION, ORGANIZATIONS, STATE_DIVISION, add_counts, ocd_id_sql, org_id, related, rows
from .reference import divisions_build

PARTY_CODE_TYPE = 16000
PARTY_ID = ocd_id_sql("organization", "'party:' || \"CODE_ID\"")


def jurisdiction_build(*, cursor, params: dict, skipped: dict) -> None:
    """Fill Division (the official list), Jurisdiction, Organization (+ identifiers) from fixed rows and the party codes."""
    divisions_build(cursor=cursor)
    cursor.execute(
        "INSERT INTO opencivicdata_jurisdiction (id, name, url, classification, division_id, created_at, updated_at,"
        " extras) VALUES (%(jurisdiction)s, 'California State Government', 'https://www.ca.gov/', 'government',"
        " %(state)s, %(ts)s, %(ts)s, '{}'::jsonb)",
        {**params, "jurisdiction": JURISDICTION, "state": STATE_DIVISION},
    )
    for key, (name, classification, parent) in ORGANIZATIONS.items():
        cursor.execute(
            "INSERT INTO opencivicdata_organization (id, name, image, parent_id, jurisdiction_id, classification,"
            f" founding_date, dissolution_date, created_at, updated_at, extras) SELECT {org_id(key)}, %(name)s, '',"
            f" {org_id(parent) if parent else 'NULL'}, %(jurisdiction)s, %(classification)s, '', '', %(ts)s, %(ts)s,"
            " '{}'::jsonb",
            {**params, "name": name, "classification": classification, "jurisdiction": JURISDICTION},
        )
    parties_build(cursor=cursor, params=params, skipped=skipped)


def parties_build(*, cursor, params: dict, skipped: dict) -> None:
    """One party Organization per distinct party code (CODE_TYPE 16000) in LOOKUP_CODES_CD."""
    add_counts(
        skipped,
        "LOOKUP_CODES_CD",
        rows(
            cursor,
            """SELECT 'party_duplicate_code', count(*) - count(DISTINCT "CODE_ID") FROM "LOOKUP_CODES_CD"
               WHERE "CODE_TYPE" = %(t)s AND "CODE_ID" <> %(t)s AND "CODE_ID" IS NOT NULL""",
            {"t": PARTY_CODE_TYPE},
        ),
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_organization (id, name, image, parent_id, jurisdiction_id, classification,
              founding_date, dissolution_date, created_at, updated_at, extras)
            SELECT DISTINCT ON ("CODE_ID") {PARTY_ID},
              btrim(coalesce("CODE_DESC", '')), '', NULL, %(jurisdiction)s, 'party', '', '', %(ts)s, %(ts)s,
              jsonb_build_object('calaccess_party_code', "CODE_ID")
            FROM "LOOKUP_CODES_CD"
            WHERE "CODE_TYPE" = %(t)s AND "CODE_ID" <> %(t)s AND "CODE_ID" IS NOT NULL
            ORDER BY "CODE_ID", id""",
        {**params, "t": PARTY_CODE_TYPE, "jurisdiction": JURISDICTION},
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_organizationidentifier (id, identifier, scheme, organization_id)
            SELECT {related("organizationidentifier", "o.id")}, (o.extras->>'calaccess_party_code'),
              'calaccess_party_code', o.id
            FROM opencivicdata_organization o WHERE o.classification = 'party'"""
    )

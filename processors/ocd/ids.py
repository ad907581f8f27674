"""Stable OCD identifiers, derived from CAL-ACCESS's own keys (docs/ocd-ids.md).

An id is a name-based UUID (RFC 4122 version 3) of "<kind>:<key>" in the
project's namespace, e.g. the candidate with filer id 1234 is always
`ocd-person/<uuid3(NAMESPACE, "person:filer:1234")>`. PostgreSQL computes the
same value with the SQL function `ocd_uuid(name)` (created by migration
ocd/0001) so processing stays set-based; `ocd_uuid` here is the Python twin used
by the tests and the docs.

Version 3 (MD5) rather than 5 (SHA-1): core PostgreSQL has md5() but no SHA-1,
and the embedded server ships no uuid-ossp or pgcrypto extension.
"""

import uuid

# uuid5(NAMESPACE_URL, "https://github.com/california-civic-data-coalition/calaccess-archive/ocd-ids")
NAMESPACE = uuid.UUID("cd0e7c5d-68bb-50a1-8538-67fdb06d7661")

# One expression without FROM, so PostgreSQL inlines it into the calling query
# (a function with a FROM clause is run through the SQL-function executor on every
# call, about twice as slow over millions of transactions). The hex digest gets
# the version nibble 3 (character 13) and the RFC 4122 variant (character 17:
# its two high bits 10, i.e. 0-3 -> 8-b, 4-7 -> 8-b, ...).
_DIGEST = f"md5('\\x{NAMESPACE.hex}'::bytea || convert_to(name, 'UTF8'))"
SQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ocd_uuid(name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT overlay(overlay({_DIGEST} placing '3' from 13 for 1)
                 placing translate(substr({_DIGEST}, 17, 1), '0123456789abcdef', '89ab89ab89ab89ab') from 17 for 1)::uuid
$$;
"""


def ocd_uuid(name: str) -> uuid.UUID:
    """The UUID PostgreSQL's ocd_uuid(name) returns."""
    return uuid.uuid3(NAMESPACE, name)


def ocd_id(ocd_type: str, key: str) -> str:
    """The full OCD id of an object: ocd_id("person", "filer:1234") -> "ocd-person/<uuid>"."""
    return f"ocd-{ocd_type}/{ocd_uuid(f'{ocd_type}:{key}')}"


def digest_sql(name_sql: str) -> str:
    """SQL: the MD5 hex digest ocd_uuid(name) is made of, to compute once per row (see uuid_text_sql)."""
    return _DIGEST.replace("convert_to(name,", f"convert_to({name_sql},")


def uuid_text_sql(digest: str) -> str:
    """SQL: ocd_uuid(name)::text from `digest` (a column holding digest_sql(name)), without hashing twice."""
    return (f"(substr({digest}, 1, 8) || '-' || substr({digest}, 9, 4) || '-3' || substr({digest}, 14, 3) || '-' ||"
            f" translate(substr({digest}, 17, 1), '0123456789abcdef', '89ab89ab89ab89ab') || substr({digest}, 18, 3)"
            f" || '-' || substr({digest}, 21, 12))")

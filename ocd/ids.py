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

SQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ocd_uuid(name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (substr(h, 1, 12) || '3' || substr(h, 14, 3)
          || to_hex((('x' || substr(h, 17, 2))::bit(8)::int & 63) | 128)
          || substr(h, 19))::uuid
  FROM (SELECT md5('\\x{NAMESPACE.hex}'::bytea || convert_to(name, 'UTF8')) AS h) AS digest
$$;
"""


def ocd_uuid(name: str) -> uuid.UUID:
    """The UUID PostgreSQL's ocd_uuid(name) returns."""
    return uuid.uuid3(NAMESPACE, name)


def ocd_id(ocd_type: str, key: str) -> str:
    """The full OCD id of an object: ocd_id("person", "filer:1234") -> "ocd-person/<uuid>"."""
    return f"ocd-{ocd_type}/{ocd_uuid(f'{ocd_type}:{key}')}"

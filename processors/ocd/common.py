"""Shared SQL pieces of the OCD processing (rules in docs/ocd-processing.md)."""

from __future__ import annotations

# State offices a candidacy can be for: code -> (label, organization key, division kind).
# Form 501 names the office by a lookup code or text, cover pages by a
# three-letter code or text; both are reduced to these codes (offices.state_office_sql).
# Every other office is a local office (processors/ocd/candidacies.py).
OFFICES = {
    "GOV": ("Governor", "executive", "state"),
    "LTG": ("Lieutenant Governor", "executive", "state"),
    "SOS": ("Secretary of State", "executive", "state"),
    "CON": ("Controller", "executive", "state"),
    "TRE": ("Treasurer", "executive", "state"),
    "ATT": ("Attorney General", "executive", "state"),
    "INS": ("Insurance Commissioner", "executive", "state"),
    "SPI": ("Superintendent of Public Instruction", "executive", "state"),
    "BOE": ("Board of Equalization", "executive", "state"),
    "SEN": ("State Senate", "senate", "sldu"),
    "ASM": ("State Assembly", "assembly", "sldl"),
}
DISTRICT_RANGE = {"SEN": 40, "ASM": 80, "BOE": 4}

STATE_DIVISION = "ocd-division/country:us/state:ca"
JURISDICTION = "ocd-jurisdiction/country:us/state:ca/government"

# Fixed organizations: key -> (name, classification, parent key).
ORGANIZATIONS = {
    "legislature": ("California State Legislature", "legislature", None),
    "senate": ("California State Senate", "upper", "legislature"),
    "assembly": ("California State Assembly", "lower", "legislature"),
    "executive": ("California Executive Branch", "executive", None),
    "secretary-of-state": ("California Secretary of State", "executive", "executive"),
}


def ocd_id_sql(ocd_type: str, key_sql: str) -> str:
    """SQL for the id of an object: 'ocd-<type>/' || ocd_uuid('<type>:' || key)."""
    return f"('ocd-{ocd_type}/' || ocd_uuid('{ocd_type}:' || ({key_sql})))"


def related(kind: str, key_sql: str) -> str:
    """SQL for the UUID of a related row (identifier, name, option...)."""
    return f"ocd_uuid('{kind}:' || ({key_sql}))"


def org_id(key: str) -> str:
    return ocd_id_sql("organization", f"'{key}'")


def name_parts_sql(prefix: str, first: str, last: str, suffix: str) -> str:
    """SQL joining CAL-ACCESS's name parts with single spaces (blank parts dropped); name_collapse_sql finishes it."""
    parts = ", ".join(f"NULLIF(btrim({c}), '')" for c in (prefix, first, last, suffix))
    return f"concat_ws(' ', {parts})"


def name_collapse_sql(joined: str) -> str:
    """SQL: name_parts_sql's result with every run of white space made one space, trimmed.

    `joined` is evaluated several times: pass a column. Most names are ASCII with
    single spaces already; for them the regexp_replace (the costly part over
    millions of transactions) would change nothing and is skipped.
    """
    plain = (f"octet_length({joined}) = length({joined}) AND strpos({joined}, '  ') = 0"
             + "".join(f" AND strpos({joined}, chr({c})) = 0" for c in (9, 10, 11, 12, 13)))
    return f"(CASE WHEN {plain} THEN {joined} ELSE btrim(regexp_replace({joined}, '\\s+', ' ', 'g')) END)"


def name_sql(prefix: str, first: str, last: str, suffix: str) -> str:
    """SQL for a display name from CAL-ACCESS's name parts (blank parts dropped, spaces collapsed)."""
    return f"btrim(regexp_replace({name_parts_sql(prefix, first, last, suffix)}, '\\s+', ' ', 'g'))"


def family_key_sql(text_sql: str) -> str:
    """SQL: a family name as compared across filings: its letters only, upper case ("De La Cruz" = "DELACRUZ")."""
    return f"upper(regexp_replace(coalesce({text_sql}, ''), '[^[:alpha:]]', '', 'g'))"


def given_key_sql(text_sql: str) -> str:
    """SQL: a given name as compared across filings: its first word's letters, upper case ("Jane A." = "JANE")."""
    return f"upper(split_part(btrim(regexp_replace(coalesce({text_sql}, ''), '[^[:alpha:]]+', ' ', 'g')), ' ', 1))"


def numeric_id_sql(text_sql: str) -> str:
    """SQL: a text filer id as bigint, NULL unless it is all digits (after trimming)."""
    return f"(CASE WHEN btrim({text_sql}) ~ '^[0-9]{{1,18}}$' THEN btrim({text_sql})::bigint END)"


def date_text_sql(text_sql: str) -> str:
    """SQL: a date written M/D/YYYY[ ...] or YYYY-MM-DD as date, else NULL."""
    return f"""(CASE
      WHEN {text_sql} ~ '^\\s*\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}' THEN
        to_date(substring({text_sql} from '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}'), 'MM/DD/YYYY')
      WHEN {text_sql} ~ '^\\s*\\d{{4}}-\\d{{2}}-\\d{{2}}' THEN
        to_date(substring({text_sql} from '\\d{{4}}-\\d{{2}}-\\d{{2}}'), 'YYYY-MM-DD')
    END)"""


def rows(cursor, sql: str, params: dict | None = None) -> list[tuple]:
    cursor.execute(sql, params or {})
    return cursor.fetchall()


def add_counts(target: dict, table: str, pairs) -> None:
    """Add (reason, n) pairs into target[table][reason], leaving out zeros."""
    for reason, n in pairs:
        if reason and n:
            target.setdefault(table, {})
            target[table][reason] = target[table].get(reason, 0) + int(n)

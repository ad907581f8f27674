"""Form460Filings.csv and Form460FilingVersions.csv: each Form 460 (current amendment, and every version)
with its cover and summary page, the coalition's columns first.

The coalition's Form460Filing and Form460FilingVersion files (django-calaccess-processed-data,
calaccess_processed_filings/models/campaign/form460/) had the columns of their models, in model order:
date_filed, filer_id, filer_lastname, filer_firstname, election_date (campaign filing base),
statement_type, from_date, thru_date and the 19 summary lines (Form 460 base), then filing_id and
amendment_count (the filing) or filing_id and amend_id (the version; its row number `id` is left out).
Ours follow them in that order where we have the data (docs/ocd-exports.md lists the differences),
then our own columns. Part of FLAT_FILES.
"""

from __future__ import annotations

from .fields import BOOLEAN, Field, _f
from .summaries import FORM460_SUMMARY

# One row per (filing, amendment) with each summary line's AMOUNT_A; a line given twice: the first loaded.
_SUMMARY_SQL = "SELECT \"FILING_ID\", \"AMEND_ID\", " + ", ".join(
    f"(array_agg(\"AMOUNT_A\" ORDER BY id) FILTER (WHERE btrim(\"LINE_ITEM\") = '{line}'))[1] AS {name}"
    for line, name, _ in FORM460_SUMMARY
) + " FROM \"SMRY_CD\" WHERE btrim(\"FORM_TYPE\") = 'F460' GROUP BY 1, 2"

# The cover page of each version as filed: the filer's name and the election as written on it (the OCD
# committee keeps one name, the latest). A version given twice: the first loaded, as the OCD filings do.
_COVER_SQL = """SELECT DISTINCT ON ("FILING_ID", "AMEND_ID") "FILING_ID", "AMEND_ID",
      btrim("FILER_NAML") AS filer_lastname, btrim("FILER_NAMF") AS filer_firstname, "ELECT_DATE" AS election_date
    FROM "CVR_CAMPAIGN_DISCLOSURE_CD" WHERE btrim("FORM_TYPE") = 'F460' ORDER BY 1, 2, id"""

_SUMMARY_FIELDS = tuple(_f(name, f"s.{name}", "number", f"{description} (empty: not on the summary)")
                        for _, name, description in FORM460_SUMMARY)


def _cover_fields(version: str) -> tuple[Field, ...]:
    """The coalition's cover columns, of the current amendment or of each version (`version`)."""
    return (
        _f("date_filed", "a.date", "date", f"Date {version} was filed (FILER_FILINGS_CD, else the cover's RPT_DATE)"),
        _f("filer_id", "c.calaccess_filer_id", "integer", "Filer's FILER_ID"),
        _f("filer_lastname", "v.filer_lastname", "string", "FILER_NAML of the cover: the committee's or last name"),
        _f("filer_firstname", "v.filer_firstname", "string", "FILER_NAMF of the cover (a person's first name)"),
        _f("election_date", "v.election_date", "date", "ELECT_DATE of the cover (empty: not given)"),
        _f("statement_type", "f.extras->>'statement_type'", "string",
           "STMT_TYPE of the cover, as written (e.g. SA, PE, QT)"),
        _f("from_date", "f.coverage_start_date", "date", "Start of the period covered (FROM_DATE)"),
        _f("thru_date", "f.coverage_end_date", "date", "End of the period covered (THRU_DATE)"),
    )


_OCD_FIELDS = (
    _f("committee_name", "c.name", "string", "Filer, as the OCD committee is named (its latest name)"),
    _f("ocd_filing_id", "f.id", "string", "OCD Filing id"),
)

FORM460_FILES: dict[str, tuple[str, str, tuple[Field, ...], str]] = {
    "Form460Filings.csv": (
        "One row per Form 460 filing, as of its current amendment, with its summary page totals (SMRY_CD, the"
        " period's amounts).",
        f"""FROM opencivicdata_filing AS f
  JOIN opencivicdata_committee AS c ON c.id = f.filer_id
  JOIN opencivicdata_filingaction AS a ON a.filing_id = f.id AND a.is_current
  LEFT JOIN ({_COVER_SQL}) AS v ON v."FILING_ID" = f.calaccess_filing_id AND v."AMEND_ID" = f.current_amend_id
  LEFT JOIN ({_SUMMARY_SQL}) AS s ON s."FILING_ID" = f.calaccess_filing_id AND s."AMEND_ID" = f.current_amend_id
WHERE f.classification = 'F460'""",
        (
            *_cover_fields("the current amendment"),
            *_SUMMARY_FIELDS,
            _f("filing_id", "f.calaccess_filing_id", "integer", "CAL-ACCESS FILING_ID"),
            _f("amendment_count", "f.current_amend_id", "integer",
               "AMEND_ID of the current amendment (the coalition's count: the highest AMEND_ID)"),
            *_OCD_FIELDS,
            _f("ocd_filing_action_id", "a.id", "string", "OCD FilingAction id of the current amendment"),
            _f("ocd_committee_id", "c.id", "string", "OCD Committee id"),
        ),
        "f.id",
    ),
    "Form460FilingVersions.csv": (
        "One row per version (original and every amendment) of each Form 460 filing, with that version's summary"
        " page totals.",
        f"""FROM opencivicdata_filingaction AS a
  JOIN opencivicdata_filing AS f ON f.id = a.filing_id
  JOIN opencivicdata_committee AS c ON c.id = f.filer_id
  LEFT JOIN ({_COVER_SQL}) AS v ON v."FILING_ID" = f.calaccess_filing_id AND v."AMEND_ID" = a.amend_id
  LEFT JOIN ({_SUMMARY_SQL}) AS s ON s."FILING_ID" = f.calaccess_filing_id AND s."AMEND_ID" = a.amend_id
WHERE f.classification = 'F460'""",
        (
            *_cover_fields("this version"),
            *_SUMMARY_FIELDS,
            _f("filing_id", "f.calaccess_filing_id", "integer", "CAL-ACCESS FILING_ID"),
            _f("amend_id", "a.amend_id", "integer", "AMEND_ID of this version (0: the original)"),
            _f("is_current", BOOLEAN.format("a.is_current"), "boolean", "The latest version"),
            *_OCD_FIELDS,
            _f("ocd_filing_action_id", "a.id", "string", "OCD FilingAction id of this version"),
            _f("ocd_committee_id", "c.id", "string", "OCD Committee id"),
        ),
        "a.id",
    ),
}

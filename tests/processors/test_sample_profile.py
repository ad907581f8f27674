"""The synthetic export fills the columns processing reads as the real export does.

Compared with the real export's profile shipped in processors/sample/data
(a real sample of up to 1,000 records a table): for each column below, the
share of empty values within EMPTY_TOLERANCE percentage points of the real
one, and for code columns at least CODE_SHARE of the generated values among
the real sample's most common codes. Rules that passed on a synthetic export
written to match the code's assumptions failed on real data; this keeps the
generator from drifting back (docs/cleaning.md, "How well it works").
"""

import zipfile
from collections import Counter

import pytest

from calaccess_archive.raw_schemas import raw_table_schemas
from processors.ingest.table_jobs import member_name
from processors.sample.export import sample_export_write
from processors.sample.real_profile import real_column

EMPTY_TOLERANCE = 20  # percentage points
CODE_SHARE = 0.5

# The columns processing reads (processors/ocd), by table.
EMPTY_CHECKED = {
    "F501_502_CD": ["FORM_TYPE", "ELECT_DATE", "YR_OF_ELEC", "ELEC_TYPE", "OFFICE_CD", "OFFIC_DSCR", "JURIS_CD",
                    "AGENCY_NAM", "DISTRICT_CD", "DIST_NO", "PARTY_CD", "PARTY", "CAND_NAML", "CAND_NAMF", "STMT_TYPE"],
    "CVR_CAMPAIGN_DISCLOSURE_CD": ["FORM_TYPE", "ENTITY_CD", "OFFICE_CD", "JURIS_CD", "DIST_NO", "ELECT_DATE",
                                   "CAND_ID", "CAND_NAML", "CAND_NAMF", "BAL_NAME", "BAL_NUM", "BAL_JURIS",
                                   "STMT_TYPE", "RPT_DATE", "OFFIC_DSCR", "JURIS_DSCR", "SUP_OPP_CD"],
    "RCPT_CD": ["FORM_TYPE", "ENTITY_CD", "AMOUNT", "RCPT_DATE", "CTRIB_NAML", "CTRIB_NAMF"],
    "EXPN_CD": ["FORM_TYPE", "ENTITY_CD", "AMOUNT", "EXPN_DATE", "PAYEE_NAML", "PAYEE_NAMF", "EXPN_CODE", "EXPN_DSCR"],
    "LOAN_CD": ["FORM_TYPE", "ENTITY_CD"],
    "S497_CD": ["FORM_TYPE", "ELEC_DATE"],
    "FILER_XREF_CD": ["XREF_ID"],
    "FILERNAME_CD": ["STATUS", "XREF_FILER_ID", "NAML"],
    "LOOKUP_CODES_CD": ["CODE_TYPE", "CODE_ID", "CODE_DESC"],
}
# Code columns whose values processing maps (LOOKUP_CODES_CD codes, letter codes, form types).
CODES_CHECKED = {
    "F501_502_CD": ["FORM_TYPE", "ELEC_TYPE", "OFFICE_CD", "JURIS_CD", "PARTY_CD"],
    "CVR_CAMPAIGN_DISCLOSURE_CD": ["FORM_TYPE", "ENTITY_CD", "OFFICE_CD", "JURIS_CD", "STMT_TYPE"],
    "RCPT_CD": ["FORM_TYPE", "ENTITY_CD"],
    "EXPN_CD": ["FORM_TYPE", "ENTITY_CD", "EXPN_CODE"],
    "LOAN_CD": ["FORM_TYPE", "ENTITY_CD"],
    "FILERNAME_CD": ["STATUS"],
}
# Not held to the real sample, and why:
# - FILER_TO_FILER_TYPE_CD.PARTY_CD: processing reads it only where Form 501 gives no party; the
#   generator fills it for every candidate so that fallback is exercised.
# - SMRY_CD.FORM_TYPE, LINE_ITEM: the real sample mixes lobbying reports' summaries (F635, S640) into
#   the table; processing reads the F460 lines only, which the generator writes.
# - YR_OF_ELEC values: the real sample holds the table's first (oldest) records, 1998-2000 mostly.


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("profile") / "export.zip"
    sample_export_write(schemas=raw_table_schemas(), path=path, seed=5, records=40_000, dirt_rate=0.0)
    columns = {}
    with zipfile.ZipFile(path) as archive:
        for table in set(EMPTY_CHECKED) | set(CODES_CHECKED):
            lines = archive.read(member_name(table)).decode("latin-1").split("\r\n")
            header = lines[0].rstrip("\t").split("\t")
            records = [line.split("\t") for line in lines[1:] if line]
            columns[table] = {name: [r[i] for r in records] for i, name in enumerate(header)}
    return columns


@pytest.mark.parametrize("table, column", [(t, c) for t, cs in EMPTY_CHECKED.items() for c in cs])
def test_empty_share_follows_the_real_export(generated, table, column):
    real = real_column(table, column)
    values = generated[table][column]
    empty = 100 * sum(1 for v in values if v.strip() == "") / len(values)
    assert abs(empty - real["empty_pct"]) <= EMPTY_TOLERANCE, (
        f"{table}.{column}: {empty:.0f}% empty, the real export {real['empty_pct']}%")


@pytest.mark.parametrize("table, column", [(t, c) for t, cs in CODES_CHECKED.items() for c in cs])
def test_codes_are_the_real_exports(generated, table, column):
    common = real_column(table, column)["common"]
    filled = Counter(v for v in generated[table][column] if v.strip())
    among = sum(n for v, n in filled.items() if v in common) / sum(filled.values())
    assert among >= CODE_SHARE, f"{table}.{column}: {among:.0%} of values among the real codes {sorted(common)}; top {filled.most_common(5)}"

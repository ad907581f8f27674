"""A sample export ingested with `ingest`, then processed with `process`: the generator's data meets the rules."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from ocd.models import ProcessedDataVersion
from tests.ingest_helpers import sample_zip

pytestmark = pytest.mark.django_db(transaction=True)

ITEM_TABLES = {"RCPT_CD": "'RCPT_CD'", "EXPN_CD": "'EXPN_CD'", "LOAN_CD": "'LOAN_CD'", "S497_CD": "'S497_CD'"}
# Every reason processing can give (docs/ocd-processing.md); the sample must not produce others.
REASONS = {"no_filing_id", "schedule_not_processed", "no_campaign_cover", "superseded_amendment",
           "amendment_without_cover", "duplicate_key", "bad_filer_id", "no_candidate_filer_id", "not_form_501",
           "officeholder_statement", "office_not_recognized", "district_invalid", "local_jurisdiction_unknown",
           "no_election", "no_election_date", "candidate_not_on_form501", "candidate_name_ambiguous",
           "party_duplicate_code", "summary_line_not_on_form_460", "summary_of_a_filing_not_processed"}


def _json(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return sample_zip(tmp_path_factory.mktemp("e2e"), seed=3, records=5000)


def test_sample_export_ingested_then_processed(export):
    assert _json("ingest", "--source", str(export))["outcome"] == "ingested"
    result = _json("process")
    tables = result["tables"]
    for table in ("person", "candidacy", "candidatecontest", "election", "committee", "filing", "filingaction",
                  "transaction", "ballotmeasurecontest"):
        assert tables[f"opencivicdata_{table}"] > 0, table
    assert tables["opencivicdata_filingaction"] > tables["opencivicdata_filing"]  # amendments
    # Skips counted per reason, with reasons the rules define.
    skipped = result["skipped"]
    for table in ("RCPT_CD", "EXPN_CD"):
        assert skipped[table]["superseded_amendment"] > 0 and skipped[table]["schedule_not_processed"] > 0
    assert {r.removeprefix("candidacy_") for reasons in skipped.values() for r in reasons} <= REASONS
    # Never silently lost: each item table's rows are either a transaction or skipped for a reason.
    for table, literal in ITEM_TABLES.items():
        kept = _scalar(f"SELECT count(*) FROM opencivicdata_transaction WHERE extras->>'calaccess_table' = {literal}")
        assert kept + sum(skipped.get(table, {}).values()) == _scalar(f'SELECT count(*) FROM "{table}"'), table
    # Form 501s shaped as the real ones (docs: real-export.md): their offices, districts and filer ids are
    # all understood; only Form 502s, officeholder statements, 501s without an election year and local
    # offices without a jurisdiction (AGENCY_NAM empty) are left.
    f501_skipped = skipped.get("F501_502_CD", {})
    assert set(f501_skipped) <= {"not_form_501", "officeholder_statement", "no_election", "superseded_amendment",
                                 "duplicate_key", "no_filing_id", "local_jurisdiction_unknown"}
    assert f501_skipped["not_form_501"] == _scalar(
        """SELECT count(*) FROM "F501_502_CD" WHERE "FORM_TYPE" = 'F502'""")
    assert not {"candidacy_office_not_recognized", "candidacy_district_invalid"} & set(
        skipped.get("CVR_CAMPAIGN_DISCLOSURE_CD", {}))
    # State and local candidacies, elections classified and dated from the calendar, xref'd filer ids kept.
    assert _scalar("""SELECT count(*) FROM opencivicdata_candidacy AS c JOIN opencivicdata_post AS p
                      ON p.id = c.post_id JOIN opencivicdata_organization AS o ON o.id = p.organization_id
                      WHERE o.classification = 'government'""") > 0
    assert _scalar("""SELECT count(*) FROM opencivicdata_post WHERE division_id LIKE '%/sldl:%'""") > 0
    assert _scalar("""SELECT count(*) FROM opencivicdata_election WHERE extras->>'classification' = 'primary'
                      AND extras->>'date_source' = 'calendar' AND name = extract(year FROM date) || ' PRIMARY'""") > 0
    negative = _scalar("""SELECT count(*) FROM "F501_502_CD" AS f JOIN "FILER_XREF_CD" AS x ON x."XREF_ID" = f."FILER_ID"
                          WHERE f."FILER_ID" LIKE '-%' AND f."FORM_TYPE" = 'F501'""")
    # (A negative id whose FILER_XREF_CD row dirt took away stays itself: the loaded table is the truth.)
    assert negative > 0 and _scalar("""SELECT count(*) FROM opencivicdata_person AS p JOIN "FILER_XREF_CD" AS x
                                       ON x."XREF_ID" = p.extras->>'calaccess_filer_id'""") == 0
    # A measure committee's cover page names its election.
    assert _scalar("""SELECT count(*) FROM "CVR_CAMPAIGN_DISCLOSURE_CD" WHERE btrim("BAL_NAME") <> ''
                      AND "ELECT_DATE" IS NULL""") == 0
    # Every filing action is dated from FILER_FILINGS_CD, every committee named from FILERNAME_CD.
    assert _scalar("SELECT count(*) FROM opencivicdata_filingaction WHERE extras->>'date_source' <> 'FILER_FILINGS_CD'") == 0
    assert "opencivicdata_committee" not in result["unmatched"]
    files = result["files"]
    assert files["flat/Contributions.csv"] > 0 and files["flat/Expenditures.csv"] > 0
    assert files["flat/Form460Filings.csv"] == _scalar(
        "SELECT count(*) FROM opencivicdata_filing WHERE classification = 'F460'") > 0
    assert files["flat/Candidates.csv"] == tables["opencivicdata_candidacy"]
    assert result["publish"]["complete"]

    # Re-processing the same raw data: byte-identical zips.
    directory = ProcessedDataVersion.objects.get().directory
    first = {name: (directory / name).read_bytes() for name in ("flat.zip", "relational.zip")}
    again = _json("process", "--no-publish")
    assert again["zips"] == result["zips"] and again["skipped"] == skipped
    assert {name: (directory / name).read_bytes() for name in first} == first


@pytest.fixture(scope="module")
def covers_export(tmp_path_factory):
    """A bigger export, without dirt (the subject is matching, not cleaning): a few hundred covers."""
    return sample_zip(tmp_path_factory.mktemp("covers"), seed=7, records=30_000, dirt_rate=0.0)


def test_generated_covers_without_cand_id_matched_to_their_true_candidate(covers_export):
    """The answer key says whom each cover names; the name match never picks anyone else, and finds the
    candidate wherever the candidate's Form 501 is for the cover's post and election and no namesake runs."""
    truths = [t for t in map(json.loads, open(covers_export.with_name(f"{covers_export.stem}.answers.jsonl")))
              if t.get("truth") == "cover_candidate"]
    current = {}
    for t in truths:  # a filing's versions all name the same candidate; the current one is processed
        if t["amend_id"] >= current.get(t["filing_id"], {"amend_id": -1})["amend_id"]:
            current[t["filing_id"]] = t
    by_committee = {f: t for f, t in current.items() if t["filer_id"] != t["candidate_filer_id"]}
    assert _json("ingest", "--source", str(covers_export))["outcome"] == "ingested"
    result = _json("process", "--no-publish")
    with connection.cursor() as cursor:
        cursor.execute("""SELECT f::bigint, (c.extras->>'calaccess_filer_id')::bigint FROM opencivicdata_candidacy AS c,
                            jsonb_array_elements_text(c.extras->'cover_filing_ids') AS f""")
        linked = dict(cursor.fetchall())
        # The Form 501 candidacies: candidate, election date, contest, family name.
        cursor.execute("""SELECT (c.extras->>'calaccess_filer_id')::bigint, e.date, k.id, upper(p.family_name)
                          FROM opencivicdata_candidacy AS c JOIN opencivicdata_candidatecontest AS k ON k.id = c.contest_id
                          JOIN opencivicdata_election AS e ON e.id = k.election_id
                          JOIN opencivicdata_person AS p ON p.id = c.person_id
                          WHERE jsonb_array_length(c.extras->'form501_filing_ids') > 0""")
        form501 = cursor.fetchall()
        cursor.execute('SELECT "FILING_ID", "ELECT_DATE" FROM "CVR_CAMPAIGN_DISCLOSURE_CD"')
        cover_dates = dict(cursor.fetchall())
    matched = [f for f in by_committee if f in linked]
    assert len(matched) >= 5  # the rule does work on the generator's covers
    assert all(linked[f] == by_committee[f]["candidate_filer_id"] for f in matched)  # and never picks anyone else
    findable = 0
    for filing, t in by_committee.items():
        races = [(k, name) for filer, day, k, name in form501
                 if filer == t["candidate_filer_id"] and day is not None and day == cover_dates[filing]]
        if len(races) != 1:  # no Form 501 for that election (or for two posts in it): not findable by the rule
            continue
        contest, name = races[0]
        if not any(k == contest and n == name and filer != t["candidate_filer_id"] for filer, _, k, n in form501):
            findable += 1
            assert linked.get(filing) == t["candidate_filer_id"], t
    assert findable >= 5
    skipped = result["skipped"]["CVR_CAMPAIGN_DISCLOSURE_CD"]
    assert len(by_committee) - len(matched) <= sum(skipped.values())
    # Transactions: the election of their Form 497 row's ELEC_DATE, else of their cover's ELECT_DATE, or none.
    assert _scalar("""SELECT count(*) FROM opencivicdata_transaction AS t JOIN "CVR_CAMPAIGN_DISCLOSURE_CD" AS c
                      ON c."FILING_ID" = (t.extras->>'filing_id')::bigint AND c."AMEND_ID" = (t.extras->>'amend_id')::int
                      LEFT JOIN "S497_CD" AS s ON t.extras->>'calaccess_table' = 'S497_CD'
                        AND s."FILING_ID" = c."FILING_ID" AND s."AMEND_ID" = c."AMEND_ID"
                        AND s."LINE_ITEM" = (t.extras->>'line_item')::int AND s."FORM_TYPE" = t.extras->>'schedule'
                      LEFT JOIN opencivicdata_election AS e ON e.id = t.election_id
                      WHERE e.date IS DISTINCT FROM coalesce(s."ELEC_DATE", c."ELECT_DATE") """) == 0
    assert _scalar("""SELECT count(*) FROM opencivicdata_transaction
                      WHERE extras->>'calaccess_table' = 'S497_CD' AND election_id IS NOT NULL""") > 0
    assert _scalar("SELECT count(*) FROM opencivicdata_transaction WHERE election_id IS NOT NULL") > 0
    assert result["unmatched"]["opencivicdata_transaction"] == {
        "no_election_date": _scalar("SELECT count(*) FROM opencivicdata_transaction WHERE election_id IS NULL")}

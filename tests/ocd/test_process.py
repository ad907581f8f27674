"""OCD processing of the synthetic release in conftest.py: every table, ids, amendments, skips."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from ocd import models as ocd_models
from processors.ocd.ids import ocd_id, ocd_uuid
from processors.pipeline.ocd_tables import ocd_tables_build

from .conftest import RELEASE

pytestmark = pytest.mark.django_db


def test_sql_ids_equal_python_ids(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ocd_uuid('person:filer:1234'), ocd_uuid('contest:é')")
        assert list(cursor.fetchone()) == [ocd_uuid("person:filer:1234"), ocd_uuid("contest:é")]
        # Enough names for every value of the variant character (the inlined function rewrites it).
        names = [f"campaign-finance-transaction:RCPT_CD:{n}:0:{n % 7}:RCPT:A\\'ü" for n in range(500)]
        cursor.execute("SELECT ocd_uuid(n) FROM unnest(%s::text[]) WITH ORDINALITY AS t(n, i) ORDER BY i", [names])
        assert [row[0] for row in cursor.fetchall()] == [ocd_uuid(n) for n in names]


def test_table_counts(built):
    assert built["tables"] == {
        "opencivicdata_division": 713, "opencivicdata_jurisdiction": 1, "opencivicdata_organization": 10,
        "opencivicdata_organizationidentifier": 3, "opencivicdata_organizationname": 0, "opencivicdata_post": 6,
        "opencivicdata_person": 7, "opencivicdata_personidentifier": 7, "opencivicdata_personname": 1,
        "opencivicdata_membership": 0, "opencivicdata_election": 6, "opencivicdata_electionidentifier": 6,
        "opencivicdata_electionsource": 0, "opencivicdata_candidatecontest": 7,
        "opencivicdata_candidatecontestpost": 7, "opencivicdata_candidatecontestsource": 0,
        "opencivicdata_candidacy": 7, "opencivicdata_candidacysource": 0, "opencivicdata_ballotmeasurecontest": 1,
        "opencivicdata_ballotmeasurecontestoption": 2, "opencivicdata_ballotmeasurecontestidentifier": 1,
        "opencivicdata_ballotmeasurecontestsource": 0, "opencivicdata_retentioncontest": 1,
        "opencivicdata_retentioncontestoption": 2, "opencivicdata_retentioncontestidentifier": 0,
        "opencivicdata_retentioncontestsource": 0, "opencivicdata_committee": 4, "opencivicdata_filing": 7,
        "opencivicdata_filingaction": 8, "opencivicdata_filingactionsummaryamount": 5, "opencivicdata_transaction": 8,
    }


def test_skips_and_unmatched_counted_by_reason(built):
    assert built["skipped"] == {
        "CVR_CAMPAIGN_DISCLOSURE_CD": {"bad_filer_id": 1, "candidacy_no_election": 1},
        "EXPN_CD": {"schedule_not_processed": 1},
        "F501_502_CD": {"local_jurisdiction_unknown": 1, "no_candidate_filer_id": 1, "no_election": 1,
                        "not_form_501": 1, "officeholder_statement": 1, "superseded_amendment": 1},
        "LOOKUP_CODES_CD": {"party_duplicate_code": 1},
        "RCPT_CD": {"duplicate_key": 1, "no_campaign_cover": 1, "schedule_not_processed": 1,
                    "superseded_amendment": 1},
    }
    assert built["unmatched"] == {
        "FILER_FILINGS_CD": {"filing_without_campaign_cover": 1},
        "opencivicdata_candidacy": {"election_date_unknown": 2, "party_unknown": 1},
        "opencivicdata_committee": {"not_in_filername_cd": 2},
        "opencivicdata_election": {"classification_unknown": 1, "date_unknown": 2},
    }


def test_candidates_people_and_contests(built):
    jane = ocd_models.Person.objects.get(id=ocd_id("person", "filer:2001"))
    assert jane.name == "Jane A. Smith"  # the current amendment of her latest Form 501
    assert jane.sort_name == "Smith, Jane A."
    assert list(jane.other_names.values_list("name", flat=True)) == ["Jane Smith"]  # from the cover page
    assert jane.identifiers.get().identifier == "2001"
    candidacy = ocd_models.Candidacy.objects.get(person=jane)  # one: her Form 502 and officeholder 501 make none
    assert candidacy.id == ocd_id("candidacy", "2001:2018-06-05:ASM:7")
    assert candidacy.post.label == "State Assembly District 7"
    assert candidacy.post.division_id == "ocd-division/country:us/state:ca/sldl:7"
    assert candidacy.post.division.name == "California Assembly district 7"  # the official list's name
    assert candidacy.post.organization.name == "California State Assembly"
    assert candidacy.party.name == "DEMOCRATIC" and candidacy.registration_status == "filed"
    assert candidacy.filed_date == dt.date(2017, 2, 1)  # RPT_DATE of the current amendment of the earliest 501
    assert candidacy.extras == {"calaccess_filer_id": 2001, "form501_filing_ids": [5001], "cover_filing_ids": [7001],
                                "party_source": "PARTY_CD", "filer_id_sources": ["number"]}
    assert candidacy.contest.election.date == dt.date(2018, 6, 5)
    assert candidacy.contest.election.name == "2018 PRIMARY"
    bob = ocd_models.Candidacy.objects.get(person_id=ocd_id("person", "filer:2002"))
    assert bob.post.label == "Governor" and bob.post.division_id == "ocd-division/country:us/state:ca"
    assert bob.party.name == "REPUBLICAN" and bob.extras["party_source"] == "PARTY"  # PARTY_CD 0, PARTY "R"
    assert bob.contest.election.name == "2018 GENERAL"
    assert ocd_models.CandidateContestPost.objects.filter(contest=bob.contest, post=bob.post).exists()
    parties = ocd_models.Organization.objects.filter(classification="party").order_by("name")
    assert [p.name for p in parties] == ["DEMOCRATIC", "LIBERTARIAN", "REPUBLICAN"]
    assert parties[0].id == ocd_id("organization", "party:16001")


def test_ballot_measure_from_cover_and_items(built):
    measure = ocd_models.BallotMeasureContest.objects.get()
    assert measure.id == ocd_id("contest", "measure:2018-11-06:STATE:number:1")
    assert measure.name == "Proposition 1" and measure.description == "Water Bond"
    assert measure.classification == "bond"  # the name says it
    assert measure.extras["calaccess_jurisdiction"] == "STATE"  # STATE and Statewide: one contest
    assert measure.election.date == dt.date(2018, 11, 6)
    assert sorted(measure.options.values_list("text", flat=True)) == ["No", "Yes"]
    assert measure.identifiers.get().identifier == "1"


def test_filings_amendments_and_transactions(built):
    filing = ocd_models.Filing.objects.get(calaccess_filing_id=7001)
    assert filing.id == ocd_id("campaign-finance-filing", "filing:7001")
    assert filing.current_amend_id == 1 and filing.classification == "F460"
    assert filing.filer.name == "Jane Smith for Assembly 2018"  # latest FILERNAME_CD name
    assert filing.recipient.name == "California Secretary of State"
    actions = list(filing.actions.order_by("amend_id"))
    assert [(a.amend_id, a.is_current, a.supersedes_prior_versions, a.date) for a in actions] == [
        (0, False, False, dt.date(2018, 4, 25)), (1, True, True, dt.date(2018, 5, 2))]
    transactions = ocd_models.Transaction.objects.filter(filing_action__filing=filing)
    assert {t.filing_action.amend_id for t in transactions} == {1}  # current amendment only
    alice = transactions.get(sender_name="Alice Donor")
    assert alice.amount_value == Decimal("100.00") and alice.sender_entity_type == "person"
    assert alice.recipient_committee == filing.filer and alice.classification == "contribution"
    in_kind = transactions.get(is_in_kind=True)
    assert in_kind.sender_committee.calaccess_filer_id == 1002 and in_kind.description == "Phone bank"
    spend = transactions.get(classification="expenditure")
    assert spend.sender_committee == filing.filer and spend.recipient_name == "Print Shop"
    assert transactions.get(classification="loan").amount_value == Decimal("1000.00")
    late_made = ocd_models.Transaction.objects.get(extras__schedule="F497P2")
    assert late_made.sender_committee.calaccess_filer_id == 1001
    assert late_made.recipient_committee.calaccess_filer_id == 1002
    assert ocd_models.Committee.objects.get(calaccess_filer_id=1003).name == "Friends of Bob Jones"


def test_ids_stable_across_rebuilds(built):
    def snapshot():
        return {m._meta.db_table: sorted(str(pk) for pk in m.objects.values_list("pk", flat=True))
                for m in ocd_models.OCD_MODELS}

    first = snapshot()
    again = ocd_tables_build(release_datetime=RELEASE)
    assert snapshot() == first and again == built
    for model in reversed(ocd_models.OCD_MODELS):  # rebuild from an empty database
        model.objects.all().delete()
    ocd_tables_build(release_datetime=RELEASE)
    assert snapshot() == first


def test_form460_summary_lines_become_filing_action_summary_amounts(built):
    """SMRY_CD's Form 460 summary page: one amount per line and column of each version; schedules' own
    summaries (FORM_TYPE A) are not summary page lines."""
    from ocd import models as ocd_models

    amounts = {(a.filing_action.filing.calaccess_filing_id, a.filing_action.amend_id, a.label): str(a.amount_value)
               for a in ocd_models.FilingActionSummaryAmount.objects.select_related("filing_action__filing")}
    assert amounts == {
        (7001, 0, "Line 1: monetary contributions (this period)"): "90.00",
        (7001, 1, "Line 1: monetary contributions (this period)"): "100.00",
        (7001, 1, "Line 5: total contributions received (this period)"): "150.00",
        (7001, 1, "Line 5: total contributions received (calendar year to date)"): "900.00",
        (7001, 1, "Line 16: ending cash balance (this period)"): "-25.50",
    }

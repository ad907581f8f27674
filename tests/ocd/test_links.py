"""Transactions linked to the election their filing names; cover candidates without CAND_ID matched by name.

Hand-written records on top of conftest.py's release, shaped as the real export
fills covers (real-export-profile.md, CVR_CAMPAIGN_DISCLOSURE_CD): CAND_ID empty,
the candidate's name in CAND_NAML/CAND_NAMF in the filer's own case (covers
mostly "Smith", Form 501s mostly "SMITH"), office and jurisdiction as letter
codes, DIST_NO a number, ELECT_DATE on about a quarter of covers.
"""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from calaccess_archive.models import RawDataVersion
from ocd import models as ocd_models
from processors.ocd.export import flat_write
from processors.ocd.ids import ocd_id
from processors.pipeline.ocd_tables import ocd_tables_build

from .conftest import F501, RELEASE, raw, raw_release_build

pytestmark = pytest.mark.django_db

PRIMARY_2018 = ocd_id("election", "2018-06-05")
GENERAL_2018 = ocd_id("election", "2018-11-06")
JANE_PRIMARY = ocd_id("candidacy", "2001:2018-06-05:ASM:7")
BOB_GENERAL = ocd_id("candidacy", "2002:2018-11-06:GOV:0")


def _cover(filing_id: int, **fields):
    """A current Form 460 cover of Jane Smith's committee (filer 1001), ENTITY_CD CTL, no CAND_ID."""
    base = dict(filing_id=filing_id, amend_id=0, filer_id="1001", entity_cd="CTL", form_type="F460", rec_type="CVR",
                filer_naml="Smith 2018", cand_id="", rpt_date=dt.date(2018, 9, 30))
    raw("CvrCampaignDisclosureCd", **{**base, **fields})


def links_build():
    raw_release_build()
    # A cover without ELECT_DATE (three quarters of real covers): its transactions name no election.
    _cover(7020)
    raw("RcptCd", filing_id=7020, amend_id=0, line_item=1, ctrib_namf="Dee", ctrib_naml="Giver", entity_cd="IND",
        amount=Decimal("25.00"), rcpt_date=dt.date(2018, 9, 1), rec_type="RCPT", form_type="A")
    raw("ExpnCd", filing_id=7020, amend_id=0, line_item=1, payee_naml="Print Shop", entity_cd="OTH",
        amount=Decimal("40.00"), expn_date=dt.date(2018, 9, 2), rec_type="EXPN", form_type="E")
    # Form 497 late contributions name their election (S497_CD ELEC_DATE, a quarter of real rows): the row's
    # own date before its cover's; a date no other filing names makes an Election of its own.
    s497 = dict(amend_id=0, entity_cd="IND", amount=Decimal("1000.00"), ctrib_date=dt.date(2018, 3, 20),
                rec_type="S497", form_type="F497P1")
    raw("S497Cd", filing_id=7003, line_item=3, enty_naml="Early", elec_date=dt.date(2018, 11, 6), **s497)
    _cover(7027, form_type="F497", rpt_date=dt.date(2018, 3, 21))  # no ELECT_DATE
    raw("S497Cd", filing_id=7027, line_item=1, enty_naml="Local", elec_date=dt.date(2018, 4, 3), **s497)
    raw("S497Cd", filing_id=7027, line_item=2, enty_naml="Unsaid", **s497)
    # Jane Smith named in upper case, her race by letter codes, the primary's date: her Form 501 candidacy.
    _cover(7021, cand_naml="SMITH", cand_namf="JANE", office_cd="ASM", juris_cd="ASM", dist_no="7",
           elect_date=dt.date(2018, 6, 5))
    # The same name and office but the general election, which she filed no Form 501 for: counted.
    _cover(7022, cand_naml="Smith", cand_namf="Jane", office_cd="ASM", juris_cd="ASM", dist_no="7",
           elect_date=dt.date(2018, 11, 6))
    # A second Jones for Governor in the 2018 general (Bob Jones: conftest's 5002).
    raw("F501502Cd", filing_id=5020, amend_id=0, filer_id="2020", cand_namf="TOM", cand_naml="JONES",
        office_cd=30002, juris_cd=40502, agency_nam="STATEWIDE OFFICERS", party_cd=16002, yr_of_elec=2018,
        elec_type=3001, rpt_date=dt.date(2018, 2, 1), **F501)
    # "Bob Jones": the given name tells the two apart. "Jones" alone (no CAND_NAMF): either of them, counted.
    _cover(7023, cand_naml="Jones", cand_namf="Bob", office_cd="GOV", juris_cd="STW",
           elect_date=dt.date(2018, 11, 6))
    _cover(7024, cand_naml="Jones", office_cd="GOV", juris_cd="STW", elect_date=dt.date(2018, 11, 6))
    # A local race: Lou Cal (conftest's 5003, Oakland city council, 2018 general) named by a committee's cover
    # with the letter codes and the city in JURIS_DSCR; Ann Lee's judgeship (5004: 2016, type not given, so
    # no date) cannot be the race of a cover dated the 2016 primary.
    _cover(7025, cand_naml="Cal", cand_namf="Lou", office_cd="CCM", juris_cd="CIT", juris_dscr="City of Oakland",
           elect_date=dt.date(2018, 11, 6))
    _cover(7026, cand_naml="Lee", cand_namf="Ann", office_cd="SCJ", juris_cd="CTY", juris_dscr="County of Orange",
           elect_date=dt.date(2016, 6, 7))


@pytest.fixture
def linked(db):
    links_build()
    RawDataVersion.objects.create(release_datetime=RELEASE, source="test", status=RawDataVersion.Status.LOADED)
    return ocd_tables_build(release_datetime=RELEASE)


def test_transactions_linked_to_the_election_their_cover_names(linked):
    elections = {
        (t.extras["filing_id"], t.extras["calaccess_table"], t.extras["line_item"]): t.election_id
        for t in ocd_models.Transaction.objects.all()
    }
    # 7001 (amendment 1) and the Form 497 7003 name the 2018 primary, the measure committee's 7002 the general.
    assert elections[(7001, "RCPT_CD", 1)] == elections[(7001, "EXPN_CD", 1)] == PRIMARY_2018
    assert elections[(7003, "S497_CD", 1)] == elections[(7003, "S497_CD", 2)] == PRIMARY_2018
    assert elections[(7002, "RCPT_CD", 1)] == elections[(7002, "EXPN_CD", 1)] == GENERAL_2018
    assert ocd_models.Election.objects.get(id=PRIMARY_2018).name == "2018 PRIMARY"
    # No ELECT_DATE: no election, counted per transaction.
    assert elections[(7020, "RCPT_CD", 1)] is None and elections[(7020, "EXPN_CD", 1)] is None
    # A Form 497 row's own ELEC_DATE first (7003's cover names the primary), else its cover's (7027's: none).
    assert elections[(7003, "S497_CD", 3)] == GENERAL_2018
    local = ocd_models.Election.objects.get(id=elections[(7027, "S497_CD", 1)])
    assert (local.date, local.name, local.extras["date_source"]) == (dt.date(2018, 4, 3), "2018 ELECTION (April 3)",
                                                                     "filing")
    assert elections[(7027, "S497_CD", 2)] is None
    assert linked["unmatched"]["opencivicdata_transaction"] == {"no_election_date": 3}


def test_flat_transactions_carry_the_election(linked, tmp_path):
    with connection.cursor() as cursor:
        flat_write(cursor=cursor, directory=tmp_path)
    for name, date_column in (("Contributions.csv", "date"), ("Expenditures.csv", "date")):
        with (tmp_path / "flat" / name).open(newline="", encoding="utf-8") as f:
            table = list(csv.DictReader(f))
        assert list(table[0])[-2:] == ["election_name", "ocd_election_id"]  # after the existing columns
        by_filing = {(r["calaccess_filing_id"], r["line_item"]): (r["election_name"], r["ocd_election_id"])
                     for r in table}
        assert by_filing[("7001", "1")] == ("2018 PRIMARY", PRIMARY_2018)
        assert by_filing[("7002", "1")] == ("2018 GENERAL", GENERAL_2018)
        assert by_filing[("7020", "1")] == ("", "")


def test_cover_candidates_without_cand_id_matched_by_name_office_and_election(linked):
    jane = ocd_models.Candidacy.objects.get(id=JANE_PRIMARY)
    assert jane.extras["cover_filing_ids"] == [7001, 7021]  # 7001 by CAND_ID, 7021 by name
    assert jane.extras["filer_id_sources"] == ["form501_name", "number"]
    bob = ocd_models.Candidacy.objects.get(id=BOB_GENERAL)
    assert bob.extras["cover_filing_ids"] == [7023]
    tom = ocd_models.Candidacy.objects.get(id=ocd_id("candidacy", "2020:2018-11-06:GOV:0"))
    assert tom.extras["cover_filing_ids"] == []
    lou = ocd_models.Candidacy.objects.get(person_id=ocd_id("person", "filer:2003"))
    assert lou.extras["cover_filing_ids"] == [7007, 7025]  # his own cover (CAO) and the committee's, by name
    ann = ocd_models.Candidacy.objects.get(person_id=ocd_id("person", "filer:2004"))
    assert ann.extras["cover_filing_ids"] == []
    # Jane in the general (no Form 501 for it) and the bare "Jones" make no candidacy.
    assert not ocd_models.Candidacy.objects.filter(contest__election_id=GENERAL_2018,
                                                   person_id=ocd_id("person", "filer:2001"))
    assert ocd_models.Candidacy.objects.count() == 8  # conftest's 7 and Tom Jones
    assert linked["skipped"]["CVR_CAMPAIGN_DISCLOSURE_CD"] == {
        "bad_filer_id": 1, "candidacy_no_election": 1,  # conftest's 7004 and 7008
        "candidacy_candidate_not_on_form501": 2, "candidacy_candidate_name_ambiguous": 1,  # 7022, 7026; 7024
    }


def test_a_matched_cover_adds_the_name_as_written(linked):
    jane = ocd_models.Person.objects.get(id=ocd_id("person", "filer:2001"))
    assert jane.name == "Jane A. Smith"  # Form 501 before covers
    assert set(jane.other_names.values_list("name", flat=True)) == {"Jane Smith", "JANE SMITH"}

"""Elections, offices, districts and candidacies from Form 501s shaped as the real export fills them (conftest.py)."""

import csv
import datetime as dt

import pytest

from ocd import models as ocd_models
from processors.ocd.ids import ocd_id
from processors.ocd.reference import CALENDAR_FILE, DIVISIONS_FILE, calendar_read
from processors.sample.plan import election_day

pytestmark = pytest.mark.django_db
STATE = "ocd-division/country:us/state:ca"


def _candidacy(filer_id: int) -> ocd_models.Candidacy:
    return ocd_models.Candidacy.objects.get(person_id=ocd_id("person", f"filer:{filer_id}"))


def test_elections_from_year_and_type_classified_named_and_dated(built):
    elections = {e.name: (e.date, e.extras["classification"], e.extras["date_source"])
                 for e in ocd_models.Election.objects.all()}
    assert elections == {
        # Year and type on the 501 give the calendar's date (the covers' ELECT_DATE agrees).
        "2018 PRIMARY": (dt.date(2018, 6, 5), "primary", "calendar"),
        "2018 GENERAL": (dt.date(2018, 11, 6), "general", "calendar"),
        "2014 PRIMARY": (dt.date(2014, 6, 3), "primary", "calendar"),
        "2003 RECALL": (dt.date(2003, 10, 7), "recall", "calendar"),
        # Not on the statewide calendar: kept with year and type, without a date (and counted).
        "2017 SPECIAL ELECTION (STATE SENATE DISTRICT 13)": (None, "special", None),
        "2016 ELECTION": (None, None, None),  # ELEC_TYPE 0: the type is not known
    }
    special = ocd_models.Election.objects.get(extras__classification="special")
    assert special.id == ocd_id("election", "year:2017:special:SEN:13")
    assert special.identifiers.get().scheme == "calaccess_election_year"
    # A dated election keeps the id it had when elections were keyed by date.
    assert ocd_models.Election.objects.filter(id=ocd_id("election", "2014-06-03")).exists()


def test_districts_through_lookup_codes_then_dist_no(built):
    # Code 17010 is district "07", 17002 is "13": the code is never the number.
    assert _candidacy(2001).post.division_id == f"{STATE}/sldl:7"
    assert _candidacy(2005).post.label == "State Senate District 13"
    assert _candidacy(2005).post.division_id == f"{STATE}/sldu:13"
    assert _candidacy(2006).post.label == "State Assembly District 1"  # no DISTRICT_CD: DIST_NO "01"


def test_local_candidacies_get_posts_in_their_division(built):
    lou = _candidacy(2003)
    # OFFICE_CD 0: the office from OFFIC_DSCR (padded to 50 characters), the jurisdiction from AGENCY_NAM.
    assert lou.post.label == "City Council, Oakland city" and lou.post.role == "City Council"
    assert lou.post.division_id == f"{STATE}/place:oakland"
    assert lou.post.organization.name == "Oakland city" and lou.post.organization.classification == "government"
    assert lou.contest.division_id == f"{STATE}/place:oakland"
    assert lou.contest.election.name == "2018 GENERAL"
    # His own cover (ENTITY_CD CAO, no CAND_ID, office letters CCM) is the same candidacy.
    assert lou.extras["form501_filing_ids"] == [5003] and lou.extras["cover_filing_ids"] == [7007]
    assert lou.extras["filer_id_sources"] == ["cover_filer", "number"]
    assert lou.registration_status == "withdrawn"  # his current 501 is a termination statement (10003)
    assert lou.party is None
    ann = _candidacy(2004)
    assert ann.post.label == "SUPERIOR COURT JUDGE, Orange County"
    assert ann.post.division_id == f"{STATE}/county:orange"
    assert ann.contest.election.date is None and ann.contest.election.name == "2016 ELECTION"
    # No PARTY_CD nor PARTY text: the party FILER_TO_FILER_TYPE_CD records for the filer.
    assert ann.party.name == "LIBERTARIAN" and ann.extras["party_source"] == "FILER_TO_FILER_TYPE_CD"


def test_only_form_501_makes_candidacies(built):
    ids = [i for c in ocd_models.Candidacy.objects.all() for i in c.extras["form501_filing_ids"]]
    assert sorted(ids) == [5001, 5002, 5003, 5004, 5005, 5006, 5007]  # not 5011 (F502) nor the skipped ones
    assert ocd_models.Candidacy.objects.filter(person_id=ocd_id("person", "filer:2001")).count() == 1


def test_xref_filer_ids_kept(built):
    # A negative Form 501 FILER_ID FILER_XREF_CD knows is that filer's candidacy.
    kim = _candidacy(2006)
    assert kim.person.identifiers.get().identifier == "2006" and kim.extras["filer_id_sources"] == ["xref"]
    assert kim.contest.election.name == "2014 PRIMARY"
    # An old non-numeric cover FILER_ID is translated, not dropped as bad_filer_id (X12, unknown, is).
    filing = ocd_models.Filing.objects.get(calaccess_filing_id=7006)
    assert filing.filer.calaccess_filer_id == 1001
    assert not ocd_models.Filing.objects.filter(calaccess_filing_id=7004).exists()


def test_divisions_are_the_official_list(built):
    with DIVISIONS_FILE.open(newline="", encoding="utf-8") as f:
        official = {row["id"]: row["name"] for row in csv.DictReader(f)}
    assert dict(ocd_models.Division.objects.values_list("id", "name")) == official
    orange = ocd_models.Division.objects.get(id=f"{STATE}/county:orange")
    assert (orange.subtype1, orange.subid1, orange.subtype2, orange.subid2) == ("state", "ca", "county", "orange")


def test_statewide_calendar_is_consistent():
    calendar = calendar_read()
    assert CALENDAR_FILE.name in (CALENDAR_FILE.parent / "README.md").read_text()
    assert all(d.weekday() == 1 for d, _, _ in calendar)  # California votes on Tuesdays
    generals = [d for d, c, _ in calendar if c == "general"]
    assert generals == [election_day(y, 11) for y in range(1990, 2027, 2)]
    pairs = [(d.year, c) for d, c, _ in calendar]
    assert len(pairs) == len(set(pairs))  # one election of each kind a year: (year, type) finds the date
    assert {c for _, c, _ in calendar} == {"primary", "general", "special", "recall", "presidential_primary"}


def test_recall_election_gets_a_retention_contest(built):
    gil = _candidacy(2007)  # a successor candidate in the 2003 recall
    recall = ocd_models.RetentionContest.objects.get()
    assert recall.id == ocd_id("contest", "recall:2003-10-07:GOV:0")
    assert recall.name == "Recall: Governor" and recall.election == gil.contest.election
    assert recall.division_id == STATE and recall.membership is None  # the holder is not in CAL-ACCESS
    assert sorted(recall.options.values_list("text", flat=True)) == ["No", "Yes"]

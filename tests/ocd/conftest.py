"""A small synthetic CAL-ACCESS release with known content, built directly in the raw tables.

What it holds, and what processing must make of it, is spelled out next to
each row; tests/ocd/test_process.py checks those expectations.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

from calaccess_archive.models import RawDataVersion

RELEASE = dt.datetime(2018, 12, 1, 11, 30, tzinfo=dt.timezone.utc)


def raw(model: str, **fields):
    return apps.get_model("calaccess_raw", model).objects.create(**fields)


def lookup_codes():
    """The code types processing reads, as the real export holds them (docs: real-export.md)."""
    raw("LookupCodesCd", code_type=16000, code_id=16000, code_desc="PARTY CODE")  # the type's own row: not a party
    raw("LookupCodesCd", code_type=16000, code_id=16001, code_desc="DEMOCRATIC")
    raw("LookupCodesCd", code_type=16000, code_id=16002, code_desc="REPUBLICAN")
    raw("LookupCodesCd", code_type=16000, code_id=16002, code_desc="REPUBLICAN")  # duplicate code: counted
    raw("LookupCodesCd", code_type=16000, code_id=16008, code_desc="LIBERTARIAN")
    for code, desc in ((3001, "GENERAL"), (3002, "PRIMARY"), (3003, "RECALL"), (3004, "SPECIAL ELECTION"),
                       (3005, "OFFICEHOLDER"), (3006, "SPECIAL RUNOFF")):
        raw("LookupCodesCd", code_type=3000, code_id=code, code_desc=desc)
    for code, desc in ((30002, "GOVERNOR"), (30012, "STATE SENATE"), (30013, "ASSEMBLY"), (30035, "CITY COUNCIL"),
                       (30053, "SUPERIOR COURT JUDGE")):
        raw("LookupCodesCd", code_type=30000, code_id=code, code_desc=desc)
    # District codes: the description is the number, and code order is not number order.
    for code, desc in ((17001, "01"), (17002, "13"), (17003, "24"), (17010, "07")):
        raw("LookupCodesCd", code_type=17000, code_id=code, code_desc=desc)
    for code, desc in ((40502, "STATE"), (40503, "COUNTY"), (40505, "CITY"), (40507, "SUPERIOR COURT JUDGE")):
        raw("LookupCodesCd", code_type=40500, code_id=code, code_desc=desc)
    for code, desc in ((10001, "ORIGINAL/INITIAL"), (10002, "AMENDMENT"), (10003, "TERMINATION")):
        raw("LookupCodesCd", code_type=10000, code_id=code, code_desc=desc)


def filers():
    raw("FilernameCd", filer_id=1001, filer_type="RECIPIENT COMMITTEE", naml="Smith for Assembly 2018",
        effect_dt=dt.date(2017, 1, 1))
    raw("FilernameCd", filer_id=1001, filer_type="RECIPIENT COMMITTEE", naml="Jane Smith for Assembly 2018",
        effect_dt=dt.date(2017, 6, 1))  # latest name wins
    raw("FilernameCd", filer_id=1002, filer_type="RECIPIENT COMMITTEE", naml="Yes on Prop 1",
        effect_dt=dt.date(2018, 1, 1))
    raw("FilernameCd", filer_id=2001, filer_type="CANDIDATE/OFFICEHOLDER", naml="Smith", namf="Jane")
    raw("FilernameCd", filer_id=2002, filer_type="CANDIDATE/OFFICEHOLDER", naml="Jones", namf="Bob")
    # Other ids of filers: a negative Form 501 id and an old non-numeric committee id.
    raw("FilerXrefCd", filer_id=2006, xref_id="-1234", effect_dt=dt.date(2013, 1, 1), migration_source="CARS")
    raw("FilerXrefCd", filer_id=1001, xref_id="C1001", effect_dt=dt.date(2001, 1, 1), migration_source="CARS")
    # The state's party of a filer: the last fallback for a Form 501 without one.
    raw("FilerToFilerTypeCd", filer_id=2004, filer_type_id=8, active="Y", party_cd=16008,
        effect_dt=dt.date(2015, 1, 1))


# Form 501s shaped as the real export fills them (real-export-profile.md, F501_502_CD): no ELECT_DATE,
# the election as YR_OF_ELEC + ELEC_TYPE, the office as a 30000 code or (code 0) padded OFFIC_DSCR text,
# the district as a 17000 code, JURIS_CD a 40500 code, AGENCY_NAM text, ENTITY_CD 8, STMT_TYPE 10000 codes.
F501 = dict(form_type="F501", rec_type="CVR", entity_cd="8", elect_date="", from_date="", thru_date="",
            stmt_type=10001, dist_no="")


def form501s():
    f501 = F501
    # Jane Smith, Assembly district 7 (code 17010), 2018 primary; amended once (new first name).
    jane = dict(filer_id="2001", cand_naml="Smith", office_cd=30013, juris_cd=40502, agency_nam="LEGISLATIVE",
                district_cd=17010, party_cd=16001, yr_of_elec=2018, elec_type=3002)
    raw("F501502Cd", filing_id=5001, amend_id=0, cand_namf="Jane", rpt_date=dt.date(2017, 1, 10), **jane, **f501)
    raw("F501502Cd", filing_id=5001, amend_id=1, cand_namf="Jane A.", rpt_date=dt.date(2017, 2, 1), **jane,
        **{**f501, "stmt_type": 10002})
    # Jane's bank account statement (Form 502, same table): not a candidacy.
    raw("F501502Cd", filing_id=5011, amend_id=0, cand_namf="Jane", rpt_date=dt.date(2017, 1, 12), account_no="12-345",
        **jane, **{**f501, "form_type": "F502"})
    # Bob Jones for Governor, 2018 general; no PARTY_CD (0), the party written as text ("R").
    raw("F501502Cd", filing_id=5002, amend_id=0, filer_id="2002", cand_namf="Bob", cand_naml="Jones",
        office_cd=30002, juris_cd=40502, agency_nam="STATEWIDE OFFICERS", party_cd=0, party="R", yr_of_elec=2018,
        elec_type=3001, rpt_date=dt.date(2017, 3, 1), **f501)
    # Lou Cal, Oakland city council: office code 0, the office as padded text; then a termination statement.
    raw("F501502Cd", filing_id=5003, amend_id=0, filer_id="2003", cand_namf="Lou", cand_naml="Cal", office_cd=0,
        offic_dscr="City Council".ljust(50), juris_cd=40505, agency_nam="City of Oakland", yr_of_elec=2018,
        elec_type=3001, rpt_date=dt.date(2018, 2, 1), **{**f501, "stmt_type": 10003})
    # Ann Lee, Superior Court judge in Orange County, 2016, election type not given (0); party from
    # FILER_TO_FILER_TYPE_CD.
    raw("F501502Cd", filing_id=5004, amend_id=0, filer_id="2004", cand_namf="Ann", cand_naml="Lee", office_cd=30053,
        juris_cd=40507, agency_nam="County of Orange", yr_of_elec=2016, elec_type=0, rpt_date=dt.date(2015, 6, 1),
        **f501)
    # Sam Roe, State Senate district 13 (code 17002), 2017 special election: not on the statewide calendar.
    raw("F501502Cd", filing_id=5005, amend_id=0, filer_id="2005", cand_namf="Sam", cand_naml="Roe", office_cd=30012,
        juris_cd=40502, agency_nam="LEGISLATIVE", district_cd=17002, party_cd=16002, yr_of_elec=2017, elec_type=3004,
        rpt_date=dt.date(2017, 1, 5), **f501)
    # Kim Poe, a negative filer id FILER_XREF_CD knows (filer 2006); Assembly, district only in DIST_NO.
    raw("F501502Cd", filing_id=5006, amend_id=0, filer_id="-1234", cand_namf="Kim", cand_naml="Poe",
        office_cd=30013, juris_cd=0, agency_nam="", party_cd=16001, yr_of_elec=2014, elec_type=3002,
        rpt_date=dt.date(2013, 9, 1), **{**f501, "dist_no": "01"})
    # Gil Day, Governor in the 2003 recall.
    raw("F501502Cd", filing_id=5007, amend_id=0, filer_id="2007", cand_namf="Gil", cand_naml="Day", office_cd=30002,
        juris_cd=40502, party_cd=16001, yr_of_elec=2003, elec_type=3003, rpt_date=dt.date(2003, 8, 1), **f501)
    # Skipped: an officeholder account statement, no election year, a filer id nobody knows, no jurisdiction.
    raw("F501502Cd", filing_id=5008, amend_id=0, filer_id="2001", cand_namf="Jane", cand_naml="Smith",
        office_cd=30013, district_cd=17010, yr_of_elec=2019, elec_type=3005, **f501)
    raw("F501502Cd", filing_id=5009, amend_id=0, filer_id="2002", cand_namf="Bob", cand_naml="Jones",
        office_cd=30002, yr_of_elec=None, elec_type=0, **f501)
    raw("F501502Cd", filing_id=5010, amend_id=0, filer_id="ABC", cand_naml="Nobody", office_cd=30002,
        yr_of_elec=2018, elec_type=3002, **f501)
    # A city council seat without its city (no AGENCY_NAM): which council is not known.
    raw("F501502Cd", filing_id=5012, amend_id=0, filer_id="2008", cand_namf="Ida", cand_naml="Fox", office_cd=30035,
        juris_cd=40505, agency_nam="", yr_of_elec=2018, elec_type=3001, **f501)


def covers():
    f460 = dict(form_type="F460", rec_type="CVR")
    for amend in (0, 1):  # Jane Smith's committee, Form 460, amended once
        raw("CvrCampaignDisclosureCd", filing_id=7001, amend_id=amend, filer_id="1001", filer_naml="Smith 2018",
            from_date=dt.date(2018, 1, 1), thru_date=dt.date(2018, 3, 31), elect_date=dt.date(2018, 6, 5),
            cand_id="2001", cand_namf="Jane", cand_naml="Smith", office_cd="ASM", dist_no="7",
            rpt_date=dt.date(2018, 4, 20 + amend), **f460)
    raw("CvrCampaignDisclosureCd", filing_id=7002, amend_id=0, filer_id="1002", filer_naml="Yes on Prop 1",
        bal_num="1", bal_name="Water Bond", bal_juris="STATE", elect_date=dt.date(2018, 11, 6),
        from_date=dt.date(2018, 7, 1), thru_date=dt.date(2018, 9, 30), **f460)
    raw("CvrCampaignDisclosureCd", filing_id=7003, amend_id=0, filer_id="1001", form_type="F497", rec_type="CVR",
        elect_date=dt.date(2018, 6, 5), rpt_date=dt.date(2018, 5, 31))
    raw("CvrCampaignDisclosureCd", filing_id=7004, amend_id=0, filer_id="X12", **f460)  # bad filer id: skipped
    # An old non-numeric filer id FILER_XREF_CD translates (committee 1001): kept.
    raw("CvrCampaignDisclosureCd", filing_id=7006, amend_id=0, filer_id="C1001", filer_naml="Smith 2018",
        rpt_date=dt.date(2018, 7, 31), **f460)
    # Lou Cal's own cover (ENTITY_CD CAO, no CAND_ID, as on every real cover): letter codes for the office.
    raw("CvrCampaignDisclosureCd", filing_id=7007, amend_id=0, filer_id="2003", entity_cd="CAO", filer_naml="Cal",
        cand_namf="Lou", cand_naml="Cal", office_cd="CCM", juris_cd="CIT", juris_dscr="City of Oakland",
        elect_date=dt.date(2018, 11, 6), rpt_date=dt.date(2018, 10, 1), **f460)
    # A committee's cover naming a candidate without CAND_ID and without an election: not matched by name
    # (that needs the post and the election), counted no_election.
    raw("CvrCampaignDisclosureCd", filing_id=7008, amend_id=0, filer_id="1002", entity_cd="RCP", cand_naml="Roe",
        office_cd="SEN", dist_no="13", rpt_date=dt.date(2017, 3, 1), **f460)
    raw("CvrCampaignDisclosureCd", filing_id=7005, amend_id=0, filer_id="1003", filer_naml="Friends of Bob Jones",
        cmtte_type="C", **f460)  # filer not in FILERNAME_CD: named from its cover
    raw("FilerFilingsCd", filing_id=7001, filing_sequence=0, filer_id=1001, form_id="F460",
        filing_date=dt.date(2018, 4, 25), stmnt_type=10001)
    raw("FilerFilingsCd", filing_id=7001, filing_sequence=1, filer_id=1001, form_id="F460",
        filing_date=dt.date(2018, 5, 2), stmnt_type=10001)
    raw("FilerFilingsCd", filing_id=9999, filing_sequence=0, filer_id=4001, form_id="F625",
        filing_date=dt.date(2018, 5, 2), stmnt_type=10001)  # lobbying filing: no campaign cover


def items():
    a = dict(rec_type="RCPT", form_type="A")
    raw("RcptCd", filing_id=7001, amend_id=0, line_item=1, ctrib_namf="Alice", ctrib_naml="Donor", entity_cd="IND",
        amount=Decimal("90.00"), rcpt_date=dt.date(2018, 2, 1), **a)  # superseded by amendment 1
    raw("RcptCd", filing_id=7001, amend_id=1, line_item=1, ctrib_namf="Alice", ctrib_naml="Donor", entity_cd="IND",
        amount=Decimal("100.00"), rcpt_date=dt.date(2018, 2, 1), tran_id="A1", **a)
    for _ in range(2):  # the second is a duplicate of the first: counted
        raw("RcptCd", filing_id=7001, amend_id=1, line_item=2, ctrib_naml="Yes on Prop 1", entity_cd="COM",
            cmte_id="1002", amount=Decimal("50.00"), rcpt_date=dt.date(2018, 2, 2), ctrib_dscr="Phone bank",
            rec_type="RCPT", form_type="C")
    raw("RcptCd", filing_id=7001, amend_id=1, line_item=3, ctrib_naml="Bank", amount=Decimal("1.00"),
        rec_type="RCPT", form_type="I")  # schedule I: not processed
    raw("RcptCd", filing_id=7002, amend_id=0, line_item=1, ctrib_namf="Bob", ctrib_naml="Donor", entity_cd="IND",
        amount=Decimal("500.00"), rcpt_date=dt.date(2018, 8, 1), bal_num="1", bal_name="Water Bond",
        bal_juris="STATE", **a)
    raw("RcptCd", filing_id=8888, amend_id=0, line_item=1, ctrib_naml="Orphan", amount=Decimal("5.00"), **a)
    e = dict(rec_type="EXPN", form_type="E")
    raw("ExpnCd", filing_id=7001, amend_id=1, line_item=1, payee_naml="Print Shop", entity_cd="OTH",
        amount=Decimal("75.00"), expn_date=dt.date(2018, 3, 1), expn_dscr="Mailers", **e)
    raw("ExpnCd", filing_id=7001, amend_id=1, line_item=2, payee_naml="Vendor", amount=Decimal("3.00"),
        rec_type="EXPN", form_type="D")  # schedule D: not processed
    raw("ExpnCd", filing_id=7002, amend_id=0, line_item=1, payee_naml="TV Ads Inc", entity_cd="OTH",
        amount=Decimal("1000.00"), expn_date=dt.date(2018, 9, 1), bal_name="Water Bond", bal_juris="Statewide",
        **e)  # the same measure: another spelling of the state
    raw("LoanCd", filing_id=7001, amend_id=1, line_item=1, lndr_namf="Jane", lndr_naml="Smith", entity_cd="IND",
        loan_amt1=Decimal("1000.00"), loan_date1=dt.date(2018, 1, 15), rec_type="LOAN", form_type="B1")
    raw("S497Cd", filing_id=7003, amend_id=0, line_item=1, enty_namf="Carol", enty_naml="Big", entity_cd="IND",
        amount=Decimal("5000.00"), ctrib_date=dt.date(2018, 5, 30), rec_type="S497", form_type="F497P1")
    raw("S497Cd", filing_id=7003, amend_id=0, line_item=2, enty_naml="Yes on Prop 1", entity_cd="COM",
        cmte_id="1002", amount=Decimal("200.00"), ctrib_date=dt.date(2018, 5, 30), rec_type="S497",
        form_type="F497P2")


def summaries():
    """Form 460 summary lines (SMRY_CD) of Jane Smith's committee's filing 7001."""
    smry = dict(rec_type="SMRY", form_type="F460")
    raw("SmryCd", filing_id=7001, amend_id=0, line_item="1", amount_a=Decimal("90.00"), **smry)  # superseded
    raw("SmryCd", filing_id=7001, amend_id=1, line_item="1", amount_a=Decimal("100.00"), **smry)
    raw("SmryCd", filing_id=7001, amend_id=1, line_item="5", amount_a=Decimal("150.00"), amount_b=Decimal("900.00"),
        **smry)
    raw("SmryCd", filing_id=7001, amend_id=1, line_item="16", amount_a=Decimal("-25.50"), **smry)
    raw("SmryCd", filing_id=7001, amend_id=1, line_item="1", amount_a=Decimal("100.00"), rec_type="SMRY",
        form_type="A")  # schedule A's own summary: not a summary page line


def raw_release_build():
    lookup_codes()
    filers()
    form501s()
    covers()
    items()
    summaries()


@pytest.fixture
def raw_release(db):
    """The synthetic release: raw rows plus its loaded RawDataVersion."""
    raw_release_build()
    return RawDataVersion.objects.create(release_datetime=RELEASE, source="test", status=RawDataVersion.Status.LOADED)


@pytest.fixture
def built(raw_release):
    """The synthetic release processed into the OCD tables: ocd_tables_build's result."""
    from processors.pipeline.ocd_tables import ocd_tables_build

    return ocd_tables_build(release_datetime=RELEASE)

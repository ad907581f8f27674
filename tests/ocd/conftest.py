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
    raw("LookupCodesCd", code_type=16000, code_id=16000, code_desc="PARTY CODE")  # the type's own row: not a party
    raw("LookupCodesCd", code_type=16000, code_id=16001, code_desc="DEMOCRATIC")
    raw("LookupCodesCd", code_type=16000, code_id=16002, code_desc="REPUBLICAN")
    raw("LookupCodesCd", code_type=16000, code_id=16002, code_desc="REPUBLICAN")  # duplicate code: counted
    raw("LookupCodesCd", code_type=30000, code_id=30001, code_desc="GOVERNOR")
    raw("LookupCodesCd", code_type=30000, code_id=30022, code_desc="STATE ASSEMBLY")
    raw("LookupCodesCd", code_type=30000, code_id=30050, code_desc="CITY COUNCIL MEMBER")
    raw("LookupCodesCd", code_type=40000, code_id=40501, code_desc="STATE")
    raw("LookupCodesCd", code_type=40000, code_id=40503, code_desc="CITY")


def filers():
    raw("FilernameCd", filer_id=1001, filer_type="RECIPIENT COMMITTEE", naml="Smith for Assembly 2018",
        effect_dt=dt.date(2017, 1, 1))
    raw("FilernameCd", filer_id=1001, filer_type="RECIPIENT COMMITTEE", naml="Jane Smith for Assembly 2018",
        effect_dt=dt.date(2017, 6, 1))  # latest name wins
    raw("FilernameCd", filer_id=1002, filer_type="RECIPIENT COMMITTEE", naml="Yes on Prop 1",
        effect_dt=dt.date(2018, 1, 1))
    raw("FilernameCd", filer_id=2001, filer_type="CANDIDATE/OFFICEHOLDER", naml="Smith", namf="Jane")
    raw("FilernameCd", filer_id=2002, filer_type="CANDIDATE/OFFICEHOLDER", naml="Jones", namf="Bob")


def form501s():
    common = dict(form_type="F501", rec_type="CVR")
    # Jane Smith, Assembly district 7, June 2018 primary; amended once (new first name).
    raw("F501502Cd", filing_id=5001, amend_id=0, filer_id="2001", cand_namf="Jane", cand_naml="Smith",
        office_cd=30022, dist_no="07", party_cd=16001, elect_date="6/5/2018", rpt_date=dt.date(2017, 1, 10), **common)
    raw("F501502Cd", filing_id=5001, amend_id=1, filer_id="2001", cand_namf="Jane A.", cand_naml="Smith",
        office_cd=30022, dist_no="07", party_cd=16001, elect_date="6/5/2018", rpt_date=dt.date(2017, 2, 1), **common)
    # Bob Jones for Governor; party code not in the lookup table: candidacy without party.
    raw("F501502Cd", filing_id=5002, amend_id=0, filer_id="2002", cand_namf="Bob", cand_naml="Jones",
        office_cd=30001, party_cd=16009, elect_date="6/5/2018", rpt_date=dt.date(2017, 3, 1), **common)
    # City council: local office, skipped.
    raw("F501502Cd", filing_id=5003, amend_id=0, filer_id="2003", cand_namf="Lou", cand_naml="Cal",
        office_cd=30050, juris_cd=40503, elect_date="11/6/2018", **common)
    # No election date: skipped.
    raw("F501502Cd", filing_id=5004, amend_id=0, filer_id="2001", cand_namf="Jane", cand_naml="Smith",
        office_cd=30022, dist_no="7", elect_date="", **common)
    # Filer id not a number: skipped.
    raw("F501502Cd", filing_id=5005, amend_id=0, filer_id="ABC", cand_naml="Nobody", office_cd=30001,
        elect_date="6/5/2018", **common)


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
        amount=Decimal("1000.00"), expn_date=dt.date(2018, 9, 1), bal_name="Water Bond", bal_juris="STATE", **e)
    raw("LoanCd", filing_id=7001, amend_id=1, line_item=1, lndr_namf="Jane", lndr_naml="Smith", entity_cd="IND",
        loan_amt1=Decimal("1000.00"), loan_date1=dt.date(2018, 1, 15), rec_type="LOAN", form_type="B1")
    raw("S497Cd", filing_id=7003, amend_id=0, line_item=1, enty_namf="Carol", enty_naml="Big", entity_cd="IND",
        amount=Decimal("5000.00"), ctrib_date=dt.date(2018, 5, 30), rec_type="S497", form_type="F497P1")
    raw("S497Cd", filing_id=7003, amend_id=0, line_item=2, enty_naml="Yes on Prop 1", entity_cd="COM",
        cmte_id="1002", amount=Decimal("200.00"), ctrib_date=dt.date(2018, 5, 30), rec_type="S497",
        form_type="F497P2")


def raw_release_build():
    lookup_codes()
    filers()
    form501s()
    covers()
    items()


@pytest.fixture
def raw_release(db):
    """The synthetic release: raw rows plus its loaded RawDataVersion."""
    raw_release_build()
    return RawDataVersion.objects.create(release_datetime=RELEASE, source="test", status=RawDataVersion.Status.LOADED)

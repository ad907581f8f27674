from calaccess_archive.raw_schemas import raw_table_schemas
from processors.ingest.schema import DATE, DECIMAL, INTEGER, TEXT, Column, parse_date
import datetime as dt


def test_all_80_tables_with_their_columns():
    schemas = raw_table_schemas()
    assert len(schemas) == 80
    rcpt = schemas["RCPT_CD"]
    assert rcpt.column_names[:2] == ["AMEND_ID", "AMOUNT"] or "AMEND_ID" in rcpt.column_names
    assert len(rcpt.columns) == 63
    assert schemas["FILER_TYPES_CD"].primary_key == "FILER_TYPE"
    assert schemas["RCPT_CD"].primary_key is None


def test_values_valid_for_their_column_type():
    assert Column("A", INTEGER).is_valid("2147483647")
    assert not Column("A", INTEGER).is_valid("2147483648")
    assert Column("A", INTEGER).is_valid("Y") and Column("A", INTEGER).is_valid("")
    assert not Column("A", INTEGER).is_valid("12a")
    money = Column("A", DECIMAL, max_digits=14, decimal_places=2)
    assert money.is_valid("-123456789012.50") and not money.is_valid("1.234")
    assert not money.is_valid("1234567890123.00")
    assert Column("A", TEXT, max_length=3).is_valid("abc") and not Column("A", TEXT, max_length=3).is_valid("abcd")
    assert Column("A", DATE).is_valid("3/29/2001 12:00:00 AM")
    assert not Column("A", DATE).is_valid("2/29/2001 12:00:00 AM")
    assert parse_date("2/29/2000 3:15:00 PM") == dt.date(2000, 2, 29)

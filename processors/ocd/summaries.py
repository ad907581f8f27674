"""Form 460's summary page as OCD FilingActionSummaryAmounts: each total a version of a filing reports.

SMRY_CD holds the summary page of a Form 460 (its rows of FORM_TYPE F460; other
FORM_TYPEs are schedules' own summaries) by LINE_ITEM, with the period's amount
in AMOUNT_A and the calendar year's in AMOUNT_B. Each line of a version of a
filing the OCD tables hold becomes one summary amount per column that has one.
A line given twice in a version: the first loaded (lowest id), as in
Form460Filings.csv; a line the form does not have is counted, not kept.
"""

from __future__ import annotations

from .common import add_counts, ocd_id_sql, related, rows

# LINE_ITEM -> flat file column (the coalition's Form460Filing column name), description.
FORM460_SUMMARY = (
    ("1", "monetary_contributions", "Line 1: monetary contributions"),
    ("2", "loans_received", "Line 2: loans received"),
    ("3", "subtotal_cash_contributions", "Line 3: subtotal cash contributions"),
    ("4", "nonmonetary_contributions", "Line 4: nonmonetary contributions"),
    ("5", "total_contributions", "Line 5: total contributions received"),
    ("6", "payments_made", "Line 6: payments made"),
    ("7", "loans_made", "Line 7: loans made"),
    ("8", "subtotal_cash_payments", "Line 8: subtotal cash payments"),
    ("9", "unpaid_bills", "Line 9: accrued expenses (unpaid bills)"),
    ("10", "nonmonetary_adjustment", "Line 10: nonmonetary adjustment"),
    ("11", "total_expenditures_made", "Line 11: total expenditures made"),
    ("12", "beginning_cash_balance", "Line 12: beginning cash balance"),
    ("13", "cash_receipts", "Line 13: cash receipts"),
    ("14", "miscellaneous_cash_increases", "Line 14: miscellaneous increases to cash"),
    ("15", "cash_payments", "Line 15: cash payments"),
    ("16", "ending_cash_balance", "Line 16: ending cash balance"),
    ("17", "loan_guarantees_received", "Line 17: loan guarantees received"),
    ("18", "cash_equivalents", "Line 18: cash equivalents"),
    ("19", "outstanding_debts", "Line 19: outstanding debts"),
)
# The summary page's two columns.
COLUMNS = (("AMOUNT_A", "this period"), ("AMOUNT_B", "calendar year to date"))

_LINES_SQL = "VALUES " + ", ".join(f"('{line}', '{description}')" for line, _, description in FORM460_SUMMARY)
_COLUMNS_SQL = ", ".join(f"('{column}', '{label}', s.\"{column}\")" for column, label in COLUMNS)


def summary_amounts_build(*, cursor, skipped: dict) -> None:
    """opencivicdata_filingactionsummaryamount from SMRY_CD's Form 460 summary pages."""
    cursor.execute(
        f"""CREATE TEMP TABLE ocd_summary_line ON COMMIT DROP AS
            SELECT DISTINCT ON ("FILING_ID", "AMEND_ID", btrim("LINE_ITEM")) "FILING_ID", "AMEND_ID",
              btrim("LINE_ITEM") AS line, "AMOUNT_A", "AMOUNT_B"
            FROM "SMRY_CD" WHERE btrim("FORM_TYPE") = 'F460'
            ORDER BY "FILING_ID", "AMEND_ID", btrim("LINE_ITEM"), id"""
    )
    action = ocd_id_sql("campaign-finance-filing-action", 's."FILING_ID" || \':\' || s."AMEND_ID"')
    amount_id = related("filingactionsummaryamount", "a.id || ':' || s.line || ':' || c.name")
    cursor.execute(
        f"""INSERT INTO opencivicdata_filingactionsummaryamount (id, filing_action_id, label, amount_value,
              amount_currency)
            SELECT {amount_id}, a.id,
              l.description || ' (' || c.label || ')', c.amount, 'USD'
            FROM ocd_summary_line AS s
            JOIN ({_LINES_SQL}) AS l (line, description) ON l.line = s.line
            JOIN opencivicdata_filingaction AS a ON a.id = {action}
            CROSS JOIN LATERAL (VALUES {_COLUMNS_SQL}) AS c (name, label, amount)
            WHERE c.amount IS NOT NULL"""
    )
    add_counts(
        skipped,
        "SMRY_CD",
        rows(cursor, f"""SELECT 'summary_line_not_on_form_460', count(*) FROM ocd_summary_line AS s
                         WHERE s.line NOT IN (SELECT line FROM ({_LINES_SQL}) AS l (line, description))
                         UNION ALL
                         SELECT 'summary_of_a_filing_not_processed', count(*) FROM ocd_summary_line AS s
                         WHERE NOT EXISTS (SELECT 1 FROM opencivicdata_filingaction AS a WHERE a.id = {action})"""),
    )

"""The OCD campaign-finance draft (OCDEP "Campaign Finance Filings"): Committee, Filing, FilingAction,
FilingActionSummaryAmount, Transaction.

The draft was never shipped; names follow its text and the coalition's
unfinished models. Additions (marked) carry what CAL-ACCESS reports and the
draft had no place for: the names of contributors and payees that are not
OCD people or organizations, and the raw keys in `extras`.
"""

from django.db import models

from .base import OCDBase, RelatedBase, ocd_id_field
from .core import Organization, Person
from .elections import Election

ENTITY_TYPES = [("committee", "Committee"), ("organization", "Organization"), ("person", "Person")]


class Committee(OCDBase):
    id = ocd_id_field("campaign-finance-committee")
    name = models.CharField(max_length=500, help_text="Latest name of the committee.")
    committee_type = models.CharField(max_length=100, blank=True, help_text="Type as CAL-ACCESS records it.")
    parent = models.ForeignKey(
        Organization, related_name="committees", null=True, on_delete=models.SET_NULL, help_text="Parent."
    )
    calaccess_filer_id = models.BigIntegerField(unique=True, help_text="CAL-ACCESS FILER_ID (addition).")

    class Meta:
        db_table = "opencivicdata_committee"

    def __str__(self) -> str:
        return self.name


class Filing(OCDBase):
    id = ocd_id_field("campaign-finance-filing")
    classification = models.CharField(max_length=100, blank=True, help_text="Form of the filing, e.g. F460.")
    coverage_start_date = models.DateField(null=True, help_text="Start of the period covered.")
    coverage_end_date = models.DateField(null=True, help_text="End of the period covered.")
    filer = models.ForeignKey(Committee, related_name="filings", on_delete=models.PROTECT, help_text="Filer.")
    recipient = models.ForeignKey(
        Organization, related_name="filings_received", on_delete=models.PROTECT, help_text="Regulator."
    )
    calaccess_filing_id = models.BigIntegerField(unique=True, help_text="CAL-ACCESS FILING_ID (addition).")
    current_amend_id = models.IntegerField(help_text="AMEND_ID of the current amendment (addition).")

    class Meta:
        db_table = "opencivicdata_filing"


class FilingAction(OCDBase):
    id = ocd_id_field("campaign-finance-filing-action")
    filing = models.ForeignKey(Filing, related_name="actions", on_delete=models.CASCADE, help_text="Filing.")
    classification = models.CharField(max_length=100, help_text="filing (original) or amendment.")
    description = models.CharField(max_length=100, help_text="Description of the action.")
    date = models.DateField(null=True, help_text="Date the action occurred (filing date).")
    supersedes_prior_versions = models.BooleanField(default=False, help_text="Replaces earlier versions.")
    is_current = models.BooleanField(default=True, help_text="This action's data is the current version.")
    amend_id = models.IntegerField(help_text="CAL-ACCESS AMEND_ID (addition).")

    class Meta:
        db_table = "opencivicdata_filingaction"


class FilingActionSummaryAmount(RelatedBase):
    """An amount a filing reports as a total, not necessarily the sum of its transactions (Form 460's summary page)."""

    filing_action = models.ForeignKey(
        FilingAction, related_name="summary_amounts", on_delete=models.CASCADE,
        help_text="The action (version of the filing) that reported it.",
    )
    label = models.CharField(max_length=100, help_text='What the total is, e.g. "Line 5: total contributions received'
                                                       ' (this period)".')
    amount_value = models.DecimalField(max_digits=16, decimal_places=2, help_text="Amount.")
    amount_currency = models.CharField(max_length=3, default="USD", help_text="Currency of the amount.")

    class Meta:
        db_table = "opencivicdata_filingactionsummaryamount"


class Transaction(OCDBase):
    # Processing never fills election, sender/recipient organization or person (CAL-ACCESS names
    # them only as text): those foreign keys get no index, which would be rebuilt every night for nothing.
    id = ocd_id_field("campaign-finance-transaction")
    filing_action = models.ForeignKey(
        FilingAction, related_name="transactions", on_delete=models.CASCADE, help_text="Action reporting it."
    )
    classification = models.CharField(max_length=100, help_text="contribution, expenditure, loan...")
    amount_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, help_text="Amount.")
    amount_currency = models.CharField(max_length=3, default="USD", help_text="Currency of the amount.")
    is_in_kind = models.BooleanField(default=False, help_text="Non-monetary transaction.")
    election = models.ForeignKey(
        Election, related_name="transactions", null=True, on_delete=models.SET_NULL, db_index=False,
        help_text="Election.",
    )
    sender_entity_type = models.CharField(max_length=50, choices=ENTITY_TYPES, help_text="Type of sender.")
    sender_committee = models.ForeignKey(
        Committee, related_name="transactions_sent", null=True, on_delete=models.PROTECT, help_text="Sender."
    )
    sender_organization = models.ForeignKey(
        Organization, related_name="transactions_sent", null=True, on_delete=models.PROTECT, db_index=False,
        help_text="Sender.",
    )
    sender_person = models.ForeignKey(
        Person, related_name="transactions_sent", null=True, on_delete=models.PROTECT, db_index=False,
        help_text="Sender.",
    )
    sender_name = models.CharField(max_length=500, blank=True, help_text="Name of the sender (addition).")
    recipient_entity_type = models.CharField(max_length=50, choices=ENTITY_TYPES, help_text="Type of recipient.")
    recipient_committee = models.ForeignKey(
        Committee, related_name="transactions_received", null=True, on_delete=models.PROTECT, help_text="Recipient."
    )
    recipient_organization = models.ForeignKey(
        Organization, related_name="transactions_received", null=True, on_delete=models.PROTECT,
        db_index=False, help_text="Recipient.",
    )
    recipient_person = models.ForeignKey(
        Person, related_name="transactions_received", null=True, on_delete=models.PROTECT, db_index=False,
        help_text="Recipient.",
    )
    recipient_name = models.CharField(max_length=500, blank=True, help_text="Name of the recipient (addition).")
    date = models.DateField(null=True, help_text="Date reported for the transaction.")
    description = models.CharField(max_length=500, blank=True, help_text="Description reported (addition).")

    class Meta:
        db_table = "opencivicdata_transaction"

"""The corrections register: quarantined records a person wrote out right, applied by every later clean.

Rules and entry points: docs/cleaning.md, "Corrections register"; the shared checks are in
processors/ingest/corrections.py, the service in processors/pipeline/corrections.py.
"""

from django.db import models

from processors.ingest.corrections import record_id


class Correction(models.Model):
    """One quarantined record, corrected: keyed by its table and the sha256 of its original bytes."""

    table = models.CharField(max_length=100)
    original_sha256 = models.CharField(max_length=64, help_text="sha256 of the record's original bytes")
    original_base64 = models.TextField(help_text="The record's original bytes (line ends included), base64")
    original_text = models.TextField(blank=True, help_text="The original bytes decoded for reading")
    record = models.JSONField(help_text="The corrected record: {column: value}, every column of the table")
    reason = models.TextField(help_text="Why the record reads so: the evidence for the correction")
    created_by = models.CharField(max_length=150, help_text="Who made the correction")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    release = models.ForeignKey(
        "RawDataVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The release in which the record was resolved (corrections apply to it and every later one)",
    )
    line = models.BigIntegerField(null=True, blank=True, help_text="The record's line in that release")
    last_applied = models.ForeignKey(
        "RawDataVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The newest release cleaned with this correction applied",
    )
    not_needed_since = models.ForeignKey(
        "RawDataVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The first release after the last applied one whose table no longer has the record "
                  "quarantined (the state fixed it, or the record is gone)",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "original_sha256"], name="one_correction_per_record")]
        ordering = ["table", "created_at"]

    def __str__(self) -> str:
        return self.record_id

    @property
    def record_id(self) -> str:
        return record_id(self.table, self.original_sha256)

"""What people were told is wrong, so they are told once per problem, not once per retry."""

from django.db import models


class Problem(models.Model):
    """One problem by its key ("release-failed", "stale"), from when it opens until it is back to normal.

    One row per key, written by processors/pipeline/notify.py. A report with the same summary
    sends nothing; a changed summary, or a problem that opens again after being resolved, is
    sent again. `delivered` keeps, per channel (email, webhook), the last message that channel
    took, so a channel that failed is tried again on the next report and one that took the
    message is not sent it twice.
    """

    key = models.CharField(max_length=100, unique=True, help_text="What is wrong: 'release-failed', 'stale'")
    summary = models.TextField(help_text="What is wrong now, in one line")
    release = models.ForeignKey("RawDataVersion", null=True, blank=True, related_name="problems",
                                on_delete=models.SET_NULL, help_text="The release it is about, if any")
    opened_at = models.DateTimeField(help_text="When it was first reported (again, after a resolution)")
    notified_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When a message about it last reached a channel; empty: nobody was told yet")
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="Empty while it is open")
    last_sent_summary = models.TextField(blank=True, help_text="The last message every channel took")
    delivered = models.JSONField(default=dict, blank=True, help_text="Per channel: the last message it took")

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.key}: {'resolved' if self.resolved_at else 'open'}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

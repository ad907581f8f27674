"""The lease that lets one pipeline run at a time, across every worker and machine."""

from django.db import models


class PipelineLease(models.Model):
    """Who runs the pipeline now, and until when (docs/deploy.md, "One release at a time").

    The holder renews it while it works; a holder that dies stops renewing, and
    once `expires_at` has passed the next tick takes the lease over and resumes
    the release from its records.
    """

    name = models.CharField(max_length=40, unique=True, help_text="What is leased: 'pipeline'")
    holder = models.CharField(max_length=200, help_text="The run holding it: <host>:<pid>:<run id>")
    version = models.ForeignKey("RawDataVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                help_text="The release being run")
    acquired_at = models.DateTimeField()
    renewed_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"

"""Records of each processed release: status, stage times, files and zips."""

from pathlib import Path

from django.db import models


class ProcessedDataVersion(models.Model):
    """The OCD processing of one raw release (one per RawDataVersion)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        EXPORTING = "exporting"
        EXPORTED = "exported", "exported, not yet packaged"
        PACKAGING = "packaging"
        FINISHED = "finished"
        FAILED = "failed"

    # Moves go through status_transition (processors.pipeline.process stamps the stage times).
    TRANSITIONS = {
        Status.PENDING: frozenset({Status.PROCESSING}),
        Status.PROCESSING: frozenset({Status.EXPORTING, Status.FAILED}),
        Status.EXPORTING: frozenset({Status.EXPORTED, Status.FAILED}),
        Status.EXPORTED: frozenset({Status.PACKAGING, Status.PROCESSING}),
        Status.PACKAGING: frozenset({Status.FINISHED, Status.FAILED}),
        Status.FINISHED: frozenset({Status.PROCESSING}),
        Status.FAILED: frozenset({Status.PROCESSING}),
    }

    raw_version = models.OneToOneField(
        "calaccess_archive.RawDataVersion", related_name="processed", on_delete=models.CASCADE
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="Rows per OCD table and skips per reason")
    changes = models.JSONField(default=dict, blank=True, help_text="What changed against the previous release")
    process_started_at = models.DateTimeField(null=True, blank=True)
    process_finished_at = models.DateTimeField(null=True, blank=True)
    export_started_at = models.DateTimeField(null=True, blank=True)
    export_finished_at = models.DateTimeField(null=True, blank=True)
    package_started_at = models.DateTimeField(null=True, blank=True)
    package_finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-raw_version__release_datetime"]

    def __str__(self) -> str:
        return f"processed {self.raw_version.slug}: {self.status}"

    # Files, under <raw version directory>/processed/:
    #   relational/<Model>.csv (before the coalition's names: <db_table>.csv)  flat/<Name>.csv
    #   relational.zip  flat.zip  changes.json
    @property
    def directory(self) -> Path:
        return self.raw_version.directory / "processed"


class ProcessedDataFile(models.Model):
    class Group(models.TextChoices):
        FLAT = "flat"
        RELATIONAL = "relational"

    version = models.ForeignKey(ProcessedDataVersion, related_name="files", on_delete=models.CASCADE)
    name = models.CharField(max_length=200, help_text="File name, e.g. Candidates.csv")
    group = models.CharField(max_length=20, choices=Group.choices)
    records = models.BigIntegerField()
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "group", "name"], name="one_processed_file")]
        ordering = ["version", "group", "name"]

    def __str__(self) -> str:
        return f"{self.group}/{self.name}"


class ProcessedDataZip(models.Model):
    version = models.ForeignKey(ProcessedDataVersion, related_name="zips", on_delete=models.CASCADE)
    name = models.CharField(max_length=200, help_text="flat.zip or relational.zip")
    group = models.CharField(max_length=20, choices=ProcessedDataFile.Group.choices)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    file_count = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="one_processed_zip")]
        ordering = ["version", "name"]

    def __str__(self) -> str:
        return self.name
